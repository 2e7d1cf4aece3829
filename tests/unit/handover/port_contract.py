"""Behaviour every hand-over port must show (what the bot writes, what monitoring reads).
Imported by the unit tests (the in-memory fake) and the integration tests (the SQLAlchemy
store on SQLite and PostgreSQL), which each provide the fixture `handover_port`."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handover.domain import NewCallback, NewHandover, TranscriptLine

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def new_handover(conversation: str = "conv-1", status: str = "open") -> NewHandover:
    return NewHandover(
        conversation_id=conversation, channel="webchat", reason="requested", summary="Personalausweis",
        fields={"service": "personalausweis"}, status=status, phone="+49401234567",
        transcript=(TranscriptLine(NOW, "citizen", "Ich möchte mit einem Menschen sprechen"),
                    TranscriptLine(NOW, "bot", "Ich verbinde Sie.")),
    )


def test_a_recorded_handover_gets_an_id_and_keeps_what_the_bot_knew(handover_port):
    first = handover_port.record_handover(new_handover("conv-1"))
    second = handover_port.record_handover(new_handover("conv-2"))
    assert first.id != second.id
    assert (first.conversation_id, first.channel, first.reason, first.status) == ("conv-1", "webchat", "requested", "open")
    assert first.fields == {"service": "personalausweis"}
    assert [line.speaker for line in first.transcript] == ["citizen", "bot"]
    assert first.created_at.tzinfo is not None


def test_a_recorded_callback_is_open(handover_port):
    callback = handover_port.record_callback(NewCallback(phone="+49401234567", channel="voice", window="morgen früh"))
    assert (callback.status, callback.phone, callback.window) == ("open", "+49401234567", "morgen früh")


def test_the_queue_counts_waiting_and_taken_handovers_and_due_callbacks(handover_port):
    assert handover_port.queue(NOW) == type(handover_port.queue(NOW))(0, 0, 0, 0)
    handover_port.record_handover(new_handover("a"))
    handover_port.record_handover(new_handover("b"))
    taken = handover_port.record_handover(new_handover("c"))
    handover_port.set_handover_status(taken.id, "taken")
    handover_port.record_handover(new_handover("d", status="callback"))
    handover_port.record_callback(NewCallback(phone="+49401111111", channel="voice"))
    handover_port.record_callback(NewCallback(phone="+49402222222", channel="voice", due_at=NOW + timedelta(hours=2)))

    queue = handover_port.queue(NOW)
    assert (queue.waiting, queue.taken) == (2, 1)
    assert (queue.callbacks_open, queue.callbacks_due) == (2, 1), "one is due only later"
    assert handover_port.queue(NOW + timedelta(hours=3)).callbacks_due == 2
