"""Corrections, the unclear-input escalation and "zurück", against the in-memory port.

The trackers are built the way Rasa sends them to a form validation: earlier slot events,
the person's message, the form's marker and the slot candidates Rasa extracted."""
from __future__ import annotations

import asyncio
from typing import Any, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionAskLocation, ActionAskWhen, choice_number
from actions.manage import ValidateManageForm
from actions.navigation import ActionGoBack, previous_question
from actions.offers import ActionAskChosenSlot
from actions.validation import ValidateBookingForm
from tests.unit.actions.conftest import responses

BOOKING_SLOTS = ["service", "move_in_date", "location", "when", "chosen_slot", "person_name",
                 "phone_number", "booking_confirmed"]
DOMAIN = {"forms": {"booking_form": {"required_slots": BOOKING_SLOTS},
                    "manage_form": {"required_slots": ["manage_code", "manage_phone", "manage_confirmed"]}}}
CRITERIA = {"service": "personalausweis", "location": "harburg", "when": "nächste Woche Dienstag vormittags"}


def form_tracker(
    before: dict[str, Any],
    text: str,
    intent: str = "inform",
    candidates: Optional[dict[str, Any]] = None,
    entities: Optional[list[dict[str, Any]]] = None,
    requested: Optional[str] = None,
    form: str = "booking_form",
    channel: str = "webchat",
    after_repair_rule: bool = False,
) -> Tracker:
    candidates = candidates or {}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
              "metadata": {}}
    events: list[dict[str, Any]] = [
        {"event": "slot", "name": name, "value": value} for name, value in before.items()
    ]
    events += [
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": latest, "input_channel": channel, "metadata": {}},
    ]
    if after_repair_rule:
        events += [{"event": "action", "name": "utter_repeat_intro"}, {"event": "bot", "text": "Gern:"}]
    events.append({"event": "action", "name": form})
    events += [{"event": "slot", "name": name, "value": value} for name, value in candidates.items()]
    slots = {"requested_slot": requested, **before, **candidates}
    return Tracker(sender_id="conversation-1", slots=slots, latest_message=latest, events=events,
                   paused=False, followup_action=None, active_loop={"name": form},
                   latest_action_name=form)


def run_form(validator, tracker: Tracker) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(validator.run(dispatcher, tracker, DOMAIN))
    values: dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            values[event["name"]] = event["value"]
    return values, responses(dispatcher)


def offer_and_choose(booking) -> dict[str, Any]:
    dispatcher = CollectingDispatcher()
    tracker = form_tracker({}, "", candidates={})
    tracker.slots.update({**CRITERIA, "location": "harburg"})
    events = ActionAskChosenSlot().run(dispatcher, tracker, {})
    offers = next(e["value"] for e in events if e["name"] == "offered_slots")
    booking.release_holds("conversation-1", keep=offers[0]["hold_id"])
    return {**CRITERIA, "offered_slots": offers, "chosen_slot": offers[0]["hold_id"],
            "person_name": "Anna Schulz", "phone_number": "+49401234567"}


# --- corrections -----------------------------------------------------------------------

def test_a_new_place_at_the_read_back_is_no_no_and_brings_new_offers(booking):
    filled = offer_and_choose(booking)
    tracker = form_tracker(
        filled, "nein, nicht Harburg, Bergedorf", intent="deny",
        candidates={"location": "bergedorf", "booking_confirmed": False},
        entities=[{"entity": "location", "value": "bergedorf", "start": 21, "end": 30}],
        requested="booking_confirmed",
    )
    values, said = run_form(ValidateBookingForm(), tracker)
    assert values["location"] == "bergedorf"
    assert values["booking_confirmed"] is None
    assert values["offered_slots"] is None and values["chosen_slot"] is None
    assert values["requested_slot"] == "chosen_slot"
    assert values.get("person_name", filled["person_name"]) == "Anna Schulz", "the name stays"
    assert booking.list_appointments() == []
    assert not said


def test_the_negated_place_loses_even_when_it_is_named_last(booking):
    text = "Bergedorf, nicht Harburg"
    tracker = form_tracker(
        {**CRITERIA, "location": "altona"}, text, intent="correct", candidates={"location": "harburg"},
        entities=[{"entity": "location", "value": "bergedorf", "start": 0, "end": 9},
                  {"entity": "location", "value": "harburg", "start": 17, "end": 24}],
        requested="chosen_slot",
    )
    values, _ = run_form(ValidateBookingForm(), tracker)
    assert values["location"] == "bergedorf"


