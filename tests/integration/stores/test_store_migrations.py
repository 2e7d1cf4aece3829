"""The hand-over and telephony stores' Alembic histories: the migrated schema is exactly the
ORM's (compare_metadata finds nothing), on SQLite and PostgreSQL; tables made by the old
create_all are adopted; the histories share a database with each other and the booking store."""
from __future__ import annotations

import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from booking_adapter.migrate import upgrade as upgrade_booking
from common.migrations import MigrationHistory
from handover.migrate import HANDOVER
from telephony.migrate import TELEPHONY
from tests.integration.conftest import ADMIN_URL

HISTORIES = {"handover": HANDOVER, "telephony": TELEPHONY}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """An empty database of its own: an SQLite file or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'stores.db'}"
        return
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"migrations_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def differences(engine, history: MigrationHistory) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_name": history.include_name, "compare_type": True, "version_table": history.version_table})
        return compare_metadata(context, history.metadata)


@pytest.mark.parametrize("store", sorted(HISTORIES))
def test_the_migrated_schema_equals_the_orm_models(empty_url, store):
    history = HISTORIES[store]
    engine = create_engine(empty_url)
    try:
        history.upgrade(engine)
        assert history.current_revision(engine) == history.head_revision()
        assert differences(engine, history) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("store", sorted(HISTORIES))
def test_tables_made_by_create_all_are_adopted_not_created_twice(empty_url, store):
    history = HISTORIES[store]
    engine = create_engine(empty_url)
    try:
        history.metadata.create_all(engine)  # what the stores did before the migrations
        history.upgrade(engine)
        assert history.current_revision(engine) == history.head_revision()
        assert differences(engine, history) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("store", sorted(HISTORIES))
def test_the_history_goes_down_to_nothing_and_up_again(empty_url, store):
    history = HISTORIES[store]
    engine = create_engine(empty_url)
    try:
        history.upgrade(engine)
        config = history.config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert not set(inspect(engine).get_table_names()) & set(history.metadata.tables)
        history.upgrade(engine)
        assert differences(engine, history) == []
    finally:
        engine.dispose()


def test_all_three_stores_share_one_database_each_with_its_own_history(empty_url):
    engine = create_engine(empty_url)
    try:
        upgrade_booking(engine)
        for history in HISTORIES.values():
            history.upgrade(engine)
            history.upgrade(engine)  # at every start: nothing to do the second time
        tables = set(inspect(engine).get_table_names())
        assert {"booking_alembic_version", "handover_alembic_version", "telephony_alembic_version"} <= tables
        for history in HISTORIES.values():
            assert differences(engine, history) == []
    finally:
        engine.dispose()


def test_a_store_migrates_itself_on_first_use(tmp_path):
    from handover.store import SqlHandoverStore, build_engine

    engine = build_engine(f"sqlite:///{tmp_path / 'first-use.db'}")
    try:
        SqlHandoverStore(engine).ensure_schema()
        assert HANDOVER.current_revision(engine) == HANDOVER.head_revision()
    finally:
        engine.dispose()
