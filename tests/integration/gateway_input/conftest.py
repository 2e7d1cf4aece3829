"""Gateway integration fixtures: the real Flask app on a real, seeded SQLite booking store
with one confirmed appointment, a recording fake bot, and a phone that signs like Twilio."""
from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Optional

import pytest
from sqlalchemy import MetaData, create_engine, select
from twilio.request_validator import RequestValidator

from booking_adapter.bootstrap import build_booking_port, seed_store
from booking_adapter.port import Appointment, Contact, SlotQuery
from common.settings import Settings
from gateway import create_app

AUTH_TOKEN = "integration-twilio-token-0123456789"
PUBLIC_BASE = "https://termine.example.org"
NOW = "2026-11-23T09:00:00+01:00"  # a Monday
CALLER = "+491701234567"
PHONE_OF_BOOKING = "+49401234567"


class RecordingRasa:
    """Stands in for Rasa: records every turn, answers one German sentence."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, dict]] = []

    def send(self, channel: str, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        self.calls.append((channel, sender, message, metadata or {}))
        return [{"text": "Wie kann ich Ihnen helfen?"}]


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table in the store, sorted: equal snapshots = nothing changed."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        out: dict[str, list[tuple]] = {}
        with engine.connect() as connection:
            for name, table in sorted(meta.tables.items()):
                if not name.startswith("booking_"):  # call state, hand-over queues: meant to change
                    continue
                rows = connection.execute(select(table)).all()
                out[name] = sorted(tuple(map(repr, row)) for row in rows)
        return out
    finally:
        engine.dispose()


@dataclass
class GatewayWorld:
    app: Any
    rasa: RecordingRasa
    database_url: str
    appointment: Appointment

    def client(self):
        return self.app.test_client()

    def signed(self, path: str, form: dict[str, str], url: Optional[str] = None) -> str:
        return RequestValidator(AUTH_TOKEN).compute_signature(url or PUBLIC_BASE + path, form)

    def store(self) -> dict[str, list[tuple]]:
        return snapshot(self.database_url)


def call_form(**extra: str) -> dict[str, str]:
    form = {
        "CallSid": "CA" + "7" * 32, "AccountSid": "AC" + "0" * 32, "From": CALLER,
        "To": "+4940115", "Direction": "inbound", "CallStatus": "in-progress",
    }
    form.update(extra)
    return {k: v for k, v in form.items() if v is not None}


def _settings(database_url: str, **env: str) -> Settings:
    return Settings.from_env({
        "ASSISTANT_NOW": NOW,
        "BOOKING_DATABASE_URL": database_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_PUBLIC_BASE_URL": PUBLIC_BASE,
        "TWILIO_HOTLINE_NUMBER": "+494042828000",
        "GATEWAY_SECRET_KEY": "integration-secret",
        **env,
    })


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory) -> tuple[Path, str]:
    """One seeded SQLite file with one confirmed appointment; each test gets a copy."""
    path = tmp_path_factory.mktemp("gateway-store") / "booking.db"
    settings = _settings(f"sqlite:///{path}")
    seed_store(settings)
    booking = build_booking_port(settings)
    slot = booking.find_slots(SlotQuery(("personalausweis",), earliest=date(2026, 11, 30), limit=1))[0]
    hold = booking.hold(slot, "integration-setup")
    code = booking.confirm(hold.hold_id, Contact(name="Erika Muster", phone=PHONE_OF_BOOKING)).code
    booking.close()
    return path, code


@pytest.fixture
def make_gateway(tmp_path, seeded_store):
    """make_gateway(**env) -> a GatewayWorld; `testing` stays off so errors look as in production."""

    def build(**env: str) -> GatewayWorld:
        template, code = seeded_store
        path = tmp_path / f"booking-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template, path)
        database_url = f"sqlite:///{path}"
        settings = _settings(database_url, **env)
        booking = build_booking_port(settings)
        rasa = RecordingRasa()
        app = create_app(settings, rasa=rasa, booking=booking)
        return GatewayWorld(app, rasa, database_url, booking.appointment(code))

    return build


@pytest.fixture
def gateway(make_gateway) -> GatewayWorld:
    return make_gateway()