def test_another_day_while_giving_the_name_changes_the_wish_and_drops_the_offers(booking):
    filled = offer_and_choose(booking)
    del filled["person_name"], filled["phone_number"]
    tracker = form_tracker(filled, "lieber Mittwoch", intent="correct", candidates={"when": "Mittwoch"},
                           entities=[{"entity": "time", "value": "Mittwoch", "start": 7, "end": 15}],
                           requested="person_name")
    values, said = run_form(ValidateBookingForm(), tracker)
    assert values["when"] == "lieber Mittwoch"  # the whole sentence, the span only a hint
    assert values["offered_slots"] is None and values["chosen_slot"] is None
    assert values["requested_slot"] == "chosen_slot"
    assert said == []


def test_another_service_while_the_place_is_asked_is_a_correction_not_a_miss(booking):
    tracker = form_tracker({"service": "reisepass"}, "ich meinte Personalausweis", intent="correct",
                           candidates={"service": "personalausweis"},
                           entities=[{"entity": "service", "value": "personalausweis", "start": 10, "end": 26}],
                           requested="location")
    values, said = run_form(ValidateBookingForm(), tracker)
    assert values["service"] == "personalausweis"
    assert "repair_misses" not in values and said == []
    assert values["requested_slot"] == "location"


def test_a_surname_alone_at_the_read_back_replaces_only_the_surname(booking):
    filled = offer_and_choose(booking)
    tracker = form_tracker(filled, "der Name ist falsch, Meier", intent="correct",
                           entities=[{"entity": "person_name", "value": "Meier", "start": 21, "end": 26}],
                           requested="booking_confirmed")
    values, _ = run_form(ValidateBookingForm(), tracker)
    assert values["person_name"] == "Anna Meier"
    assert values["requested_slot"] == "booking_confirmed", "the read-back comes again"
    assert values.get("chosen_slot", filled["chosen_slot"]) == filled["chosen_slot"], "the slot stays chosen"


def test_saying_only_which_answer_was_wrong_asks_that_question_again(booking):
    filled = offer_and_choose(booking)
    tracker = form_tracker(filled, "nein, der Name ist falsch", intent="deny",
                           candidates={"booking_confirmed": False}, requested="booking_confirmed")
    values, said = run_form(ValidateBookingForm(), tracker)
    assert values["person_name"] is None
    assert values["booking_confirmed"] is None
    assert values["requested_slot"] == "person_name"
    assert said == ["utter_correction_ack"]


def test_a_plain_no_at_the_read_back_stays_a_no(booking):
    filled = offer_and_choose(booking)
    tracker = form_tracker(filled, "nein", intent="deny", candidates={"booking_confirmed": False},
                           requested="booking_confirmed")
    values, said = run_form(ValidateBookingForm(), tracker)
    assert values["booking_confirmed"] is False
    assert values["requested_slot"] is None
    assert said == []


# --- escalation: rephrase, choices, a person ------------------------------------------

def _miss_at_location(booking, misses: int, channel: str = "webchat", choices=None):
    before = {"service": "personalausweis"}
    if misses:
        before.update({"repair_misses": misses, "repair_slot": "location"})
    if choices:
        before["repair_choices"] = choices
    return form_tracker(before, "blubb", intent="inform", requested="location", channel=channel)


def test_the_first_unclear_answer_gets_one_rephrased_question(booking):
    values, _said = run_form(ValidateBookingForm(), _miss_at_location(booking, 0))
    assert values["repair_misses"] == 1 and values["repair_slot"] == "location"
    assert values["requested_slot"] == "location", "no rejection: the form asks again"
    ask = CollectingDispatcher()
    ActionAskLocation().run(ask, form_tracker({"service": "personalausweis", "repair_misses": 1,
                                               "repair_slot": "location"}, "blubb"), {})
    assert responses(ask) == ["utter_location_unknown"]


def test_the_second_unclear_answer_gets_buttons_in_chat(booking):
    values, _ = run_form(ValidateBookingForm(), _miss_at_location(booking, 1))
    assert values["repair_misses"] == 2
    ask = CollectingDispatcher()
    events = ActionAskLocation().run(ask, form_tracker({"service": "personalausweis", "repair_misses": 2,
                                                        "repair_slot": "location"}, "blubb"), {})
    assert responses(ask) == ["utter_choices_intro"]
    buttons = ask.messages[0]["buttons"]
    choices = next(e["value"] for e in events if e["name"] == "repair_choices")
    assert len(buttons) == len(choices) >= 2
    assert choices[0]["value"] == "egal"
    assert buttons[1]["payload"] == '/choose_option{"ordinal":"2"}'


