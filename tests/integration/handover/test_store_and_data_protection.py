"""The hand-over store on SQLite and PostgreSQL: retention deletes exactly what is due,
export and delete by phone number, agents and tokens, the command line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handover.domain import NewCallback, NewHandover, TranscriptLine
from handover.retention import run_retention
from handover.store import SqlHandoverStore

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _at(moment: datetime):
    return lambda: moment


def _record(store: SqlHandoverStore, created: datetime, phone: str, conversation: str) -> int:
    store._clock = _at(created)
    record = store.record_handover(NewHandover(
        conversation_id=conversation, channel="voice", reason="requested", summary="Anliegen: Test", fields={},
        phone=phone, transcript=[TranscriptLine(at=created, speaker="citizen", text="Hallo", confidence=0.8)],
    ))
    store.add_message(record.id, "citizen", "noch da?")
    return record.id


def test_retention_deletes_exactly_what_is_older_than_the_period(store_any):
    store = store_any
    old = _record(store, NOW - timedelta(days=30, seconds=1), "+494011111111", "c-old")
    edge = _record(store, NOW - timedelta(days=29, hours=23), "+494022222222", "c-edge")
    new = _record(store, NOW - timedelta(hours=1), "+494033333333", "c-new")
    store._clock = _at(NOW - timedelta(days=31))
    store.record_callback(NewCallback(phone="+494011111111", channel="voice", conversation_id="c-old"))
    store._clock = _at(NOW - timedelta(days=2))
    kept_callback = store.record_callback(NewCallback(phone="+494033333333", channel="voice", conversation_id="c-new"))

    counts = run_retention(store, 30, now=NOW)

    assert counts == {"handovers": 1, "transcript_lines": 1, "messages": 1, "callbacks": 1}
    assert store.handover(old) is None and store.messages(old) == []
    assert store.handover(edge) is not None and store.handover(new) is not None
    assert [c.id for c in store.callbacks()] == [kept_callback.id]
    assert run_retention(store, 30, now=NOW) == {"handovers": 0, "transcript_lines": 0, "messages": 0, "callbacks": 0}
    assert store.audit_entries()[0].action == "retention"


def test_transcript_keeps_order_time_and_confidence(store_any):
    store = store_any
    lines = [TranscriptLine(at=NOW + timedelta(seconds=i), speaker=s, text=t, confidence=c)
             for i, (s, t, c) in enumerate([("citizen", "Reisepass", 0.61), ("bot", "Wo?", None), ("citizen", "Altona", 0.93)])]
    saved = store.record_handover(NewHandover(conversation_id="CA123", channel="voice", reason="not_understood",
                                              summary="x", fields={"service": "Reisepass"}, transcript=lines))
    loaded = store.handover(saved.id)
    assert [(line.speaker, line.text, line.confidence) for line in loaded.transcript] == [
        ("citizen", "Reisepass", 0.61), ("bot", "Wo?", None), ("citizen", "Altona", 0.93)]
    assert loaded.transcript[2].at == NOW + timedelta(seconds=2)
    assert loaded.fields == {"service": "Reisepass"}


def test_export_and_delete_everything_about_one_phone_number(store_any):
    store = store_any
    mine = _record(store, NOW, "+494012345678", "c-mine")
    other = _record(store, NOW, "+494087654321", "c-other")
    store.record_callback(NewCallback(phone="040 12345678", channel="webchat", window="abends", conversation_id="c-mine"))

    export = store.export_phone("040/123 456 78")
    assert [h.id for h in export.handovers] == [mine]
    assert [c.window for c in export.callbacks] == ["abends"]
    assert [m.text for m in export.messages] == ["noch da?"]
    assert export.handovers[0].transcript[0].text == "Hallo"

    counts = store.delete_phone("+49 40 12345678")
    assert counts == {"handovers": 1, "transcript_lines": 1, "messages": 1, "callbacks": 1}
    assert store.handover(mine) is None and store.handover(other) is not None
    assert store.export_phone("04012345678").handovers == []


def test_agents_passwords_are_hashed_and_tokens_stored_as_hashes(store_any):
    store = store_any
    store.add_agent("anna", "ein-gutes-passwort", "agent")
    token = store.issue_token("anna")
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from handover.store import AgentRow, TokenRow

    with Session(store.engine) as session:
        assert "ein-gutes-passwort" not in session.scalar(select(AgentRow.password_hash))
        assert session.scalar(select(TokenRow.token_hash)) != token
    assert store.check_password("anna", "ein-gutes-passwort").name == "anna"
    assert store.check_password("anna", "falsch") is None
    assert store.agent_by_token(token).role == "agent"


def test_command_line_add_agent_export_delete(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDOVER_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}",
           "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "handover", *args], input=stdin, env=env,
                              cwd=ROOT, capture_output=True, text=True, check=False)

    added = run("add-agent", "bert", "--role", "admin", stdin="sehr-geheim-99\n")
    assert added.returncode == 0, added.stderr
    assert "sehr-geheim-99" not in added.stdout + added.stderr
    from handover.store import build_engine

    store = SqlHandoverStore(build_engine(env["HANDOVER_DATABASE_URL"]))
    assert store.check_password("bert", "sehr-geheim-99").role == "admin"
    _record(store, NOW, "+494012345678", "c-cli")

    exported = run("export", "040 12345678")
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert len(data["handovers"]) == 1 and data["handovers"][0]["transcript"][0]["text"] == "Hallo"
    assert run("delete", "040 12345678").returncode == 2  # not without --yes

    # the number's appointments: one cancelled (erased), one upcoming (kept until it is over)
    from booking_adapter.bootstrap import build_booking_port, seed_store
    from booking_adapter.port import Contact, SlotQuery
    from common.settings import Settings

    booking_settings = Settings.from_env({"BOOKING_DATABASE_URL": env["BOOKING_DATABASE_URL"]})
    seed_store(booking_settings)
    port = build_booking_port(booking_settings)
    first, second = port.find_slots(SlotQuery(("personalausweis",), limit=2))
    cancelled = port.confirm(port.hold(first, "x").hold_id, Contact("Erika Muster", "040 12345678"))
    upcoming = port.confirm(port.hold(second, "y").hold_id, Contact("Erika Muster", "040 12345678"))
    port.cancel(cancelled.code, "040 12345678")

    deleted = run("delete", "040 12345678", "--yes")
    counts = json.loads(deleted.stdout)
    assert counts["handovers"] == 1
    assert (counts["appointments_anonymised"], counts["appointments_kept_upcoming"]) == (1, 1)
    assert store.export_phone("04012345678").handovers == []
    assert (port.appointment(cancelled.code).contact_name, port.appointment(cancelled.code).phone) == ("", None)
    assert port.appointment(upcoming.code).contact_name == "Erika Muster"
    assert "Erika" not in deleted.stdout + deleted.stderr
