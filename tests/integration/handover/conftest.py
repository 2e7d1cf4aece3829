"""Hand-over integration fixtures: the real gateway (Flask test client) on a real SQLite file
or a throwaway PostgreSQL database, the in-memory booking port and a scripted Rasa."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import pytest
from handover_helpers import PASSWORD
from sqlalchemy import text

from booking_adapter.memory import InMemoryBookingPort
from common.clock import BERLIN, fixed_clock
from common.settings import Settings
from gateway import create_app
from handover.store import SqlHandoverStore, build_engine

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)




@pytest.fixture(params=["sqlite", "postgresql"])
def store_any(request, tmp_path):
    """A hand-over store on an empty SQLite file or PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'handover.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = build_engine(url)
    yield SqlHandoverStore(engine)
    if request.param == "postgresql":
        from handover.store import Base

        Base.metadata.drop_all(engine)
        with engine.begin() as connection:  # the schema's history goes with it
            connection.execute(text("DROP TABLE IF EXISTS handover_alembic_version"))
    engine.dispose()


@pytest.fixture
def store(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path / 'handover.db'}")
    yield SqlHandoverStore(engine)
    engine.dispose()


class ScriptedRasa:
    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def send(self, channel: str, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        self.calls.append((sender, message))
        return [{"text": f"Bot: {message}"}]


@pytest.fixture
def rasa():
    return ScriptedRasa()


@pytest.fixture
def booking():
    return InMemoryBookingPort(fixed_clock(NOW), hold_minutes=10)


@pytest.fixture
def app(store, rasa, booking, tmp_path):
    settings = Settings.from_env({
        "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}", "GATEWAY_SECRET_KEY": "test-secret",
        "HANDOVER_RETENTION_INTERVAL_MINUTES": "0",
    })
    app = create_app(settings, rasa=rasa, booking=booking, handover=store)
    app.config.update(TESTING=True)
    store.add_agent("anna", PASSWORD, "agent")
    store.add_agent("chef", PASSWORD, "admin")
    return app


