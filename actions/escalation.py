"""Unclear answers inside a form: rephrase, then choices, then a person.

The form validators count misses per question (`repair_misses` for `repair_slot`); an answer
that fills the question, or any correction, resets the count. The ask actions below read the
count when the form asks again:

- no miss: the normal question;
- first miss: one rephrased question (unless the validator already explained what was wrong);
- second miss: choices, as buttons in chat and as a numbered list on the phone; the choices
  are kept in `repair_choices` so that "zwei" or the key 2 picks the second one;
- third miss: the validator ends the form with `handover_reason` = not_understood and the
  rules hand over (see `register_miss`).
"""
from __future__ import annotations

import abc
from datetime import date, timedelta
from typing import Any, Optional

from babel.dates import format_date
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.conversation import caller_number, is_voice
from actions.manage_redirect import redirect_to_manage
from german.formatting import day_text, spoken_place
from german.numbers import read_ordinal

MISSES = "repair_misses"
REPAIR_SLOT = "repair_slot"
CHOICES = "repair_choices"
EXHAUSTED = "repair_exhausted"
HANDOVER_REASON = "handover_reason"
NOT_UNDERSTOOD = "not_understood"
MAX_MISSES = 3

# Intents whose message is meant as an answer to the current question. Other intents
# (questions, a new request) are left to the rules: the form rejects and comes back.
ANSWER_INTENTS = frozenset(
    {"inform", "nlu_fallback", "choose_option", "no_preference", "affirm", "deny", "correct"}
)

# What the bot says at the first miss when the validator said nothing itself.
REPHRASE = {
    "service": "utter_service_unknown",
    "location": "utter_location_unknown",
    "when": "utter_when_not_understood",
    "move_in_date": "utter_move_in_not_understood",
    "chosen_slot": "utter_choice_not_understood",
    "person_name": "utter_name_not_understood",
    "phone_number": "utter_phone_not_understood",
    "booking_confirmed": "utter_rephrase_yes_no",
    "manage_code": "utter_code_not_understood",
    "manage_phone": "utter_phone_not_understood",
    "manage_confirmed": "utter_rephrase_yes_no",
}
# Questions without sensible choices get a more explicit hint at the second miss.
HINT = {
    "person_name": "utter_hint_person_name",
    "phone_number": "utter_hint_phone_number",
    "manage_phone": "utter_hint_phone_number",
    "manage_code": "utter_hint_manage_code",
}
_POPULAR_SERVICES = ("personalausweis", "reisepass", "wohnsitz_anmelden", "fuehrungszeugnis")
_WHEN_CHOICES = (
    ("so bald wie möglich", "So bald wie möglich"),
    ("nächste Woche", "Nächste Woche"),
    ("nächste Woche vormittags", "Nächste Woche vormittags"),
    ("nächste Woche nachmittags", "Nächste Woche nachmittags"),
)


def level(tracker: Tracker, slot: str) -> int:
    """How often in a row the answer to `slot` was not understood."""
    if tracker.get_slot(REPAIR_SLOT) != slot:
        return 0
    return int(tracker.get_slot(MISSES) or 0)


def reset_events(tracker: Tracker) -> list[dict[str, Any]]:
    """Understood: forget the misses (only events that change something)."""
    events = []
    if tracker.get_slot(MISSES):
        events.append(SlotSet(MISSES, 0))
    if tracker.get_slot(CHOICES):
        events.append(SlotSet(CHOICES, None))
    if tracker.get_slot(REPAIR_SLOT):
        events.append(SlotSet(REPAIR_SLOT, None))
    return events


def register_miss(dispatcher: CollectingDispatcher, tracker: Tracker, slot: str) -> list[dict[str, Any]]:
    """One more miss on `slot`; the third one ends the form and asks for a person."""
    misses = level(tracker, slot) + 1
    if misses >= MAX_MISSES:
        dispatcher.utter_message(response="utter_not_understood_handover")
        return [
            SlotSet(MISSES, 0), SlotSet(REPAIR_SLOT, None), SlotSet(CHOICES, None),
            SlotSet(HANDOVER_REASON, NOT_UNDERSTOOD), SlotSet(EXHAUSTED, True),
            SlotSet("requested_slot", None),
        ]
    return [SlotSet(MISSES, misses), SlotSet(REPAIR_SLOT, slot)]


def choice_number(tracker: Tracker, highest: Optional[int] = None) -> Optional[int]:
    """'2', 'zwei', 'die zweite', 'Nummer drei' or the ordinal of a button payload; None otherwise."""
    ordinal = next(tracker.get_latest_entity_values("ordinal"), None)
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    if ordinal is not None and str(ordinal).isdigit() and (text.startswith("/") or not text):
        return int(ordinal)
    return read_ordinal(text, highest) if len(text) <= 60 else None


def chosen_value(tracker: Tracker, slot: str) -> Optional[Any]:
    """The value of a choice offered at the second miss, if the person picked one."""
    choices = tracker.get_slot(CHOICES) or []
    if not choices or tracker.get_slot(REPAIR_SLOT) != slot:
        return None
    number = choice_number(tracker, len(choices))
    if number is None or not 1 <= number <= len(choices):
        return None
    return choices[number - 1]["value"]


def said_something_this_turn(tracker: Tracker) -> bool:
    """Did the validator already explain the problem since the person's last message?"""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot":
            return True
    return False


