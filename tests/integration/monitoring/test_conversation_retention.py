"""Retention of Rasa's stored conversations (monitoring.tracker.purge_conversations,
handover.retention.run_conversation_retention) on real SQLite and PostgreSQL tracker tables."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select

from handover.retention import run_conversation_retention
from monitoring.tracker import events_table, metadata, purge_conversations, tracker_engine

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _event(sender: str, days_ago: float, text: str = "") -> dict:
    moment = (NOW - timedelta(days=days_ago)).timestamp()
    return {"sender_id": sender, "type_name": "user", "timestamp": moment, "intent_name": "inform",
            "action_name": None, "data": json.dumps({"event": "user", "text": text, "timestamp": moment})}


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return request.getfixturevalue("postgres_url")


def _fill(url: str) -> None:
    engine = tracker_engine(url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(delete(events_table))
        connection.execute(insert(events_table), [
            _event("old", 45, "Anna Schulz"), _event("old", 40, "040 1234567"),
            _event("long-running", 40, "Hallo"), _event("long-running", 1, "ja"),  # still going on
            _event("recent", 2, "Erika Muster"),
        ])
    engine.dispose()


def _senders(url: str) -> dict[str, int]:
    engine = tracker_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(events_table.c.sender_id, func.count())
                                      .group_by(events_table.c.sender_id)).all()
    finally:
        engine.dispose()
    return dict(rows)


def test_only_conversations_quiet_for_longer_than_the_period_are_deleted_whole(tracker_url):
    _fill(tracker_url)
    engine = tracker_engine(tracker_url)
    try:
        assert purge_conversations(engine, NOW - timedelta(days=30)) == 1
        assert purge_conversations(engine, NOW - timedelta(days=30)) == 0  # idempotent
    finally:
        engine.dispose()
    assert _senders(tracker_url) == {"long-running": 2, "recent": 1}


def test_small_batches_delete_the_same(tracker_url):
    _fill(tracker_url)
    engine = tracker_engine(tracker_url)
    try:
        assert purge_conversations(engine, NOW, batch=1) == 3
    finally:
        engine.dispose()
    assert _senders(tracker_url) == {}


def test_zero_days_keeps_everything_and_a_missing_tracker_file_is_not_created(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    assert run_conversation_retention(url, 30, now=NOW) == 0
    assert not (tmp_path / "tracker.db").exists()
    _fill(url)
    assert run_conversation_retention(url, 0, now=NOW) == 0
    assert run_conversation_retention(url, 30, now=NOW) == 1
    assert set(_senders(url)) == {"long-running", "recent"}


def test_make_retention_deletes_old_conversations_too(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    _fill(url)  # relative to 2026-12-03; the command runs on the real clock, later than that
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRACKER_URL": url, "TRACKER_RETENTION_DAYS": "30",
           "HANDOVER_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}",
           "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    done = subprocess.run([sys.executable, "-m", "handover", "retention"], env=env, cwd=ROOT, check=False,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conversations"] >= 1
    assert "old" not in _senders(url)
