"""Offering, choosing and booking, against the in-memory booking port."""
from __future__ import annotations

from datetime import datetime

from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ActionAskBookingConfirmed, ActionBookAppointment
from actions.offers import ActionAskChosenSlot
from actions.validation import ValidateBookingForm
from tests.unit.actions.conftest import make_tracker, responses

CRITERIA = {"service": "personalausweis", "location": "altona", "when": "nächste Woche Dienstag vormittags"}


def _offer(booking, channel="webchat"):
    dispatcher = CollectingDispatcher()
    events = ActionAskChosenSlot().run(dispatcher, make_tracker(CRITERIA, channel=channel), {})
    offers = next(e["value"] for e in events if e["name"] == "offered_slots")
    return dispatcher, offers


def test_offers_in_chat_are_buttons_on_the_wished_day_and_each_is_held(booking):
    dispatcher, offers = _offer(booking)
    assert responses(dispatcher) == ["utter_offer_slots"]
    buttons = dispatcher.messages[0]["buttons"]
    assert len(buttons) == len(offers) and 1 <= len(offers) <= 5
    for offer in offers:
        start = datetime.fromisoformat(offer["start"])
        assert start.date().isoformat() == "2026-12-01" and 8 <= start.hour < 12
        assert offer["location_key"] == "altona"
    assert buttons[1]["payload"] == '/choose_option{"ordinal":"2"}'


def test_the_phone_gets_at_most_three_offers_in_one_short_list(booking):
    dispatcher, offers = _offer(booking, channel="voice")
    assert 1 <= len(offers) <= 3
    said = responses(dispatcher)
    assert said[0] == "utter_offer_slots" and said[1] == "utter_slot_option_first"
    assert set(said[2:-1]) <= {"utter_slot_option_same_day", "utter_slot_option_next"}
    assert len(said) == len(offers) + 2
    assert said[-1] == ("utter_ask_choice_voice" if len(offers) > 1 else "utter_ask_choice_voice_single")
    # the keys 1..n choose: the gateway learns n from the last message
    assert dispatcher.messages[-1]["custom"] == {"voice": {"choices": len(offers)}}
    assert all("buttons" not in m or not m["buttons"] for m in dispatcher.messages)
    # all in Altona: the place is said once, in the introduction, by its short name
    assert dispatcher.messages[0]["at_place"] == " in Altona"
    assert all(m.get("at_place") == "" for m in dispatcher.messages[1:-1])


def test_choosing_the_second_offer_keeps_its_hold_and_frees_the_others(booking):
    _, offers = _offer(booking)
    tracker = make_tracker({**CRITERIA, "offered_slots": offers}, text="der zweite",
                           requested_slot="chosen_slot")
    result = ValidateBookingForm().validate_chosen_slot("der zweite", CollectingDispatcher(), tracker, {})
    assert result == {"chosen_slot": offers[1]["hold_id"]}


def test_no_means_nothing_is_booked(booking):
    _, offers = _offer(booking)
    slots = {**CRITERIA, "offered_slots": offers, "chosen_slot": offers[0]["hold_id"],
             "person_name": "Anna Schulz", "phone_number": "+49401234567", "booking_confirmed": False}
    dispatcher = CollectingDispatcher()
    ActionBookAppointment().run(dispatcher, make_tracker(slots), {})
    assert responses(dispatcher) == ["utter_booking_declined"]
    assert booking.list_appointments() == []