def _choices(tracker: Tracker, slot: str) -> list[dict[str, Any]]:
    services = wiring.current()
    booking = services.booking
    if slot == "service":
        known = {service.key: service.name for service in booking.services()}
        return [{"value": key, "title": known[key]} for key in _POPULAR_SERVICES if key in known]
    if slot == "location":
        places = booking.locations(tracker.get_slot("service") or None)[:3]
        return [{"value": "egal", "title": "Egal – der früheste Termin"}] + [
            {"value": place.key, "title": place.name} for place in places
        ]
    if slot == "when":
        return [{"value": value, "title": title} for value, title in _WHEN_CHOICES]
    if slot == "move_in_date":
        today = services.clock().date()
        days = [today - timedelta(days=n) for n in (0, 1, 2, 7)]
        return [{"value": f"am {day.day}.{day.month}.", "title": day_text(day)} for day in days]
    if slot in ("booking_confirmed", "manage_confirmed"):
        return [{"value": True, "title": "Ja"}, {"value": False, "title": "Nein"}]
    if slot in ("phone_number", "manage_phone"):
        own = caller_number(tracker)
        if own:
            return [{"value": own, "title": "die Nummer, von der Sie anrufen"}]
    return []


VOICE_CHOICES = 3


def present_choices(
    dispatcher: CollectingDispatcher, tracker: Tracker, slot: str
) -> list[dict[str, Any]]:
    """The second miss: the answers to pick from, or an explicit hint where there are none."""
    choices = _choices(tracker, slot)
    if not choices:
        dispatcher.utter_message(response=HINT.get(slot, REPHRASE.get(slot, "utter_please_rephrase")))
        return []
    if is_voice(tracker):
        choices = choices[:VOICE_CHOICES]  # a listener keeps three in mind, not five
        dispatcher.utter_message(response="utter_choices_intro")
        for number, choice in enumerate(choices, start=1):
            dispatcher.utter_message(response="utter_choice_item", number=number,
                                     title=spoken_place(choice["title"]) if slot == "location" else choice["title"])
        dispatcher.utter_message(response="utter_choices_pick", json_message={"voice": {"choices": len(choices)}})
    else:
        buttons = [
            {"title": choice["title"], "payload": f'/choose_option{{"ordinal":"{number}"}}'}
            for number, choice in enumerate(choices, start=1)
        ]
        dispatcher.utter_message(response="utter_choices_intro", buttons=buttons)
    return [SlotSet(CHOICES, choices)]


def escalate(dispatcher: CollectingDispatcher, tracker: Tracker, slot: str) -> Optional[list[dict[str, Any]]]:
    """For an ask action: what to say after misses, or None to ask the normal question."""
    misses = level(tracker, slot)
    if misses <= 0:
        return None
    if misses == 1:
        if not said_something_this_turn(tracker):
            dispatcher.utter_message(response=REPHRASE.get(slot, "utter_please_rephrase"))
        return []
    return present_choices(dispatcher, tracker, slot)


class EscalatingAsk(Action, abc.ABC):
    """Asks for `slot` with `utter_ask_<slot>`, escalating after misses."""

    @property
    @abc.abstractmethod
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        redirected = redirect_to_manage(tracker)
        if redirected is not None:
            return redirected
        escalated = escalate(dispatcher, tracker, self.slot)
        if escalated is not None:
            return escalated
        dispatcher.utter_message(response=f"utter_ask_{self.slot}", **self.question_arguments(tracker))
        return []

    def question_arguments(self, tracker: Tracker) -> dict[str, Any]:
        """Values the question's text fills in (none by default)."""
        return {}


class ActionAskService(EscalatingAsk):
    slot = "service"  # type: ignore[assignment]


class ActionAskLocation(EscalatingAsk):
    slot = "location"  # type: ignore[assignment]


class ActionAskWhen(EscalatingAsk):
    slot = "when"  # type: ignore[assignment]

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        redirected = redirect_to_manage(tracker)
        if redirected is not None:
            return redirected
        readings = tracker.get_slot("when_readings")
        time_wish = tracker.get_slot("when_time")
        if time_wish and not readings and level(tracker, "when") <= 0:
            dispatcher.utter_message(response="utter_ask_when_day", time_wish=time_wish)
            return []
        if not readings:
            return super().run(dispatcher, tracker, domain)
        first, second = (day_text(date.fromisoformat(day)) for day in readings["days"])
        buttons = [{"title": title, "payload": title} for title in (first, second)]
        dispatcher.utter_message(response="utter_ask_when_reading", first_reading=first, second_reading=second,
                                 buttons=[] if is_voice(tracker) else buttons)
        return []


class ActionAskMoveInDate(EscalatingAsk):
    slot = "move_in_date"  # type: ignore[assignment]

    def question_arguments(self, tracker: Tracker) -> dict[str, Any]:
        # The example is a plausible day for today's caller (a week ago), not a fixed month.
        example = wiring.current().clock().date() - timedelta(days=7)
        return {"example_day": format_date(example, "d. MMMM", locale="de_DE")}


class ActionAskPersonName(EscalatingAsk):
    slot = "person_name"  # type: ignore[assignment]


class ActionAskManageCode(EscalatingAsk):
    slot = "manage_code"  # type: ignore[assignment]


class ActionAskManagePhone(EscalatingAsk):
    slot = "manage_phone"  # type: ignore[assignment]
