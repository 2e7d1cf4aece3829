"""Deletes hand-overs, transcripts, chat messages and callback requests older than the
retention period (HANDOVER_RETENTION_DAYS), and Rasa's stored conversations gone quiet for
longer than TRACKER_RETENTION_DAYS (`run_conversation_retention`).

Run it by command (`python -m handover retention`, `make retention`, e.g. from cron) and/or
let the gateway run it every HANDOVER_RETENTION_INTERVAL_MINUTES in a daemon thread
(`RetentionScheduler`, started by create_app). Deleting is idempotent, so several gateway
processes running it at once is harmless.
"""
from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Callable, Optional

from handover.port import AgentConsolePort

log = logging.getLogger(__name__)


def cutoff(now: datetime, retention_days: int) -> datetime:
    return now.astimezone(UTC) - timedelta(days=retention_days)


def run_retention(store: AgentConsolePort, retention_days: int, now: Optional[datetime] = None) -> dict[str, int]:
    """Delete everything created before now - retention_days; returns the counts."""
    if retention_days < 1:
        raise ValueError("HANDOVER_RETENTION_DAYS must be at least 1")
    moment = now or datetime.now(UTC)
    counts = store.purge(cutoff(moment, retention_days))
    store.audit(None, "retention", detail=", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    log.info("hand-over retention: deleted %s", counts)
    return counts


def run_conversation_retention(tracker_url: str, retention_days: int, now: Optional[datetime] = None) -> int:
    """Delete Rasa's conversations (tracker store events) whose last event is older than
    now - retention_days; 0 days keeps them. Returns how many conversations were deleted."""
    from monitoring.tracker import purge_conversations, tracker_engine_if_present

    if retention_days <= 0 or not tracker_url:
        return 0
    engine = tracker_engine_if_present(tracker_url)
    if engine is None:  # Rasa has not written anything yet
        return 0
    try:
        deleted = purge_conversations(engine, cutoff(now or datetime.now(UTC), retention_days))
    finally:
        engine.dispose()
    log.info("conversation retention: deleted %d conversations", deleted)
    return deleted


class RetentionScheduler:
    """Runs the retention job in a daemon thread every `interval` (first run after `interval`)."""

    def __init__(self, job: Callable[[], object], interval: timedelta):
        self.job = job
        self.interval = interval
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        if self._thread is not None or self.interval.total_seconds() <= 0:
            return
        self._thread = threading.Thread(target=self._loop, name="handover-retention", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval.total_seconds()):
            try:
                self.job()
            except Exception:  # keep the schedule; the next run tries again
                log.exception("hand-over retention failed")
