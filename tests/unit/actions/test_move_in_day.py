"""The move-in day from any turn: said before it was asked, it is taken; a wished day is not."""
from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.validation import ValidateBookingForm
from tests.unit.actions.conftest import make_tracker


def test_a_move_in_day_said_before_it_was_asked_is_taken_and_not_a_wish(booking):
    tracker = make_tracker({"service": "wohnsitz_anmelden", "when": "am 14. März"},
                           text="Hallo, wir ziehen am 14. März nach Lokstedt. Kann ich schon einen Termin machen?",
                           requested_slot="when")
    extracted = asyncio.run(ValidateBookingForm().extract_move_in_date(CollectingDispatcher(), tracker, {}))
    assert extracted["move_in_date"].endswith("-03-14")


def test_a_wished_day_for_the_registration_is_not_a_move_in_day(booking):
    tracker = make_tracker({"service": "wohnsitz_anmelden"}, text="ich möchte mich anmelden, am Mittwoch hätte ich Zeit",
                           requested_slot="when")
    assert asyncio.run(ValidateBookingForm().extract_move_in_date(CollectingDispatcher(), tracker, {})) == {}


def test_coming_in_after_the_online_hint_asks_the_same_question_again(booking):
    from rasa_sdk import Tracker

    text = "Ich hab die Online-Funktion nicht aktiviert, ich komme lieber vorbei."
    latest = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.4}, "entities": []}
    events = [
        {"event": "user", "text": "Ich brauche ein Führungszeugnis", "parse_data": {}},
        {"event": "bot", "text": "Gut zu wissen: …", "metadata": {"utter_action": "utter_online_first"}},
        {"event": "bot", "text": "Wann passt es Ihnen?", "metadata": {"utter_action": "utter_ask_when"}},
        {"event": "user", "text": text, "parse_data": latest},
    ]
    tracker = Tracker("c1", {"requested_slot": "when", "service": "fuehrungszeugnis", "when": text}, latest, events,
                      False, None, {"name": "booking_form"}, "action_listen")
    result = asyncio.run(ValidateBookingForm().run(CollectingDispatcher(), tracker, {"forms": {}, "slots": {}}))
    slots = {e["name"]: e["value"] for e in result if e.get("event") == "slot"}
    assert slots == {"when": None, "requested_slot": "when"}, "not the first empty slot of the form (move-in day)"


def test_a_pass_for_a_child_or_in_a_hurry_is_the_passport_a_clerk_would_book():
    from actions.validation import refined_service

    assert refined_service("reisepass", "ich brauche einen pass für meine tochter, die ist vier") == "kinderreisepass"
    assert refined_service("reisepass", "einen termin für einen express pass") == "express_reisepass"
    assert refined_service("reisepass", "einen neuen reisepass bitte") == "reisepass"
    assert refined_service("personalausweis", "ausweis für meinen sohn") == "personalausweis"


def test_yes_or_no_at_the_name_question_is_never_a_name():
    from actions.validation import clean_person_name

    assert [clean_person_name(answer) for answer in ("Ja", "ja bitte", "nein danke", "egal")] == [None] * 4
    assert clean_person_name("heinz schmidt") == "Heinz Schmidt"


def test_a_wish_after_the_move_deadline_is_said_to_give_way(booking):
    from actions.offers import ActionAskChosenSlot
    from tests.unit.actions.conftest import responses

    # moved in on Monday 16 November: register by 30 November; the wish is 7 December
    slots = {"service": "wohnsitz_anmelden", "move_in_date": "2026-11-16", "when": "am 7. Dezember", "location": "altona"}
    dispatcher = CollectingDispatcher()
    events = ActionAskChosenSlot().run(dispatcher, make_tracker(slots), {})
    assert responses(dispatcher)[0] == "utter_wish_after_deadline"
    offers = next(e["value"] for e in events if e["name"] == "offered_slots")
    assert offers and all(offer["start"][:10] <= "2026-11-30" for offer in offers)


def test_an_ordinal_beyond_a_single_offer_is_not_a_new_search(booking):
    from actions.offers import ActionAskChosenSlot

    slots = {"service": "personalausweis", "location": "altona", "when": "nächste Woche Dienstag vormittags"}
    events = ActionAskChosenSlot().run(CollectingDispatcher(), make_tracker(slots, channel="voice"), {})
    offers = next(e["value"] for e in events if e["name"] == "offered_slots")[:1]
    tracker = make_tracker({**slots, "offered_slots": offers}, text="den zweiten", requested_slot="chosen_slot")
    dispatcher = CollectingDispatcher()
    result = ValidateBookingForm().validate_chosen_slot("den zweiten", dispatcher, tracker, {})
    assert result == {"chosen_slot": None}, "the offer stays; nothing is searched again"


def test_a_time_of_day_without_a_day_is_kept_and_the_day_is_asked(booking):
    from german.dates import parse_when
    from tests.unit.actions.conftest import NOW

    text = "ich brauche einen termin für den personalausweis aber erst nach siebzehn uhr"
    first = ValidateBookingForm().validate_when(text, CollectingDispatcher(), make_tracker({}, text=text), {})
    assert first == {"when": None, "when_time": "nach siebzehn uhr"}
    assert not ValidateBookingForm().counts_as_miss(first), "asking for the day is no miss"

    answer = make_tracker({"when_time": "nach siebzehn uhr"}, text="nächste Woche Dienstag", requested_slot="when")
    second = ValidateBookingForm().validate_when("nächste Woche Dienstag", CollectingDispatcher(), answer, {})
    wish = parse_when(second["when"], NOW)
    assert wish.first_day.isoformat() == "2026-12-01" and wish.time_from.hour == 17
    assert second["when_time"] is None


def test_the_morning_of_good_morning_is_no_wish(booking):
    text = "guten morgen ich hätte gern einen termin für einen reisepass in fuhlsbüttel"
    result = ValidateBookingForm().validate_when("morgen", CollectingDispatcher(), make_tracker({}, text=text), {})
    assert result.get("when") is None


def test_a_time_of_day_as_the_answer_to_when_means_any_day(booking):
    answer = make_tracker({}, text="vormittags", requested_slot="when")
    assert ValidateBookingForm().validate_when("vormittags", CollectingDispatcher(), answer, {})["when"] == "vormittags"
