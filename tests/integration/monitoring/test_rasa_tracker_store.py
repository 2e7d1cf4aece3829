"""The tracker reader on rows Rasa 3.6.21 wrote itself (SQLTrackerStore.save, captured in
rasa_3_6_events.json), put into a real SQLite `events` table of Rasa's schema."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from monitoring.tracker import conversations_from_events, events_table, metadata, read_tracker_rows, tracker_engine

CAPTURED = json.loads((Path(__file__).parent / "rasa_3_6_events.json").read_text(encoding="utf-8"))["rows"]


def test_conversations_from_what_rasa_stored(tmp_path):
    engine = tracker_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(events_table), CAPTURED)
    rows = read_tracker_rows(engine)
    assert len(rows) == len(CAPTURED)
    last = max(r.timestamp for r in rows)
    call, chat, chat_again = conversations_from_events(rows, datetime.fromtimestamp(last, UTC) + timedelta(hours=1))

    assert (call.conversation_id, call.channel, call.outcome, call.handover_reason) == (
        "real-call-1", "phone", "handover", "requested")
    assert call.move_in == date(2026, 11, 10) and call.booking_code == "ABC-DEF"
    assert call.user_turns == 2

    assert (chat.conversation_id, chat.channel, chat.outcome, chat.turns_to_booking) == ("real-chat-2", "chat", "booked", 3)
    assert [s.isoformat() for s in chat.offered_starts] == ["2026-11-28T10:00:00+01:00", "2026-11-30T17:30:00+01:00"]
    assert (chat_again.conversation_id, chat_again.outcome) == ("real-chat-2#2", "abandoned")


def test_a_tracker_store_rasa_has_not_created_yet_reads_as_empty(tmp_path):
    engine = tracker_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert read_tracker_rows(engine) == []


def test_a_missing_sqlite_tracker_file_is_not_created_by_reading(tmp_path):
    from monitoring.tracker import tracker_engine_if_present

    path = tmp_path / "absent.db"
    assert tracker_engine_if_present(f"sqlite:///{path}") is None
    assert not path.exists()
