"""Booking integration fixtures: real SQLite files and a real PostgreSQL database.

PostgreSQL is required (`make services` / scripts/ensure_services.sh starts it): when it does
not answer, the tests fail, they are never skipped. One fresh, uniquely named database is
created per test session on the server's `postgres` maintenance database (trust auth, user
root or postgres, or BOOKING_TEST_POSTGRES_ADMIN_URL) and dropped afterwards; each test starts
from emptied booking tables.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from booking_adapter.catalogue import default_catalogue
from booking_adapter.db import create_engines
from booking_adapter.policies import Policies
from booking_adapter.seed import seed
from booking_adapter.sqlalchemy_port import SqlAlchemyBookingPort
from tests.unit.booking.conftest import MutableClock

ADMIN_URLS = (
    "postgresql+psycopg://root@127.0.0.1:5432/postgres",
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
)
BOOKING_TABLES = ("booking_occupancy", "booking_appointment_history", "booking_appointment_services",
                  "booking_appointments", "booking_holds")


def _admin_url() -> str:
    candidates = [os.environ.get("BOOKING_TEST_POSTGRES_ADMIN_URL"), *ADMIN_URLS]
    problems = []
    for url in filter(None, candidates):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return url
        except OperationalError as error:
            problems.append(f"{make_url(url).render_as_string(hide_password=True)}: {error.orig}")
        finally:
            engine.dispose()
    pytest.fail("PostgreSQL is not reachable; run scripts/ensure_services.sh\n" + "\n".join(problems))


class PostgresServer:
    def __init__(self, admin_url: str):
        self.admin_url = admin_url

    def create_database(self) -> str:
        name = f"booking_test_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    return PostgresServer(_admin_url())


@pytest.fixture
def fresh_postgres_url(postgres_server) -> Iterator[str]:
    """An empty database of its own, dropped after the test."""
    url = postgres_server.create_database()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)


@pytest.fixture(scope="session")
def seeded_postgres_url(postgres_server) -> Iterator[str]:
    """One seeded database for the whole session (tests empty the booking tables)."""
    url = postgres_server.create_database()
    engines = create_engines(url)
    try:
        seed(engines, default_catalogue())
    finally:
        engines.dispose()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "booking.db"
    engines = create_engines(f"sqlite:///{path}")
    try:
        seed(engines, default_catalogue())
    finally:
        engines.dispose()  # the last connection to close checkpoints and removes the WAL file
    assert not path.with_name("booking.db-wal").exists()
    return path


def _empty_booking_tables(url: str) -> None:
    engines = create_engines(url)
    try:
        with engines.write.begin() as connection:
            connection.execute(text("TRUNCATE " + ", ".join(BOOKING_TABLES) + " RESTART IDENTITY CASCADE"))
    finally:
        engines.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A seeded, empty booking store: a SQLite file in tmp_path or the session's PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "booking.db"
        shutil.copy(request.getfixturevalue("seeded_sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("seeded_postgres_url")
    _empty_booking_tables(url)
    return url


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def port(database_url, clock) -> Iterator[SqlAlchemyBookingPort]:
    sql_port = SqlAlchemyBookingPort(create_engines(database_url), default_catalogue(), clock, Policies())
    try:
        yield sql_port
    finally:
        sql_port.close()


@pytest.fixture
def make_port(database_url):
    """Ports on the same store with their own clock and policies (disposed after the test)."""
    made = []

    def build(moment=None, **overrides):
        clock = MutableClock(moment) if moment else MutableClock()
        made.append(SqlAlchemyBookingPort(create_engines(database_url), default_catalogue(), clock,
                                          Policies(**overrides)))
        return made[-1]

    yield build
    for sql_port in made:
        sql_port.close()
