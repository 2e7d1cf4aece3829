"""The SQL call store on real SQLite and PostgreSQL: shared by several gateway processes."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from telephony.state import CallbackRequest, CallState, SqlCallStore


def _store(url: str, clock=None) -> SqlCallStore:
    return SqlCallStore(create_engine(url), clock=clock)


def test_the_tables_are_created_on_first_use_not_when_the_store_is_built(database_url):
    store = _store(database_url)
    assert not inspect(store.engine).has_table("telephony_calls")
    assert store.load("CA-none") is None
    assert {"telephony_calls", "telephony_callbacks"} <= set(inspect(store.engine).get_table_names())


def test_a_call_state_survives_the_round_trip(database_url):
    store = _store(database_url)
    state = CallState("CA1", phase="menu", trouble=3, options=['/choose_option{"ordinal":"1"}'],
                      last_turn=["Ihr Buchungscode lautet: K, 7, M ... 4, T, X."], pending={"text": "am 3.12.", "kind": "date"})
    store.save(state)
    assert store.load("CA1") == state


def test_two_gateway_processes_see_the_same_call(database_url):
    first, second = _store(database_url), _store(database_url)
    first.save(CallState("CA2", trouble=1))
    loaded = second.load("CA2")
    loaded.trouble = 2
    second.save(loaded)
    assert first.load("CA2").trouble == 2


def test_saving_twice_updates_the_one_row(database_url):
    store = _store(database_url)
    store.save(CallState("CA3", turns=1))
    store.save(CallState("CA3", turns=2))
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM telephony_calls")).scalar_one() == 1
    assert store.load("CA3").turns == 2


def test_concurrent_first_use_from_several_threads_creates_the_schema_once(database_url):
    stores = [_store(database_url) for _ in range(4)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            stores[index].save(CallState(f"CA-thread-{index}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(stores[0].load(f"CA-thread-{index}") is not None for index in range(4))


def test_finished_calls_are_deleted_and_stale_ones_purged(database_url):
    moments = iter([datetime(2026, 11, 23, 8, 0, tzinfo=UTC), datetime(2026, 11, 23, 20, 0, tzinfo=UTC)])
    store = _store(database_url, clock=lambda: next(moments))
    store.save(CallState("CA-old"))
    store.save(CallState("CA-new"))
    assert store.purge(datetime(2026, 11, 23, 12, 0, tzinfo=UTC)) == 1
    assert store.load("CA-old") is None and store.load("CA-new") is not None
    store.delete("CA-new")
    assert store.load("CA-new") is None


def test_one_callback_request_per_call(database_url):
    store = _store(database_url)
    moment = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)
    store.add_callback(CallbackRequest("CA4", "H-7", "+491701234567", moment))
    store.add_callback(CallbackRequest("CA4", "H-7", "+491701234567", moment + timedelta(minutes=1)))
    [request] = store.callbacks()
    assert request == CallbackRequest("CA4", "H-7", "+491701234567", moment)
    assert request.requested_at.tzinfo is not None


def test_the_callback_status_is_constrained_by_the_database(database_url):
    store = _store(database_url)
    store.callbacks()  # creates the tables
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO telephony_callbacks (call_sid, reference, caller_number, requested_at, status) "
            "VALUES ('CA5', 'r', '+49170', '2026-11-23 09:00:00', 'maybe')"
        ))
