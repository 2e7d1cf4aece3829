"""'von vorne' forgets the conversation, but not when it was a name the NLU misread."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.repair import ActionStartOver
from booking_adapter.port import SlotQuery
from tests.unit.actions.conftest import make_tracker, responses

CRITERIA = {"service": "personalausweis", "location": "altona", "when": "nächste Woche Dienstag"}


def _hold(booking) -> str:
    slot = booking.find_slots(SlotQuery(("personalausweis",), ("altona",), limit=1))[0]
    return booking.hold(slot, "conversation-1").hold_id


@pytest.mark.parametrize("said", ["Brigitte Neubert", "brigitte neubert"])
def test_a_name_at_the_name_question_is_kept_and_the_form_goes_on(booking, said):
    _hold(booking)
    tracker = make_tracker(CRITERIA, text=said, intent="restart", requested_slot="person_name")
    dispatcher = CollectingDispatcher()
    events = ActionStartOver().run(dispatcher, tracker, {})
    assert events == [{"event": "slot", "timestamp": None, "name": "person_name", "value": "Brigitte Neubert"},
                      {"event": "followup", "timestamp": None, "name": "booking_form"}]
    assert responses(dispatcher) == []
    assert len(booking._holds) == 1, "the held slot stays held"


@pytest.mark.parametrize("said, requested", [
    ("von vorne bitte", "person_name"),
    ("Neu anfangen", "person_name"),
    ("/restart", "person_name"),  # the phone menu's key 2
    ("Brigitte Neubert", "phone_number"),  # not the name question
    ("Brigitte Neubert", None),  # no form
])
def test_otherwise_it_starts_over_and_frees_the_held_slots(booking, said, requested):
    _hold(booking)
    tracker = make_tracker(CRITERIA, text=said, intent="restart", requested_slot=requested)
    dispatcher = CollectingDispatcher()
    events = ActionStartOver().run(dispatcher, tracker, {})
    assert [e["event"] for e in events] == ["restart"]
    assert responses(dispatcher) == ["utter_start_over"]
    assert booking.release_holds("conversation-1") == 0, "already freed"
