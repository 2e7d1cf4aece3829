"""Monitoring integration helpers: a real SQLite booking store and a tracker table filled by
the seeded load generator (fixtures in conftest.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest
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
