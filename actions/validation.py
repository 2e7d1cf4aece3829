"""Slot validation for the booking form: each answer is checked against the booking port."""
from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.conversation import caller_number, offered
from actions.form_repair import REQUESTED, RepairingFormValidation, latest_intent, latest_text, previous_value
from booking_adapter.port import UnknownLocation, UnknownService
from german.dates import parse_date, parse_when
from german.formatting import day_text
from german.names import name_in_answer
from german.phone import normalise_phone

ANY_LOCATION = "egal"
MOVE_SERVICE = "wohnsitz_anmelden"
NAME_MISREAD_AS = frozenset({"deny", "out_of_scope"})  # intents the name's from_text mapping skips
_NAME_PREFIX = re.compile(
    r"^\s*(?:(?:also|äh|ähm|ja)[\s,]+)*(?:mein name ist|ich heiße|ich heisse|ich bin|name:?)\s+",
    re.IGNORECASE,
)
_ORDINAL_WORDS = {
    "erst": 1, "eins": 1, "zweit": 2, "zwei": 2, "dritt": 3, "drei": 3,
    "viert": 4, "vier": 4, "fünft": 5, "fuenft": 5, "fünf": 5,
}
_AFFIRMATIONS = {"ja", "ja bitte", "genau", "gerne", "gern", "richtig", "ja gerne", "ok", "okay"}


def _entity_values(tracker: Tracker, entity: str) -> list[str]:
    return list(tracker.get_latest_entity_values(entity))


def _latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def _criteria_changed(tracker: Tracker, slot: str, value: Any) -> dict[str, Any]:
    """A changed service, place or time invalidates the slots offered so far.

    The tracker already holds the new value as a candidate; the old one is the value the
    slot had before the person's latest message."""
    old = previous_value(tracker, slot)
    if old is not None and old != value:
        wiring.current().booking.release_holds(tracker.sender_id)
        return {"offered_slots": None, "chosen_slot": None}
    return {}


def clean_person_name(value: Any) -> Optional[str]:
    """The name as it will be stored and read back ("mein Name ist anna schulz" -> "Anna Schulz"),
    or None when it cannot be a name."""
    name = _NAME_PREFIX.sub("", str(value)).strip(" .,!")
    letters = sum(ch.isalpha() for ch in name)
    if letters < 2 or len(name) > 80 or any(ch.isdigit() for ch in name):
        return None
    return " ".join(part[:1].upper() + part[1:] for part in name.split())


class ValidateBookingForm(RepairingFormValidation):
    def name(self) -> str:
        return "validate_booking_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        skipped = set()
        if tracker.get_slot("reschedule_code"):
            # Moving an appointment: name and phone are those of the existing booking.
            skipped |= {"person_name", "phone_number"}
        if tracker.get_slot("service") == MOVE_SERVICE:
            skipped.add("when")  # the legal deadline decides the window
        else:
            skipped.add("move_in_date")
        return [slot for slot in domain_slots if slot not in skipped]

    def validate_move_in_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        services = wiring.current()
        now = services.clock()
        for text in (str(value), _latest_text(tracker)):
            move_in = parse_date(text, now, prefer_past=True)
            if move_in is not None:
                deadline = services.booking.move_deadline(move_in).deadline
                dispatcher.utter_message(response="utter_move_deadline", deadline=day_text(deadline))
                return {"move_in_date": move_in.isoformat()}
        dispatcher.utter_message(response="utter_move_in_not_understood")
        return {"move_in_date": None}

    def validate_service(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            service = wiring.current().booking.service(str(value))
        except UnknownService:
            dispatcher.utter_message(response="utter_service_unknown")
            return {"service": None}
        return {"service": service.key, **_criteria_changed(tracker, "service", service.key)}

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        key = str(value)
        if key == ANY_LOCATION:
            return {"location": ANY_LOCATION, **_criteria_changed(tracker, "location", key)}
        booking = wiring.current().booking
        try:
            location = booking.location(key)
        except UnknownLocation:
            dispatcher.utter_message(response="utter_location_unknown")
            return {"location": None}
        service_key = tracker.get_slot("service")
        if service_key and service_key not in location.service_keys:
            dispatcher.utter_message(
                response="utter_location_lacks_service",
                location_name=location.name,
                service_name=booking.service(service_key).name,
            )
            return {"location": None}
        return {"location": location.key, **_criteria_changed(tracker, "location", location.key)}

    def validate_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        now = wiring.current().clock()
        candidates = [str(value), _latest_text(tracker)] if value else [_latest_text(tracker)]
        for text in candidates:
            when = parse_when(text, now)
            if when is None:
                continue
            if when.in_past:
                dispatcher.utter_message(response="utter_when_in_past")
                return {"when": None}
            return {"when": text, **_criteria_changed(tracker, "when", text)}
        dispatcher.utter_message(response="utter_when_not_understood")
        return {"when": None}

    def validate_chosen_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        offers = offered(tracker)
        if not offers:
            return {"chosen_slot": None}
        if tracker.get_slot("chosen_slot") in {offer["hold_id"] for offer in offers}:
            return {"chosen_slot": tracker.get_slot("chosen_slot")}
        if any(_entity_values(tracker, name) for name in ("service", "location", "time")):
            # The person corrected a search criterion; new offers follow, no complaint.
            return {"chosen_slot": None}
        index = _choice_index(str(value), offers, wiring.current().clock())
        if index is None:
            dispatcher.utter_message(response="utter_choice_not_understood")
            return {"chosen_slot": None}
        hold_id = offers[index]["hold_id"]
        wiring.current().booking.release_holds(tracker.sender_id, keep=hold_id)
        return {"chosen_slot": hold_id}

    async def extract_person_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A name the language model took for something else ("Nina Neumann" reads to it like
        "nein", "Gisela Weber" like an off-topic remark): the domain's from_text mapping skips
        those intents, so without this the citizen could not give such a name at all."""
        if tracker.get_slot(REQUESTED) != "person_name" or latest_intent(tracker) not in NAME_MISREAD_AS:
            return {}
        if next(tracker.get_latest_entity_values("person_name"), None):
            return {}  # the entity mapping has it
        name = name_in_answer(latest_text(tracker))
        return {"person_name": name} if name else {}

    def validate_person_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = clean_person_name(value)
        if name is None:
            dispatcher.utter_message(response="utter_name_not_understood")
        return {"person_name": name}

    def validate_phone_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value).strip().lower().strip(".!")
        own = caller_number(tracker)
        if own and (text in _AFFIRMATIONS or (tracker.latest_message or {}).get("intent", {}).get("name") == "affirm"):
            text = own
        number = normalise_phone(text)
        if number is None:
            dispatcher.utter_message(response="utter_phone_not_understood")
            return {"phone_number": None}
        return {"phone_number": number}


def _choice_index(text: str, offers: list[dict[str, Any]], now: Any) -> Optional[int]:
    """Which offer the person meant: '2', 'der zweite', 'Nummer drei' or 'den um 9:30'."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        number = int(cleaned)
        return number - 1 if 1 <= number <= len(offers) else None
    for word, number in _ORDINAL_WORDS.items():
        if re.search(rf"\b{word}", cleaned) and number <= len(offers):
            return number - 1
    when = parse_when(text, now)
    if when is not None and when.exact_time is not None:
        for index, offer in enumerate(offers):
            if offer["time"] == f"{when.exact_time.hour}:{when.exact_time.minute:02d}":
                return index
    return None
