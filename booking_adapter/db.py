"""Engines for the booking store: SQLite (embedded default) and PostgreSQL.

SQLite: WAL journal, a busy timeout and `BEGIN IMMEDIATE` for writing transactions, so several
processes can write without "database is locked"; reads use plain deferred transactions.
Nothing here runs at import time: `bootstrap` calls `create_engines`. Every engine is built with
`hide_parameters=True`: names and phone numbers never appear in SQL error messages or logs.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Engines:
    """`read` for queries, `write` for transactions that change data (the same engine except
    on SQLite, where writers start with BEGIN IMMEDIATE)."""

    read: Engine
    write: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.write.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.read.dispose()
        if self.write is not self.read:
            self.write.dispose()


def sqlite_file(url: URL) -> Path | None:
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_engine(url: URL, immediate: bool) -> Engine:
    engine = create_engine(url, hide_parameters=True,
                           connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:  # pragma: no cover - trivial
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:  # pragma: no cover - trivial
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def create_engines(url: str | URL) -> Engines:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        return Engines(read=_sqlite_engine(parsed, immediate=False), write=_sqlite_engine(parsed, immediate=True))
    engine = create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True)
    return Engines(read=engine, write=engine)
