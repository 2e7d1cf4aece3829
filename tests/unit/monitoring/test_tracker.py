"""Conversations read from tracker events shaped exactly as Rasa 3.6 stores them."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from monitoring.tracker import EventRow, conversations_from_events

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=3)


class Script:
    """Writes one sender's events one second apart, as Rasa would put them in `events`."""

    def __init__(self, sender: str, start: datetime = T0):
        self.sender = sender
        self.at = start
        self.rows: list[EventRow] = []

    def _add(self, type_name: str, **data) -> Script:
        self.at += timedelta(seconds=1)
        self.rows.append(EventRow(self.sender, type_name, self.at.timestamp(),
                                  {"event": type_name, "timestamp": self.at.timestamp(), **data}))
        return self

    def session(self) -> Script:
        self._add("action", name="action_session_start")
        return self._add("session_started")

    def user(self, text: str = "/inform", channel: str = "webchat") -> Script:
        return self._add("user", text=text, input_channel=channel, metadata={},
                         parse_data={"intent": {"name": "inform", "confidence": 1.0}, "entities": []})

    def bot(self, response: str, custom=None) -> Script:
        return self._add("bot", text="…", metadata={"utter_action": response},
                         data={"elements": None, "buttons": None, "custom": custom})

    def slot(self, name: str, value) -> Script:
        return self._add("slot", name=name, value=value)

    def form(self, name) -> Script:
        return self._add("active_loop", name=name)


def test_a_phone_booking_counts_turns_without_the_start_message_and_reads_code_and_offers():
    s = Script("CA1").session().user("/greet", "voice").bot("utter_greet")
    s.user("Termin Personalausweis", "voice").form("booking_form").slot("service", "personalausweis")
    s.user("Altona", "voice").slot("offered_slots", [
        {"hold_id": "h1", "start": "2026-11-28T08:30:00+01:00"},
        {"hold_id": "h2", "start": "2026-11-30T17:15:00+01:00"},
    ]).bot("utter_offer_slots")
    s.user("den ersten", "voice").user("Erika Muster", "voice").user("ja", "voice")
    s.bot("utter_booked", {"booking": {"code": "ABC-DEF"}}).form(None).slot("booking_code", "ABC-DEF")
    s.user("danke", "voice").bot("utter_you_are_welcome")
    [c] = conversations_from_events(s.rows, NOW)
    assert (c.conversation_id, c.channel, c.outcome) == ("CA1", "phone", "booked")
    assert c.user_turns == 6 and c.turns_to_booking == 5
    assert c.booking_code == "ABC-DEF" and c.handover_reason is None
    assert [o.isoformat() for o in c.offered_starts] == ["2026-11-28T08:30:00+01:00", "2026-11-30T17:15:00+01:00"]
    assert not c.form_open_at_end and not c.ongoing


def test_a_hand_over_wins_over_everything_else_and_keeps_its_reason():
    s = Script("chat-1").session().user().form("booking_form").user()
    s.bot("utter_handover", {"handover": {"reason": "not_understood"}}).form(None)
    [c] = conversations_from_events(s.rows, NOW)
    assert (c.channel, c.outcome, c.handover_reason) == ("chat", "handover", "not_understood")


def test_leaving_with_a_form_open_is_abandoned_but_only_after_30_quiet_minutes():
    s = Script("chat-2").session().user().form("booking_form").user().bot("utter_offer_slots")
    [finished] = conversations_from_events(s.rows, NOW)
    assert finished.outcome == "abandoned" and not finished.ongoing
    [running] = conversations_from_events(s.rows, s.at + timedelta(minutes=10))
    assert running.ongoing


def test_a_declined_booking_closes_the_form_and_counts_as_answered():
    s = Script("chat-3").session().user().form("booking_form").user("/deny")
    s.bot("utter_booking_declined").form(None)
    [c] = conversations_from_events(s.rows, NOW)
    assert c.outcome == "answered"


def test_cancel_reschedule_and_check_are_recognised_by_the_response_name():
    rows = []
    for sender, response in (("a", "utter_cancelled"), ("b", "utter_rescheduled"), ("c", "utter_appointment_details")):
        rows += Script(sender).session().user().bot(response).rows
    outcomes = {c.conversation_id: c.outcome for c in conversations_from_events(rows, NOW)}
    assert outcomes == {"a": "cancelled", "b": "rescheduled", "c": "checked"}


def test_sessions_are_split_at_session_started_and_sessions_without_a_user_message_are_dropped():
    s = Script("web-9").session().user().bot("utter_opening_hours")
    s.session()  # a new session nobody spoke in
    s.session().user().form("booking_form").slot("move_in_date", "2026-11-20").user()
    s.bot("utter_booked").form(None).slot("booking_code", "XYZ-777")
    first, second = conversations_from_events(s.rows, NOW)
    assert (first.conversation_id, first.outcome) == ("web-9", "answered")
    assert (second.conversation_id, second.outcome) == ("web-9#2", "booked")
    assert second.move_in == date(2026, 11, 20) and second.booking_code == "XYZ-777"
    assert second.turns_to_booking == 2


def test_events_of_several_senders_interleaved_stay_apart_and_are_sorted_by_start():
    a = Script("late", T0 + timedelta(minutes=5)).session().user("hallo", "voice").bot("utter_greet")
    b = Script("early").session().user().bot("utter_greet")
    rows = [r for pair in zip(a.rows, b.rows) for r in pair]
    result = conversations_from_events(rows, NOW)
    assert [(c.conversation_id, c.channel, c.user_turns) for c in result] == [("early", "chat", 1), ("late", "phone", 1)]


def test_an_unknown_input_channel_is_kept_by_name():
    [c] = conversations_from_events(Script("x").session().user(channel="rest").rows, NOW)
    assert c.channel == "rest"