def test_the_second_unclear_answer_gets_a_numbered_list_on_the_phone(booking):
    ask = CollectingDispatcher()
    tracker = form_tracker({"service": "personalausweis", "repair_misses": 2, "repair_slot": "when"},
                           "blubb", channel="voice")
    events = ActionAskWhen().run(ask, tracker, {})
    choices = next(e["value"] for e in events if e["name"] == "repair_choices")
    assert responses(ask) == ["utter_choices_intro"] + ["utter_choice_item"] * len(choices) + ["utter_choices_pick"]
    assert all(not m.get("buttons") for m in ask.messages)
    assert [m["number"] for m in ask.messages[1:-1]] == list(range(1, len(choices) + 1))


def test_picking_a_choice_by_number_fills_the_question_and_resets_the_count(booking):
    choices = [{"value": "egal", "title": "Egal"}, {"value": "altona", "title": "Altona"}]
    tracker = form_tracker({"service": "personalausweis", "repair_misses": 2, "repair_slot": "location",
                            "repair_choices": choices}, "zwei", intent="inform", requested="location")
    values, _ = run_form(ValidateBookingForm(), tracker)
    assert values["location"] == "altona"
    assert values["repair_misses"] == 0 and values["repair_choices"] is None
    assert values["requested_slot"] == "when"


def test_the_third_unclear_answer_ends_the_form_for_a_person(booking):
    values, said = run_form(ValidateBookingForm(), _miss_at_location(booking, 2))
    assert values["requested_slot"] is None
    assert values["handover_reason"] == "not_understood"
    assert values["repair_exhausted"] is True
    assert said == ["utter_not_understood_handover"]


def test_an_understood_answer_resets_the_count(booking):
    tracker = form_tracker({"service": "personalausweis", "repair_misses": 2, "repair_slot": "location"},
                           "in Altona", candidates={"location": "altona"}, requested="location")
    values, _ = run_form(ValidateBookingForm(), tracker)
    assert values["location"] == "altona" and values["repair_misses"] == 0


def test_an_invalid_time_counts_and_the_validator_explains_it_once(booking):
    tracker = form_tracker({"service": "personalausweis", "location": "altona"}, "bananen",
                           candidates={"when": "bananen"}, requested="when")
    values, said = run_form(ValidateBookingForm(), tracker)
    assert said == ["utter_when_not_understood"] and values["repair_misses"] == 1
    ask = CollectingDispatcher()
    after = form_tracker({"service": "personalausweis", "location": "altona", "repair_misses": 1,
                          "repair_slot": "when"}, "bananen")
    after.events.append({"event": "bot", "text": "Diese Zeitangabe habe ich nicht verstanden."})
    ActionAskWhen().run(ask, after, {})
    assert responses(ask) == [], "no second explanation in the same turn"


def test_returning_after_a_repair_rule_is_no_miss(booking):
    tracker = form_tracker({"service": "personalausweis"}, "wie bitte", intent="repeat", requested="location",
                           after_repair_rule=True)
    values, said = run_form(ValidateBookingForm(), tracker)
    assert "repair_misses" not in values and said == []


def test_a_question_in_the_middle_is_left_to_the_rules(booking):
    tracker = form_tracker({"service": "personalausweis"}, "Was kostet das?", intent="ask_fees",
                           requested="location")
    values, _ = run_form(ValidateBookingForm(), tracker)
    assert set(values) <= {"requested_slot"}, "nothing validated: Rasa rejects and the rules answer"


def test_a_wrong_phone_while_verifying_is_no_unclear_answer(booking):
    tracker = form_tracker({"manage_goal": "cancel", "manage_code": "K7M-4TX"}, "040 1111111",
                           candidates={"manage_phone": "040 1111111"}, requested="manage_phone",
                           form="manage_form")
    values, said = run_form(ValidateManageForm(), tracker)
    assert values["verification_failures"] == 1
    assert "repair_misses" not in values
    assert said == ["utter_verification_failed"]


def test_three_unreadable_codes_hand_over(booking):
    tracker = form_tracker({"manage_goal": "check", "repair_misses": 2, "repair_slot": "manage_code"},
                           "weiß ich nicht", candidates={"manage_code": "weiß ich nicht"},
                           requested="manage_code", form="manage_form")
    values, said = run_form(ValidateManageForm(), tracker)
    assert values["requested_slot"] is None and values["handover_reason"] == "not_understood"
    assert said == ["utter_code_not_understood", "utter_not_understood_handover"]


