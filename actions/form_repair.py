"""Repair inside a form: corrections of one slot, choices picked by number, misses counted.

`RepairingFormValidation` wraps rasa-sdk's form validation. Before the slot validators run it
maps a picked choice ("zwei", key 2) to its value, takes a negated value out ("nicht Harburg,
Bergedorf"), and lets a name or number be corrected at any later question. After they ran it
clears a slot named as wrong without a new value ("der Name ist falsch"), keeps a correction
at the read-back from counting as a "no", and counts misses for the escalation.
"""
from __future__ import annotations

import abc
import re
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import escalation, wiring
from actions.conversation import previous_bot_responses
from german.answers import yes_or_no
from german.dates import parse_when

REQUESTED = "requested_slot"
CORRECTING_INTENTS = frozenset({"correct", "deny", "inform"})
CONFIRMATIONS = frozenset({"booking_confirmed", "manage_confirmed"})
# At "Soll ich diesen Termin absagen?", saying the request again is a yes.
GOAL_INTENTS = {"cancel": "cancel_appointment", "reschedule": "reschedule_appointment"}
# Slots whose change makes the offered slots stale.
SEARCH_CRITERIA = frozenset({"service", "location", "when", "move_in_date"})
ENTITY_SLOTS = {"location": "location", "service": "service", "time": "when"}
# "der Name ist falsch": which slot a correction without a new value is about.
NAMED_SLOTS = (
    (re.compile(r"\bname", re.IGNORECASE), "person_name"),
    (re.compile(r"\b(?:telefon|nummer|handy)", re.IGNORECASE), "phone_number"),
    (re.compile(r"\b(?:ort|standort|kundenzentrum|stadtteil|bezirk)\b", re.IGNORECASE), "location"),
    (re.compile(r"\b(?:tag|datum|uhrzeit|zeit|termin)\b", re.IGNORECASE), "when"),
    (re.compile(r"\b(?:dienstleistung|anliegen)\b", re.IGNORECASE), "service"),
)
_NEGATION_BEFORE = re.compile(r"(?:nicht|statt|anstatt|kein|keinen|keine)\W*(?:\w+\W+)?$", re.IGNORECASE)


