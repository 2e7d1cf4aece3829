"""action_handover and the callback offer: real action code, fakes for booking and hand-over."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import wiring
from actions.callback import ActionCallbackSubmit, ValidateCallbackForm
from actions.handover import ActionHandover, reason_of, transcript
from booking_adapter.memory import InMemoryBookingPort
from common.clock import BERLIN, fixed_clock
from handover.domain import HotlineHours
from handover.port import InMemoryHandoverPort

MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
SATURDAY = datetime(2026, 11, 28, 11, 0, tzinfo=BERLIN)
T0 = 1_795_000_000.0


def install(now: datetime) -> InMemoryHandoverPort:
    port = InMemoryHandoverPort()
    wiring.install(wiring.ActionServices(
        booking=InMemoryBookingPort(fixed_clock(now), hold_minutes=10), clock=fixed_clock(now),
        handover=port, hotline=HotlineHours(),
    ))
    return port


@pytest.fixture(autouse=True)
def _reset():
    yield
    wiring._installed = None


def user(text: str, intent: str, at: float, channel: str = "webchat", **metadata: Any) -> dict:
    return {"event": "user", "text": text, "timestamp": at, "input_channel": channel, "metadata": metadata,
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": []}}


def bot(text: str, at: float) -> dict:
    return {"event": "bot", "text": text, "timestamp": at, "metadata": {}}


def tracker(events: list[dict], slots: Optional[dict] = None, sender: str = "conv-1") -> Tracker:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    return Tracker(sender_id=sender, slots=slots or {}, latest_message={**latest["parse_data"], "text": latest["text"], "metadata": latest["metadata"]},
                   events=events, paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen")


def passport_chat() -> list[dict]:
    return [
        user("Ich brauche einen Reisepass", "book_appointment", T0),
        bot("Wo möchten Sie hingehen?", T0 + 1),
        user("Altona", "inform", T0 + 5),
        bot("Wann passt es Ihnen?", T0 + 6),
        user("Dienstag vormittags", "inform", T0 + 10),
        user("/request_human", "request_human", T0 + 20),
    ]


def test_handover_in_hotline_hours_writes_record_with_summary_and_marker_with_its_id():
    port = install(MONDAY_MORNING)
    offers = [{"hold_id": "h1", "day": "Dienstag, 24. November", "time": "9:30", "location_name": "Kundenzentrum Altona"}]
    dispatcher = CollectingDispatcher()
    events = ActionHandover().run(dispatcher, tracker(passport_chat(), {
        "service": "reisepass", "location": "altona", "when": "Dienstag vormittags",
        "offered_slots": offers, "phone_number": "040 1234567",
    }), {})

    assert len(port.handovers) == 1
    record = port.handovers[0]
    assert record.reason == "requested" and record.channel == "webchat" and record.status == "open"
    assert record.summary.startswith(
        "Anliegen: Reisepass beantragen · Wunsch: Hamburg Service vor Ort Altona, Dienstag vormittags")
    assert "bereits angeboten: Dienstag, 24. November 9:30 (Kundenzentrum Altona)" in record.summary
    assert "Rückrufnummer: +49 40 ••• ••67" in record.summary
    assert record.fields["service"] == "Reisepass beantragen" and record.phone == "+49401234567"
    assert [line.speaker for line in record.transcript] == ["citizen", "bot", "citizen", "bot", "citizen", "citizen"]
    assert record.transcript[2].text == "Altona" and record.transcript[2].at.timestamp() == T0 + 5
    [message] = dispatcher.messages
    assert message["response"] == "utter_handover"
    assert message["custom"] == {"handover": {"reason": "requested", "id": str(record.id)}}
    assert {"event": "slot", "name": "handover_id", "value": str(record.id), "timestamp": None} in events


def test_call_transcript_keeps_speech_confidence():
    install(MONDAY_MORNING)
    events = [user("Reisepass", "inform", T0, channel="voice", speech_confidence=0.62), bot("Wo?", T0 + 1),
              user("einen Menschen bitte", "request_human", T0 + 4, channel="voice", speech_confidence=0.91)]
    lines = transcript(tracker(events))
    assert [line.confidence for line in lines] == [0.62, None, 0.91]


@pytest.mark.parametrize("intents, slot, expected", [
    (["request_human"], None, "requested"),
    (["out_of_scope"], None, "out_of_scope"),
    (["out_of_scope", "request_human"], None, "out_of_scope"),
    (["nlu_fallback", "nlu_fallback", "nlu_fallback"], None, "not_understood"),
    (["inform", "request_human"], "verification_failed", "verification_failed"),
    (["inform"], "not_understood", "not_understood"),
])
def test_reason(intents, slot, expected):
    events = [user(f"text {i}", intent, T0 + i) for i, intent in enumerate(intents)]
    assert reason_of(tracker(events, {"handover_reason": slot})) == expected


def test_outside_hotline_hours_offers_a_callback_instead_of_a_transfer():
    port = install(SATURDAY)
    dispatcher = CollectingDispatcher()
    events = ActionHandover().run(dispatcher, tracker(passport_chat(), {"service": "reisepass"}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_hotline_closed"]
    assert not any("handover" in (m.get("custom") or {}) for m in dispatcher.messages)
    assert {"event": "followup", "name": "callback_form", "timestamp": None} in events
    assert port.handovers[0].status == "callback"


def test_callback_on_the_phone_is_prefilled_with_caller_id():
    install(SATURDAY)
    events = ActionHandover().run(CollectingDispatcher(), tracker([
        user("einen Menschen", "request_human", T0, channel="voice", caller_number="+494099887766")]), {})
    assert {"event": "slot", "name": "callback_phone", "value": "+494099887766", "timestamp": None} in events


def test_callback_submit_records_number_window_and_next_opening():
    port = install(SATURDAY)
    dispatcher = CollectingDispatcher()
    ActionCallbackSubmit().run(dispatcher, tracker([user("morgen vormittags", "inform", T0)], {
        "callback_phone": "+49401234567", "callback_window": "Montag vormittags", "handover_id": "7"}), {})
    [callback] = port.callbacks
    assert (callback.phone, callback.window, callback.handover_reference) == ("+49401234567", "Montag vormittags", "7")
    assert callback.due_at == datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)
    assert dispatcher.messages[0]["response"] == "utter_callback_confirmed"
    assert dispatcher.messages[0]["callback_from"] == "Montag, 30. November, 8:00 Uhr"


@pytest.mark.parametrize("given, expected", [("040 1234567", "+49401234567"), ("zwölf", None), ("12", None)])
def test_callback_phone_validation(given, expected):
    install(SATURDAY)
    result = ValidateCallbackForm().validate_callback_phone(given, CollectingDispatcher(), tracker([user(given, "inform", T0)]), {})
    assert result == {"callback_phone": expected}


def test_hotline_hours_setting():
    hours = HotlineHours.parse("1-5 08:00-18:00")
    assert hours.is_open(MONDAY_MORNING)
    assert not hours.is_open(SATURDAY)
    assert not hours.is_open(datetime(2026, 11, 23, 18, 0, tzinfo=BERLIN))
    with pytest.raises(ValueError):
        HotlineHours.parse("weekdays")
