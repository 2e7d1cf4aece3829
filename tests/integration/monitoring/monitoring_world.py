"""Monitoring integration helpers: a real SQLite booking store and a tracker table filled by
the seeded load generator (fixtures in conftest.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from sqlalchemy.engine import Engine

from booking_adapter.bootstrap import build_booking_port, seed_store
from booking_adapter.db import create_engines
from common.settings import Settings
from monitoring.generator import GenerationSummary, GeneratorConfig, generate
from monitoring.tracker import tracker_engine

NOW = "2026-11-23T12:00:00+01:00"  # a Monday, noon
SMALL = GeneratorConfig(seed=5, days=7, conversations_per_day=12, backlog=(("finkenwerder", 16),))


@dataclass
class World:
    settings: Settings
    summary: GenerationSummary
    tracker: Engine

    def port(self):
        return build_booking_port(self.settings)


def make_world(folder: Path, config: GeneratorConfig = SMALL, **env: str) -> World:
    settings = Settings.from_env({
        "ASSISTANT_NOW": NOW,
        "BOOKING_DATABASE_URL": f"sqlite:///{folder / 'booking.db'}",
        "TRACKER_URL": f"sqlite:///{folder / 'tracker.db'}",
        "GATEWAY_SECRET_KEY": "monitoring-test",
        **env,
    })
    seed_store(settings)
    engines = create_engines(settings.booking_database_url)
    tracker = tracker_engine(settings.tracker_url)
    try:
        summary = generate(engines, tracker, settings.clock()(), config)
    finally:
        engines.dispose()
    return World(settings, summary, tracker)


class ScriptedRasa:
    """Answers every turn with one sentence; `down` makes it fail like an unreachable server,
    `empty` like a Rasa whose action server failed (no message at all)."""

    def __init__(self) -> None:
        self.down = False
        self.empty = False

    def send(self, channel: str, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        from gateway.rasa_client import RasaUnavailable

        if self.down:
            raise RasaUnavailable("scripted outage")
        return [] if self.empty else [{"text": "Wie kann ich Ihnen helfen?"}]


class AgentDirectory:
    """Two API tokens: one agent, and nobody else (the real directory is the hand-over store)."""

    def __init__(self) -> None:
        from gateway.auth import AgentIdentity

        self.agent = AgentIdentity(7, "Agentin Test", "agent")

    def agent_by_id(self, agent_id: int):
        return self.agent if agent_id == self.agent.id else None

    def agent_by_token(self, token: str):
        return self.agent if token == "agent-token" else None

    def check_password(self, name: str, password: str):
        return None


def make_gateway(world_settings: Settings, rasa: Optional[ScriptedRasa] = None, **env: str):
    """A gateway on the world's booking store; `env` overrides settings (e.g. METRICS_TOKEN)."""
    from dataclasses import replace

    from gateway import create_app

    settings = replace(world_settings, **{k.lower(): v for k, v in env.items()}) if env else world_settings
    booking = build_booking_port(settings)
    app = create_app(settings, rasa=rasa or ScriptedRasa(), booking=booking)
    app.extensions["agent_directory"] = AgentDirectory()
    return app
