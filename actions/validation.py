"""Slot validation for the booking form: each answer is checked against the booking port."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.conversation import caller_number, offered, service_words
from actions.form_repair import REQUESTED, RepairingFormValidation, latest_intent, latest_text, previous_value
from booking_adapter.port import UnknownLocation, UnknownService
from german.answers import yes_or_no
from german.choice import AMBIGUOUS, NONE, NOT_A_CHOICE, OPTION, Choice, Offer, choose
from german.dates import parse_date, parse_when
from german.formatting import day_text, spoken_place
from german.names import name_in_answer, only_common_words
from german.numbers import read_ordinal
from german.phone import normalise_phone

ANY_LOCATION = "egal"
READINGS = "when_readings"
ONLINE_TOLD = "online_told"
NO_PHONE = "keine"  # the citizen gave no number; the appointment is stored without one
_NO_NUMBER = re.compile(r"^\W*(?:keine[n]?|keine nummer|ohne|ohne nummer|nicht nötig|brauch(?:e)? ich nicht|lieber nicht)\b")
MOVE_SERVICE = "wohnsitz_anmelden"
_MOVED = re.compile(r"umgezogen|eingezogen|umzug|\bzieh(?:e|en|t)\b|wohnen?\s+seit|eingezogen")
NAME_MISREAD_AS = frozenset({"deny", "out_of_scope", "goodbye"})  # intents the name's from_text mapping skips
_NAME_PREFIX = re.compile(
    r"^\s*(?:(?:also|äh|ähm|ja)[\s,]+)*(?:mein name ist|ich heiße|ich heisse|ich bin|name:?)\s+",
    re.IGNORECASE,
)
_ANY_PLACE = re.compile(r"\b(?:weiß\s+(?:ich\s+)?(?:noch\s+)?nicht|keine\s+ahnung|ist\s+mir\s+(?:gleich|egal|wurscht)|irgendwo|überall"
                        r"|egal\s+wo|wo\s+es\s+(?:am\s+)?(?:schnellsten|frühesten)|ganz\s+hamburg)\b")
_THIS_NUMBER = re.compile(r"\b(?:diese|die|meine|dieselbe)\s+(?:nummer|hier)\b|von der ich anrufe|mit der ich anrufe")


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


_PARTICLES = frozenset({"von", "van", "der", "den", "de", "del", "della", "di", "da", "zu", "zum", "zur", "ter",
                        "ten", "la", "le", "du", "dos", "das", "el", "al", "bin", "ibn"})


def clean_person_name(value: Any) -> Optional[str]:
    """The name as it will be stored and read back ("mein Name ist anna schulz" -> "Anna Schulz",
    "ursula von der leyen" -> "Ursula von der Leyen", "müller-lüdenscheidt"), or None when it
    cannot be a name."""
    name = _NAME_PREFIX.sub("", str(value)).strip(" .,!")
    letters = sum(ch.isalpha() for ch in name)
    if letters < 2 or len(name) > 80 or any(ch.isdigit() for ch in name) or only_common_words(name):
        return None  # "ja", "nein danke", "egal" are answers, never a name to book on

    def capital(part: str, first: bool) -> str:
        if not first and part in _PARTICLES:  # typed in lower case: "von der", kept so
            return part
        if part[:1].islower():
            return "-".join(piece[:1].upper() + piece[1:] for piece in part.split("-"))
        return part

    return " ".join(capital(part, index == 0) for index, part in enumerate(name.split()))


def whole_name_answer(text: str, entity: Optional[str]) -> Optional[str]:
    """The whole answer at the name question when it is a name that contains what the NLU tagged
    ("heinz schmidt" tagged "schmidt", "mein Name ist Erika Mustermann" tagged "Erika")."""
    stripped = _NAME_PREFIX.sub("", text).strip(" .,!")
    candidate = name_in_answer(stripped)
    if candidate and (entity is None or entity.lower() in candidate.lower()):
        return candidate
    return None


_FOR_A_CHILD = re.compile(r"\b(?:tochter|sohn|kind|kinder|baby|säugling|enkel\w*|kleine[nr]?)\b|\bist\s+(?:erst\s+)?\w+\s+jahre?\b|\bdie\s+ist\s+\w+\b|\bder\s+ist\s+\w+\b")
_IN_A_HURRY = re.compile(r"\bexpress\w*|\beil\w*|\bschnell(?:er|verfahren)?\s+pass")


_GREETING = re.compile(r"\bguten\s+(?:morgen|tag|abend)\b", re.IGNORECASE)
_GREETING_WORDS = frozenset({"morgen", "tag", "abend", "guten morgen", "guten tag", "guten abend"})
WHEN_TIME = "when_time"
_TIME_WORDS = re.compile(
    r"\b(?:(?:ab|nach|vor|bis|um|gegen|zwischen)\s+[\w:.]+(?:\s+uhr)?(?:\s+(?:und|bis)\s+[\w:.]+(?:\s+uhr)?)?"
    r"|(?:früh|spät)?(?:vormittags?|nachmittags?|morgens|abends|mittags)|am\s+(?:vor|nach)?mittag|in\s+der\s+mittagspause)\b",
    re.IGNORECASE)


def _time_words(text: str, when) -> str:
    """The time wish in the citizen's own words ("nach 17 Uhr"), for the question about the day."""
    found = _TIME_WORDS.search(text)
    if found:
        return found.group(0).strip()
    start = when.time_from or when.exact_time
    return f"ab {start.hour} Uhr" if start else "zu dieser Zeit"


