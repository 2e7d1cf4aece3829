"""The deciding action (a turn no rule covers gets its next question from the state) and the
way out (nothing stored, every hold released)."""
from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.next_step import ActionGoodbye, ActionNextStep, decide
from actions.way_out import ActionStop
from booking_adapter.port import SlotQuery
from tests.unit.actions.conftest import NOW, make_tracker


def _followups(events):
    return [e["name"] for e in events if e.get("event") == "followup"]


def test_a_plain_first_message_with_a_service_starts_the_booking(booking):
    tracker = make_tracker({"service": "meldebescheinigung"}, text="eine Meldebescheinigung bitte",
                           entities=[{"entity": "service", "value": "meldebescheinigung"}])
    response, events = decide(tracker)
    assert response is None and _followups(events) == ["booking_form"]


def test_a_manage_request_starts_the_verification_with_its_goal(booking):
    _response, events = decide(make_tracker(text="Termin absagen", intent="cancel_appointment"))
    assert _followups(events) == ["manage_form"]
    assert {"event": "slot", "name": "manage_goal", "value": "cancel", "timestamp": None} in events


def test_english_gets_the_german_and_english_answer(booking):
    dispatcher = CollectingDispatcher()
    ActionNextStep().run(dispatcher, make_tracker(text="Hello, I need an appointment please", intent="nlu_fallback"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_other_language"]


def test_nothing_known_asks_how_to_help_and_never_stays_silent(booking):
    dispatcher = CollectingDispatcher()
    ActionNextStep().run(dispatcher, make_tracker(text="👍", intent="affirm"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_how_can_i_help"]


def test_a_goodbye_that_carries_a_date_is_an_answer(booking):
    dispatcher = CollectingDispatcher()
    events = ActionGoodbye().run(dispatcher, make_tracker(text="ende des monats", intent="goodbye"), {})
    assert not dispatcher.messages or dispatcher.messages[0]["response"] != "utter_goodbye"
    assert _followups(events) == ["booking_form"]
    said = CollectingDispatcher()
    ActionGoodbye().run(said, make_tracker(text="tschüss", intent="goodbye"), {})
    assert [m["response"] for m in said.messages] == ["utter_goodbye"]


def test_the_way_out_releases_every_hold_and_clears_the_request(booking):
    slot = booking.find_slots(SlotQuery(service_keys=("personalausweis",), limit=1))[0]
    booking.hold(slot, "conversation-1")
    events = ActionStop().run(CollectingDispatcher(), make_tracker({"service": "personalausweis"}, text="nein doch nicht",
                                                                    intent="stop"), {})
    assert booking.release_holds("conversation-1") == 0, "the stop released the hold already"
    assert any(e.get("name") == "service" and e.get("value") is None for e in events)
    assert not booking.list_appointments()


def test_a_name_read_as_goodbye_is_the_answer_and_nobody_is_hung_up_on(booking):
    from rasa_sdk.executor import CollectingDispatcher as Dispatcher

    from actions.next_step import ActionGoodbye

    tracker = make_tracker({"service": "reisepass"}, text="dagmar schütt", intent="goodbye",
                           channel="voice", requested_slot="person_name")
    dispatcher = Dispatcher()
    events = ActionGoodbye().run(dispatcher, tracker, {})
    assert dispatcher.messages == []
    assert events == [{"event": "followup", "name": "booking_form", "timestamp": None}]


def test_a_goodbye_in_the_middle_of_a_booking_ends_it_and_releases_every_hold(booking):
    from rasa_sdk.executor import CollectingDispatcher as Dispatcher

    from actions.next_step import ActionGoodbye
    from actions.offers import ActionAskChosenSlot

    slots = {"service": "personalausweis", "location": "altona", "when": "nächste Woche Dienstag vormittags"}
    ActionAskChosenSlot().run(Dispatcher(), make_tracker(slots), {})
    assert booking.count_open_holds(NOW) > 0
    tracker = make_tracker(slots, text="nein das war alles", intent="goodbye", channel="voice", requested_slot="person_name")
    dispatcher = Dispatcher()
    events = ActionGoodbye().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_goodbye"
    assert dispatcher.messages[0]["custom"] == {"voice": {"hangup": True}}
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert booking.count_open_holds(NOW) == 0