def latest_intent(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def answers_question(tracker: Tracker, form: str) -> bool:
    """Is the form validating the person's reply (not returning after a repair rule)?"""
    marker_seen = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "bot":
            return False
        if kind == "action":
            name = event.get("name")
            if name == form and not marker_seen:
                marker_seen = True  # the marker Rasa puts before the slot candidates
                continue
            if name in ("action_extract_slots", "action_listen"):
                continue
            return False
    return False


_COME_IN = re.compile(r"\b(?:vorbei|hin|persönlich|vor\s+ort|lieber\s+(?:einen\s+)?termin|trotzdem|nicht\s+online|kein\s+internet"
                      r"|kann\s+(?:das\s+)?nicht\s+online|ohne\s+internet)\b", re.IGNORECASE)


def _comes_in_after_online_hint(tracker: Tracker) -> bool:
    """Is the latest message the reply to the online hint given in the bot's last turn?"""
    return "utter_online_first" in previous_bot_responses(tracker) and bool(_COME_IN.search(latest_text(tracker)))


def previous_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the person's latest message."""
    passed_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            passed_user = True
        elif passed_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
        elif passed_user and event.get("event") in ("restart", "session_started"):
            return None
    return None


def wanted_entity_value(tracker: Tracker, entity: str) -> Optional[str]:
    """The last value of `entity` that is not negated: 'nicht Altona, sondern Bergedorf'."""
    text = latest_text(tracker)
    entities = [e for e in (tracker.latest_message or {}).get("entities") or [] if e.get("entity") == entity]
    if len(entities) < 2:
        return None
    wanted = None
    for found in entities:
        start = found.get("start")
        before = text[max(0, start - 16):start] if isinstance(start, int) else ""
        if not _NEGATION_BEFORE.search(before):
            wanted = found.get("value")
    return wanted


def corrected_name(old: Optional[str], new: str) -> str:
    """'Meier' for 'Anna Schulz' means 'Anna Meier'; a full name replaces the old one."""
    parts = new.replace(",", " ").split()
    if old and len(parts) == 1 and len(old.split()) >= 2:
        return " ".join([*old.split()[:-1], parts[0]])
    return new


class RepairingFormValidation(FormValidationAction, abc.ABC):
    """Form validation with corrections and the unclear-input escalation."""

    @abc.abstractmethod
    def name(self) -> str: ...

    def counts_as_miss(self, values: dict[str, Any]) -> bool:
        return True

    def stale_after(self, slot: str) -> list[str]:
        """Slots to clear when `slot` changes."""
        return ["offered_slots", "chosen_slot"] if slot in SEARCH_CRITERIA else []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        asked = tracker.get_slot(REQUESTED)
        answering = bool(asked) and answers_question(tracker, self.form_name())
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        before = {slot: previous_value(tracker, slot) for slot in required}
        lead: list[dict[str, Any]] = []
        if tracker.get_slot(escalation.EXHAUSTED):
            lead.append(SlotSet(escalation.EXHAUSTED, None))
        if answering and _comes_in_after_online_hint(tracker):
            # "nein, ich komme lieber vorbei" answers the online hint, not the question: ask it
            # again (named, or the form would ask the first empty slot of its list instead)
            return [*lead, SlotSet(asked, None), SlotSet(REQUESTED, asked)]
        if answering:
            tracker.add_slots(self._before_validation(tracker, asked, required))

        events = await super().run(dispatcher, tracker, domain)
        if not answering:
            return lead + events

        values = {e["name"]: e["value"] for e in events if e.get("event") == "slot" and e["name"] != REQUESTED}
        extra = self._after_validation(dispatcher, tracker, asked, required, before, values)
        if not extra:
            return lead + events
        tracker.add_slots(extra)
        if any(e["name"] == REQUESTED for e in extra):
            return lead + events + extra
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return lead + [e for e in events if e.get("name") != REQUESTED] + extra + ([next_slot] if next_slot else [])

    def _before_validation(self, tracker: Tracker, asked: str, required: list[str]) -> list[dict[str, Any]]:
        events = []
        picked = escalation.chosen_value(tracker, asked)
        if picked is not None:
            events.append(SlotSet(asked, picked))
        if asked in CONFIRMATIONS and latest_intent(tracker) not in ("affirm", "deny"):
            # "ja, bitte stornieren" (read as a cancel request), "jo passt", "nee doch nicht"
            answer = yes_or_no(latest_text(tracker))
            goal_intent = GOAL_INTENTS.get(tracker.get_slot("manage_goal") or "")
            if answer is None and asked == "manage_confirmed" and latest_intent(tracker) == goal_intent:
                answer = True
            if answer is not None:
                events.append(SlotSet(asked, answer))
        if asked == "manage_confirmed" and tracker.get_slot("manage_goal") == "reschedule":
            wish = parse_when(latest_text(tracker), wiring.current().clock())
            if wish is not None and not wish.in_past:
                # "nein, Dienstag geht nicht, lieber Mittwoch": move it, to that day
                events += [SlotSet(asked, True), SlotSet("manage_when", latest_text(tracker))]
        for entity, slot in ENTITY_SLOTS.items():
            value = wanted_entity_value(tracker, entity)
            if value is not None and slot in required:
                events.append(SlotSet(slot, value))
        intent = latest_intent(tracker)
        name = next(tracker.get_latest_entity_values("person_name"), None)
        if name and asked != "person_name" and "person_name" in required and intent in CORRECTING_INTENTS:
            events.append(SlotSet("person_name", corrected_name(tracker.get_slot("person_name"), str(name))))
        phone = next(tracker.get_latest_entity_values("phone_number"), None)
        if phone and asked != "phone_number" and "phone_number" in required and intent == "correct":
            events.append(SlotSet("phone_number", str(phone)))
        return events

    def _after_validation(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        asked: str,
        required: list[str],
        before: dict[str, Any],
        values: dict[str, Any],
    ) -> list[dict[str, Any]]:
        changed = [
            slot for slot, value in values.items()
            if slot in required and slot != asked and value != before.get(slot)
        ]
        extra: list[dict[str, Any]] = []
        if not changed and latest_intent(tracker) in ("correct", "deny"):
            cleared = self._named_slot(tracker, asked, required, before, values)
            if cleared:
                dispatcher.utter_message(response="utter_correction_ack")
                extra += [SlotSet(cleared, None)] + [SlotSet(s, None) for s in self.stale_after(cleared)]
                if cleared in SEARCH_CRITERIA:
                    wiring.current().booking.release_holds(tracker.sender_id)
                changed = [cleared]
        if changed and asked in CONFIRMATIONS and values.get(asked) is not None:
            extra.append(SlotSet(asked, None))  # a correction at the read-back is no "no"
        if changed or values.get(asked) is not None:
            return extra + escalation.reset_events(tracker)
        if not self.counts_as_miss(values):
            return extra
        if asked in values or latest_intent(tracker) in escalation.ANSWER_INTENTS:
            return extra + escalation.register_miss(dispatcher, tracker, asked)
        return extra

    @staticmethod
    def _named_slot(
        tracker: Tracker, asked: str, required: list[str], before: dict[str, Any], values: dict[str, Any]
    ) -> Optional[str]:
        text = latest_text(tracker)
        for pattern, slot in NAMED_SLOTS:
            if pattern.search(text) and slot in required and slot != asked and before.get(slot) is not None:
                return slot
        return None