def refined_service(key: str, text: str) -> str:
    """A clerk's reading of "Pass": for a child it is the children's passport, in a hurry the
    express passport (the language model tags the word "Pass" alone)."""
    if key != "reisepass":
        return key
    lowered = text.lower()
    if _IN_A_HURRY.search(lowered):
        return "express_reisepass"
    if _FOR_A_CHILD.search(lowered):
        return "kinderreisepass"
    return key


class ValidateBookingForm(RepairingFormValidation):
    def name(self) -> str:
        return "validate_booking_form"

    def counts_as_miss(self, values: dict[str, Any]) -> bool:
        # asking which of two days is meant, or on which day "nach 17 Uhr", is no miss
        return not values.get(READINGS) and not values.get(WHEN_TIME)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        skipped = set()
        if tracker.get_slot("reschedule_code"):
            # Moving an appointment: name and phone are those of the existing booking.
            skipped |= {"person_name", "phone_number"}
        if tracker.get_slot("service") != MOVE_SERVICE or tracker.get_slot("reschedule_code"):
            skipped.add("move_in_date")  # moving an appointment keeps its registration
        if tracker.get_slot("location") is None and searches_all_of_hamburg(tracker.get_slot("when"), wiring.current().clock()):
            skipped.add("location")  # "so bald wie möglich", "am Samstag": every centre that can
        return [slot for slot in domain_slots if slot not in skipped]

    async def extract_move_in_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The move-in day said before it was asked ("wir ziehen am 14. März um und brauchen einen
        Termin zum Anmelden"): taken when the sentence says it is about moving, so a wished day
        for the appointment ("Anmeldung am Mittwoch") is never read as the move-in day."""
        if tracker.get_slot("move_in_date") or tracker.get_slot(REQUESTED) == "move_in_date":
            return {}
        service = next(tracker.get_latest_entity_values("service"), None) or tracker.get_slot("service")
        text = _latest_text(tracker)
        if service != MOVE_SERVICE or not _MOVED.search(text.lower()):
            return {}
        move_in = parse_date(text, wiring.current().clock(), prefer_past=True)
        if move_in is None:
            return {}
        # the same day is not also a wish for the appointment
        wish = {} if previous_value(tracker, "when") else {"when": None}
        return {"move_in_date": move_in.isoformat(), **wish}

    def validate_move_in_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        services = wiring.current()
        now = services.clock()
        for text in (_latest_text(tracker), str(value)):  # the whole sentence first, the span as a hint
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
            service = wiring.current().booking.service(refined_service(str(value), _latest_text(tracker)))
        except UnknownService:
            if tracker.get_slot(REQUESTED) not in (None, "service") and previous_value(tracker, "service"):
                return {"service": previous_value(tracker, "service")}  # a stray tag at another question
            dispatcher.utter_message(response="utter_service_unknown")
            return {"service": None}
        told = {}
        if service.online_url and not tracker.get_slot(ONLINE_TOLD) and not tracker.get_slot("reschedule_code"):
            # Online first: said once, briefly; the booking goes on for those who want to come in.
            dispatcher.utter_message(response="utter_online_first", online_note=service.online_note or "",
                                     online_url=service.online_url)
            told = {ONLINE_TOLD: True}
        return {"service": service.key, **told, **_criteria_changed(tracker, "service", service.key)}

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
            if tracker.get_slot(REQUESTED) not in (None, "location"):
                return {"location": previous_value(tracker, "location")}  # "julia hartwig" tagged as a place
            dispatcher.utter_message(response="utter_location_unknown")
            return {"location": None}
        service_key = tracker.get_slot("service")
        if service_key and service_key not in location.service_keys:
            dispatcher.utter_message(
                response="utter_location_lacks_service",
                location_name=location.name,
                place_spoken=spoken_place(location.name),
                **service_words(booking.service(service_key)),
            )
            return {"location": None}
        return {"location": location.key, **_criteria_changed(tracker, "location", location.key)}

    @staticmethod
    def _is_the_move_in_day(tracker: Tracker, sentence: str, when) -> bool:
        """The day in a sentence about moving is the move-in day, not a wish for the appointment."""
        move_in = tracker.get_slot("move_in_date")
        lowered = sentence.lower()
        if not move_in or not (_MOVED.search(lowered) or "neue wohnung" in lowered or "seit" in lowered):
            return False
        return move_in in (when.first_day.isoformat(), when.last_day.isoformat())

    def validate_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        now = wiring.current().clock()
        sentence = _latest_text(tracker)
        offers = offered(tracker)
        if offers and tracker.get_slot(REQUESTED) == "chosen_slot":
            if choose([as_offer(offer) for offer in offers], sentence, now).kind in (OPTION, AMBIGUOUS):
                return {"when": previous_value(tracker, "when")}  # "den um halb elf" picks an offer
        readings = tracker.get_slot(READINGS)
        if readings and tracker.get_slot(REQUESTED) == "when":
            picked = pick_reading([date.fromisoformat(day) for day in readings["days"]], sentence, now)
            if picked is not None:
                text = f"{readings['text']} am {picked.day}.{picked.month}.{picked.year}"
                return {"when": text, READINGS: None, **_criteria_changed(tracker, "when", text)}
        # The whole sentence first: the tagged span is only a hint ("am 10. März" tagged "März"),
        # and never the "morgen" of "guten Morgen".
        span = str(value) if value and not sentence.startswith("/") else ""
        if span and _GREETING.search(sentence) and span.strip().lower() in _GREETING_WORDS:
            span = ""
        candidates = [sentence, span] if span else [sentence or str(value)]
        asked = tracker.get_slot(REQUESTED) == "when"
        time_wish = tracker.get_slot(WHEN_TIME)
        if asked and time_wish:  # the day for "nach 17 Uhr": both together make the wish
            candidates = [f"{sentence} {time_wish}", *candidates]
        for text in candidates:
            when = parse_when(text, now)
            if when is None:
                continue
            if self._is_the_move_in_day(tracker, sentence, when) and not asked:
                return {"when": previous_value(tracker, "when")}  # "seit heute in der neuen Wohnung"
            if when.time_only and not time_wish and not asked:
                # a time of day said unasked, no day: keep it and ask for the day ("Gern nach 17 Uhr.
                # An welchem Tag?"); given as the answer to "Wann passt es Ihnen?" it means any day
                return {"when": None, WHEN_TIME: _time_words(text, when)}
            if when.in_past and not asked:
                continue  # "gestern" said at another question is no wish for the appointment
            if when.in_past:
                dispatcher.utter_message(response="utter_when_in_past")
                return {"when": None}
            if when.alternative is not None:  # two plausible days: never a silent pick, ask back
                days = [when.first_day.isoformat(), when.alternative.isoformat()]
                return {"when": None, READINGS: {"text": text, "days": days}}
            return {"when": text, READINGS: None, WHEN_TIME: None, **_criteria_changed(tracker, "when", text)}
        if not asked:  # a stray time tag at another question ("ja diese Nummer") changes nothing
            return {"when": previous_value(tracker, "when")}
        if any(_entity_values(tracker, name) for name in ("service", "location", "person_name")):
            return {"when": None}  # "in Altona" at the when question: the place is taken, ask again
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
        if any(_entity_values(tracker, name) for name in ("service", "location")):
            # The person corrected a search criterion; new offers follow, no complaint.
            return {"chosen_slot": None}
        now = wiring.current().clock()
        text = _latest_text(tracker)
        if text.startswith("/"):  # a button: its payload carries the number
            text = str(value)
        choice = choose([as_offer(offer) for offer in offers], text, now)
        if len(offers) == 1 and choice.kind != OPTION:  # "Passt Ihnen der Termin?" (phone)
            answer = yes_or_no(text)
            if answer is True:
                choice = Choice(OPTION, index=0)
            elif answer is False and parse_when(text, now) is None:
                choice = Choice(NONE)
            elif choice.kind == NONE and read_ordinal(text):  # "den zweiten" when one was offered
                choice = Choice(NOT_A_CHOICE)
        if choice.kind == OPTION:
            hold_id = offers[choice.index]["hold_id"]
            wiring.current().booking.release_holds(tracker.sender_id, keep=hold_id)
            return {"chosen_slot": hold_id}
        if choice.kind == AMBIGUOUS:
            dispatcher.utter_message(
                response="utter_choice_ambiguous",
                options=" oder ".join(f"{offers[i]['day']} um {offers[i]['time']} Uhr" for i in choice.candidates),
            )
            return {"chosen_slot": None}
        # at the choice an ordinal names an offer, never a day ("den zweiten" is no 2nd of the month)
        wish = None if read_ordinal(text) else parse_when(text, now)
        if choice.kind == NONE or (wish is not None and not wish.in_past):
            # None of these: search again, with the new wish or after the days offered so far.
            wiring.current().booking.release_holds(tracker.sender_id)
            if wish is None or wish.asap:
                after = max(datetime.fromisoformat(offer["start"]).date() for offer in offers) + timedelta(days=1)
                wish_text = f"ab dem {after.day}.{after.month}.{after.year}"
            else:
                wish_text = text
            dispatcher.utter_message(response="utter_search_again")
            return {"chosen_slot": None, "offered_slots": None, "when": wish_text}
        dispatcher.utter_message(response="utter_choice_not_understood")
        return {"chosen_slot": None}

    async def extract_person_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A name the language model took for something else ("Nina Neumann" reads to it like
        "nein", "Gisela Weber" like an off-topic remark): the domain's from_text mapping skips
        those intents, so without this the citizen could not give such a name at all."""
        if tracker.get_slot(REQUESTED) != "person_name":
            return {}
        tagged = next(tracker.get_latest_entity_values("person_name"), None)
        if tagged:
            whole = whole_name_answer(latest_text(tracker), str(tagged))
            return {"person_name": whole} if whole else {}  # the entity mapping has it otherwise
        if latest_intent(tracker) not in NAME_MISREAD_AS:
            return {}
        name = name_in_answer(latest_text(tracker))
        return {"person_name": name} if name else {}

    def validate_person_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = clean_person_name(value)
        if name is None:
            dispatcher.utter_message(response="utter_name_not_understood")
        return {"person_name": name}

    async def extract_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """"weiß noch nicht", "ist mir gleich", "irgendwo" at the place question: all of Hamburg."""
        if tracker.get_slot(REQUESTED) != "location" or next(tracker.get_latest_entity_values("location"), None):
            return {}
        return {"location": ANY_LOCATION} if _ANY_PLACE.search(latest_text(tracker).lower()) else {}

    async def extract_phone_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """No number is an answer too ("nein danke", "keine", "brauch ich nicht"): the booking
        works without one; the domain's from_text mapping skips "deny", so it is taken here."""
        if tracker.get_slot(REQUESTED) != "phone_number":
            return {}
        text = latest_text(tracker)
        refused = latest_intent(tracker) == "deny" or yes_or_no(text) is False or _NO_NUMBER.search(text.lower())
        if refused and normalise_phone(text) is None:
            return {"phone_number": NO_PHONE}
        return {}

    def validate_phone_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == NO_PHONE:
            return {"phone_number": NO_PHONE}
        text = str(value).strip().lower().strip(".!")
        own = caller_number(tracker)
        this_one = yes_or_no(text) is True or _THIS_NUMBER.search(text) or latest_intent(tracker) == "affirm"
        if own and this_one and normalise_phone(text) is None:
            text = own
        # The whole answer first: the NLU's span may hold only part of a dictated number.
        number = normalise_phone(text) if text == own else (normalise_phone(_latest_text(tracker)) or normalise_phone(text))
        if number is None:
            dispatcher.utter_message(response="utter_phone_not_understood")
            return {"phone_number": None}
        return {"phone_number": number}


def searches_all_of_hamburg(when_text: Optional[str], now: datetime) -> bool:
    """A wish the place question would only slow down: as soon as possible, or only Saturday
    (one centre opens then; the offers name it)."""
    when = parse_when(when_text or "", now) if when_text else None
    if when is None:
        return False
    saturday_only = when.weekdays == frozenset({5}) or (when.first_day == when.last_day and when.first_day.weekday() == 5)
    return when.asap or saturday_only


def pick_reading(days: list[date], text: str, now: datetime) -> Optional[date]:
    """Which of two readings the answer to "Meinen Sie ... oder ...?" takes: "den zweiten",
    "den elften", "nächste Woche", "den 4. März"."""
    number = read_ordinal(text)
    if number is not None and 1 <= number <= len(days) and not re.search(r"\d{1,2}\.\s?\d", text):
        return days[number - 1]
    if number is not None and number > len(days):
        hits = [day for day in days if day.day == number]
        if len(hits) == 1:
            return hits[0]
    when = parse_when(text, now)
    if when is not None:
        hits = [day for day in days if when.first_day <= day <= when.last_day]
        if len(hits) == 1:
            return hits[0]
    if re.search(r"\b(?:diese[nr]?|diese woche|gleich|schon)\b", text.lower()):
        return days[0]
    return None


def as_offer(offer: dict[str, Any]) -> Offer:
    """An offered slot as the choice reader sees it."""
    start = datetime.fromisoformat(offer["start"])
    return Offer(start.date(), start.time().replace(tzinfo=None), offer["location_name"])