def test_yes_books_the_chosen_slot_and_tells_the_code(booking):
    _, offers = _offer(booking)
    slots = {**CRITERIA, "offered_slots": offers, "chosen_slot": offers[0]["hold_id"],
             "person_name": "Anna Schulz", "phone_number": "+49401234567", "booking_confirmed": True}
    readback = CollectingDispatcher()
    ActionAskBookingConfirmed().run(readback, make_tracker(slots), {})
    assert readback.messages[0]["slot_day"] == "Dienstag, 1. Dezember"

    dispatcher = CollectingDispatcher()
    events = ActionBookAppointment().run(dispatcher, make_tracker(slots), {})
    [appointment] = booking.list_appointments()
    assert responses(dispatcher) == ["utter_booked"]
    assert dispatcher.messages[0]["booking_code"] == appointment.code
    assert appointment.start == datetime.fromisoformat(offers[0]["start"])
    assert {"event": "slot", "name": "booking_code", "value": appointment.code, "timestamp": None} in events


def test_the_booking_marker_names_the_appointment_by_code_and_carries_no_phone_number(booking):
    """Bot messages end up in Rasa's tracker events: the SMS number is looked up by the code."""
    import json

    _, offers = _offer(booking)
    slots = {**CRITERIA, "offered_slots": offers, "chosen_slot": offers[0]["hold_id"],
             "person_name": "Anna Schulz", "phone_number": "+49401234567", "booking_confirmed": True}
    dispatcher = CollectingDispatcher()
    ActionBookAppointment().run(dispatcher, make_tracker(slots), {})
    [appointment] = booking.list_appointments()
    marker = dispatcher.messages[0]["custom"]["booking"]
    assert marker["code"] == appointment.code and "phone" not in marker
    assert "1234567" not in json.dumps(dispatcher.messages)


def test_an_unknown_place_is_refused_with_a_german_hint(booking):
    dispatcher = CollectingDispatcher()
    result = ValidateBookingForm().validate_location("atlantis", dispatcher, make_tracker(CRITERIA), {})
    assert result == {"location": None}
    assert responses(dispatcher) == ["utter_location_unknown"]


def test_on_the_phone_yes_takes_the_callers_own_number(booking):
    tracker = make_tracker(CRITERIA, text="ja", intent="affirm", channel="voice", caller="+4917012345678",
                           requested_slot="phone_number")
    result = ValidateBookingForm().validate_phone_number("ja", CollectingDispatcher(), tracker, {})
    assert result == {"phone_number": "+4917012345678"}


def test_a_move_asks_for_the_move_in_date_and_a_wish_and_offers_slots_before_the_deadline(booking):
    import asyncio

    form = ValidateBookingForm()
    tracker = make_tracker({"service": "wohnsitz_anmelden"})
    required = asyncio.run(form.required_slots(
        ["service", "move_in_date", "when", "location", "chosen_slot", "person_name", "phone_number",
         "booking_confirmed"], CollectingDispatcher(), tracker, {}))
    assert required.index("move_in_date") < required.index("when")  # then the preferred day

    dispatcher = CollectingDispatcher()
    result = form.validate_move_in_date("am 20.11.", dispatcher, make_tracker({"service": "wohnsitz_anmelden"},
                                        text="am 20.11."), {})
    assert result == {"move_in_date": "2026-11-20"}
    assert dispatcher.messages[0]["deadline"] == "Freitag, 4. Dezember"

    offers_dispatcher = CollectingDispatcher()
    events = ActionAskChosenSlot().run(offers_dispatcher, make_tracker(
        {"service": "wohnsitz_anmelden", "location": "egal", "move_in_date": "2026-11-20"}), {})
    offers = next(e["value"] for e in events if e["name"] == "offered_slots")
    assert offers and all(datetime.fromisoformat(o["start"]).date().isoformat() <= "2026-12-04" for o in offers)

    wished = ActionAskChosenSlot().run(CollectingDispatcher(), make_tracker(
        {"service": "wohnsitz_anmelden", "location": "egal", "move_in_date": "2026-11-20", "when": "nächste Woche"}), {})
    wished_offers = next(e["value"] for e in wished if e["name"] == "offered_slots")
    days = {datetime.fromisoformat(o["start"]).date().isoformat() for o in wished_offers}
    assert days and all("2026-11-30" <= day <= "2026-12-04" for day in days)  # the wish inside the deadline
