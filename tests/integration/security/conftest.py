"""Fixtures of the security tests: the real gateway (Flask test client) in the production
profile, on a real hand-over store (SQLite file) and a real, seeded booking store (SQLite file),
with a scripted stand-in for Rasa."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest

from booking_adapter.bootstrap import build_booking_port, seed_store
from common.settings import Settings
from gateway import create_app
from handover.store import SqlHandoverStore, build_engine

NOW = "2026-11-23T09:00:00+01:00"  # a Monday
PASSWORD = "richtig-geheim-1"
STRONG_KEY = "k3Vq9sZ1-production-grade-signing-key-0123456789"  # 48 characters
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class ScriptedRasa:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def send(self, channel: str, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        self.calls.append((channel, sender, message))
        return [{"text": "Wie kann ich Ihnen helfen?"}]


def production_env(tmp_path: Path, **env: str) -> dict[str, str]:
    return {
        "ASSISTANT_PROFILE": "production",
        "GATEWAY_SECRET_KEY": STRONG_KEY,
        "ASSISTANT_NOW": NOW,
        "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'booking.db'}",
        "HANDOVER_DATABASE_URL": f"sqlite:///{tmp_path / 'handover.db'}",
        "TELEPHONY_DATABASE_URL": f"sqlite:///{tmp_path / 'telephony.db'}",
        "TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "HANDOVER_RETENTION_INTERVAL_MINUTES": "0",
        **env,
    }


@dataclass
class Gateway:
    app: Any
    store: SqlHandoverStore
    settings: Settings
    rasa: ScriptedRasa
    booking: Any = None
    extra: dict = field(default_factory=dict)

    def client(self):
        return self.app.test_client()


@pytest.fixture(scope="session")
def seeded_booking_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("security-store") / "booking.db"
    seed_store(Settings.from_env({"BOOKING_DATABASE_URL": f"sqlite:///{path}", "ASSISTANT_NOW": NOW}))
    return path


@pytest.fixture
def make_gateway(tmp_path, seeded_booking_template):
    """make_gateway(**env) -> Gateway in the production profile (env overrides the settings);
    agents "anna" (agent) and "chef" (admin) exist with PASSWORD."""
    built: list[Gateway] = []

    def build(**env: str) -> Gateway:
        import shutil

        folder = tmp_path / f"gw{len(built)}"
        folder.mkdir()
        shutil.copyfile(seeded_booking_template, folder / "booking.db")
        settings = Settings.from_env(production_env(folder, **env))
        store = SqlHandoverStore(build_engine(settings.handover_database_url))
        store.add_agent("anna", PASSWORD, "agent")
        store.add_agent("chef", PASSWORD, "admin")
        booking = build_booking_port(settings)
        rasa = ScriptedRasa()
        app = create_app(settings, rasa=rasa, booking=booking, handover=store)
        gateway = Gateway(app, store, settings, rasa, booking)
        built.append(gateway)
        return gateway

    yield build
    for gateway in built:
        gateway.booking.close()
        gateway.store.engine.dispose()


@pytest.fixture
def gateway(make_gateway) -> Gateway:
    return make_gateway()


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, name: str = "anna", password: str = PASSWORD, **request: Any):
    page = client.get("/agents/login", **request)
    return client.post("/agents/login", data={"name": name, "password": password, "csrf_token": csrf_of(page.text)},
                       **request)


@pytest.fixture
def all_logs(caplog):
    """Every log record of every logger, from DEBUG up."""
    caplog.set_level(logging.DEBUG)
    return caplog
