"""Conversation retention against Rasa's own tracker store, in the Rasa environment.

Rasa 3.6 (open source) has no API that deletes a stored conversation, so the retention job
(handover/retention.py, run by `make retention` and the gateway's scheduler) deletes whole
conversations from the SQL tracker store's `events` table: those whose last event is older
than TRACKER_RETENTION_DAYS. This test proves that path with Rasa's real SQLTrackerStore:
Rasa writes two conversations, the job (run in the application's environment, as in
production) deletes the old one, and Rasa still reads the store and finds the recent one whole.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
DAY = 24 * 3600


def _domain():
    from rasa.shared.core.domain import Domain

    return Domain.from_dict({"slots": {"phone_number": {"type": "text", "mappings": [{"type": "custom"}]}}})


def _store(path: Path):
    from rasa.core.tracker_store import SQLTrackerStore

    return SQLTrackerStore(_domain(), dialect="sqlite", db=str(path))


def _conversation(sender: str, seconds_ago: float, phone: str):
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    moment = time.time() - seconds_ago
    tracker = DialogueStateTracker(sender, slots=_domain().slots)
    for event in (UserUttered(f"meine Nummer ist {phone}", timestamp=moment),
                  SlotSet("phone_number", phone, timestamp=moment + 1),
                  BotUttered("Soll ich buchen?", timestamp=moment + 2)):
        tracker.update(event)
    return tracker


class ConversationRetentionTest(unittest.TestCase):
    def test_old_conversations_are_deleted_and_rasa_still_reads_the_store(self):
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "tracker.db"
            store = _store(database)
            asyncio.run(store.save(_conversation("old-call", 40 * DAY, "+491701111111")))
            asyncio.run(store.save(_conversation("recent-chat", 2 * DAY, "+491702222222")))

            job = ("import sys; from handover.retention import run_conversation_retention as run; "
                   "print(run(sys.argv[1], int(sys.argv[2])))")
            result = subprocess.run([str(APP_PYTHON), "-c", job, f"sqlite:///{database}", "30"],
                                    cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                    capture_output=True, text=True, check=True)
            self.assertEqual(result.stdout.strip().splitlines()[-1], "1")

            reopened = _store(database)
            senders = set(asyncio.run(reopened.keys()))
            self.assertEqual(senders, {"recent-chat"})
            old = asyncio.run(reopened.retrieve("old-call"))
            self.assertTrue(old is None or not old.events, "nothing of the old conversation is left")
            recent = asyncio.run(reopened.retrieve("recent-chat"))
            self.assertEqual(recent.get_slot("phone_number"), "+491702222222")
            self.assertEqual([e.type_name for e in recent.events][-3:], ["user", "slot", "bot"])


if __name__ == "__main__":
    unittest.main()
