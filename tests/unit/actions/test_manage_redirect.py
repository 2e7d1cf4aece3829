"""A request about an existing appointment, misread as a new booking, goes to the manage form."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.offers import ActionAskChosenSlot
from tests.unit.actions.conftest import NOW


def _tracker(*texts: str, slots: dict | None = None) -> Tracker:
    events = []
    for index, text in enumerate(texts):
        events.append({"event": "user", "text": text, "parse_data": {"intent": {"name": "book_appointment"}}})
        if index == 0:
            events += [{"event": "action", "name": "booking_form"}, {"event": "active_loop", "name": "booking_form"}]
    latest = {"text": texts[-1], "intent": {"name": "book_appointment", "confidence": 0.9}, "entities": []}
    return Tracker("c1", {"requested_slot": "chosen_slot", **(slots or {})}, latest, events, False, None,
                   {"name": "booking_form"}, "action_listen")


CRITERIA = {"service": "personalausweis", "location": "wandsbek", "when": "nächsten Montag"}


def test_an_existing_appointment_to_move_leaves_the_booking_for_the_manage_form(booking):
    tracker = _tracker("ich hab nächsten montag früh einen termin in wandsbek für den ausweis",
                       "können wir den lieber auf donnerstag legen", slots=CRITERIA)
    dispatcher = CollectingDispatcher()
    events = ActionAskChosenSlot().run(dispatcher, tracker, {})
    assert dispatcher.messages == []
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert {"event": "slot", "name": "manage_goal", "value": "reschedule", "timestamp": None} in events
    assert events[-1] == {"event": "followup", "name": "manage_form", "timestamp": None}
    assert booking.count_open_holds(NOW) == 0, "nothing offered, nothing held"


def test_a_code_said_up_front_is_kept_for_the_manage_form(booking):
    tracker = _tracker("Moin, Termin JW9-TH6 (Meldebescheinigung Eimsbüttel, Di 14 Uhr) bitte einen Tag später",
                       slots=CRITERIA)
    events = ActionAskChosenSlot().run(CollectingDispatcher(), tracker, {})
    assert {"event": "slot", "name": "manage_code", "value": "JW9-TH6", "timestamp": None} in events


def test_a_new_booking_goes_on(booking):
    tracker = _tracker("ich brauche einen termin für einen personalausweis in wandsbek, gern früher am tag",
                       slots=CRITERIA)
    dispatcher = CollectingDispatcher()
    events = ActionAskChosenSlot().run(dispatcher, tracker, {})
    assert any(e.get("name") == "offered_slots" for e in events)


def test_the_booking_of_a_moved_appointment_is_never_redirected(booking):
    tracker = _tracker("ich hab einen termin am montag, bitte verschieben", slots={**CRITERIA, "reschedule_code": "K7M-4TX"})
    events = ActionAskChosenSlot().run(CollectingDispatcher(), tracker, {})
    assert any(e.get("name") == "offered_slots" for e in events)


def test_a_booking_started_by_the_gateways_nudge_still_reads_the_citizens_words(booking):
    from actions.escalation import ActionAskService

    text = "Moin, Termin JW9-TH6 (Meldebescheinigung Eimsbüttel, Di 14 Uhr) bitte einen Tag später"
    events = [
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "correct"}}},
        {"event": "action", "name": "action_default_fallback"},
        {"event": "rewind"},
        {"event": "user", "text": "/next_step", "parse_data": {"intent": {"name": "next_step"}}},
        {"event": "action", "name": "action_next_step"},
        {"event": "action", "name": "booking_form"},
        {"event": "active_loop", "name": "booking_form"},
    ]
    latest = {"text": "/next_step", "intent": {"name": "next_step", "confidence": 1.0}, "entities": []}
    tracker = Tracker("c1", {"requested_slot": "service"}, latest, events, False, None,
                      {"name": "booking_form"}, "booking_form")
    result = ActionAskService().run(CollectingDispatcher(), tracker, {})
    assert {"event": "slot", "name": "manage_goal", "value": "reschedule", "timestamp": None} in result


def test_a_stop_about_an_appointment_they_have_is_a_cancellation(booking):
    from actions.way_out import ActionStop

    tracker = _tracker("mein vater hat einen termin in fuhlsbüttel für die abmeldung der wohnung",
                       "der zieht jetzt doch nicht nach spanien also brauchen wir den nicht mehr",
                       slots={"service": "wohnsitz_abmelden", "location": "fuhlsbuettel"})
    dispatcher = CollectingDispatcher()
    events = ActionStop().run(dispatcher, tracker, {})
    assert dispatcher.messages == []
    assert {"event": "slot", "name": "manage_goal", "value": "cancel", "timestamp": None} in events


def test_cancelling_while_verifying_is_the_goal_not_a_way_out(booking):
    from actions.way_out import ActionStop

    latest = {"text": "ok dann sag ich meinen termin lieber ab", "intent": {"name": "stop", "confidence": 0.8}, "entities": []}
    tracker = Tracker("c1", {"requested_slot": "manage_code", "manage_goal": "check"}, latest,
                      [{"event": "user", "text": latest["text"], "parse_data": latest}], False, None,
                      {"name": "manage_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = ActionStop().run(dispatcher, tracker, {})
    assert dispatcher.messages == []
    assert events == [{"event": "slot", "name": "manage_goal", "value": "cancel", "timestamp": None},
                      {"event": "followup", "name": "manage_form", "timestamp": None}]
