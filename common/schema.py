"""Tables created on first use, once per process, safely when several processes start at once.

The hand-over and telephony stores keep their own tables next to the booking store's (which
has Alembic migrations). They create them when first used, never at import or app creation.
On PostgreSQL a transaction-scoped advisory lock serialises concurrent creators; where two
still race (SQLite, or the lock not yet taken), the loser's error is settled by checking again.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional, Sequence

from sqlalchemy import MetaData, Table, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError


class TablesOnFirstUse:
    def __init__(self, engine: Engine, metadata: MetaData, lock_key: int,
                 tables: Optional[Sequence[Table]] = None, attempts: int = 3):
        self.engine, self.metadata, self.lock_key = engine, metadata, lock_key
        self.tables = list(tables) if tables is not None else None
        self.attempts = attempts
        self._ready = False
        self._lock = threading.Lock()

    def ensure(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            database = self.engine.url.database
            if self.engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            for attempt in range(self.attempts):
                try:
                    self._create()
                    break
                except (OperationalError, ProgrammingError, IntegrityError):
                    if attempt == self.attempts - 1:  # not a race: a real problem
                        raise
            self._ready = True

    def _create(self) -> None:
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": self.lock_key})
            self.metadata.create_all(connection, tables=self.tables, checkfirst=True)