def test_choice_numbers_in_words_digits_and_button_payloads():
    def number(text, ordinal=None):
        entities = [{"entity": "ordinal", "value": ordinal}] if ordinal else []
        return choice_number(form_tracker({}, text, entities=entities))

    assert number("2") == 2
    assert number("die zwei") == 2
    assert number("Nummer drei") == 3
    assert number('/choose_option{"ordinal":"1"}', ordinal="1") == 1
    assert number("in Altona bitte") is None


# --- zurück ----------------------------------------------------------------------------

def test_going_back_forgets_the_previous_answer_and_drops_offers(booking):
    filled = offer_and_choose(booking)
    tracker = form_tracker({k: v for k, v in filled.items() if k != "phone_number"}, "zurück",
                           intent="go_back", requested="phone_number")
    tracker.slots["requested_slot"] = "phone_number"
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionGoBack().run(dispatcher, tracker, DOMAIN))
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert values == {"person_name": None}
    assert responses(dispatcher) == ["utter_go_back"]

    tracker.slots["requested_slot"] = "person_name"
    events = asyncio.run(ActionGoBack().run(CollectingDispatcher(), tracker, DOMAIN))
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert values == {"chosen_slot": None, "offered_slots": None}


def test_going_back_at_the_first_question_says_so(booking):
    tracker = form_tracker({}, "zurück", intent="go_back", requested="service")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionGoBack().run(dispatcher, tracker, DOMAIN))
    assert events == [] and responses(dispatcher) == ["utter_go_back_first_question"]


def test_going_back_while_verifying_asks_for_the_code_again(booking):
    tracker = form_tracker({"manage_goal": "cancel", "manage_code": "K7M-4TX"}, "zurück", intent="go_back",
                           requested="manage_phone", form="manage_form")
    events = asyncio.run(ActionGoBack().run(CollectingDispatcher(), tracker, DOMAIN))
    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"} == {"manage_code": None}


def test_previous_question_skips_questions_this_case_does_not_ask():
    order = ["service", "location", "when", "chosen_slot", "booking_confirmed"]
    slots = {"service": "reisepass", "location": "altona", "when": None, "chosen_slot": "h1"}
    assert previous_question(order, "booking_confirmed", slots) == "chosen_slot"
    assert previous_question(order, "when", slots) == "location"
    assert previous_question(order, "service", slots) is None


def test_a_code_the_nlu_took_for_no_is_still_the_code(booking):
    """Random codes look like nothing the NLU learned: "NEM-JY9" came out as intent deny, and the
    from_text mapping skips deny, so the slot stayed empty and the next answer was taken as code."""
    tracker = form_tracker({"manage_goal": "check"}, "NEM-JY9", intent="deny", requested="manage_code",
                           form="manage_form")
    values, said = run_form(ValidateManageForm(), tracker)
    assert values["manage_code"] == "NEM-JY9"
    assert said == []


def test_a_plain_no_while_the_code_is_asked_is_not_taken_for_a_code(booking):
    tracker = form_tracker({"manage_goal": "check"}, "nein", intent="deny", requested="manage_code",
                           form="manage_form")
    values, _ = run_form(ValidateManageForm(), tracker)
    assert values.get("manage_code") is None


def test_a_code_is_only_extracted_while_the_code_is_asked(booking):
    tracker = form_tracker({"manage_goal": "check", "manage_code": "K7M-4TX"}, "NEM-JY9", intent="deny",
                           requested="manage_phone", form="manage_form")
    values, _ = run_form(ValidateManageForm(), tracker)
    assert values.get("manage_code") in (None, "K7M-4TX")


@pytest.mark.parametrize("said, intent", [("Nina Neumann", "deny"), ("nils weber", "deny"),
                                          ("Gisela Weber", "out_of_scope")])
def test_a_name_the_nlu_took_for_no_or_off_topic_is_still_the_name(booking, said, intent):
    tracker = form_tracker(CRITERIA, said, intent=intent, requested="person_name")
    values, said_back = run_form(ValidateBookingForm(), tracker)
    assert values["person_name"] == " ".join(w[:1].upper() + w[1:] for w in said.split())
    assert "utter_name_not_understood" not in said_back


@pytest.mark.parametrize("said", ["nein", "Nein danke", "Ich möchte das nicht", "weiß ich nicht"])
def test_a_no_at_the_name_question_is_not_taken_for_a_name(booking, said):
    tracker = form_tracker(CRITERIA, said, intent="deny", requested="person_name")
    values, _ = run_form(ValidateBookingForm(), tracker)
    assert values.get("person_name") is None
