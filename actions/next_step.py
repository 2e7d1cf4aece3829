"""The one deciding action: after a turn no rule or story covers, the next question follows
from what is known, not from a script.

Runs (1) by rule after an answer-like turn outside a form ("eine Meldebescheinigung bitte" as
the first message, "ja" out of the blue, a date before anything else), and (2) as the gateway's
last resort when the policy would have stayed silent (the gateway then sends `/next_step`).
It looks at the citizen's own latest message, never at the `/next_step` nudge.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.conversation import REQUEST_SLOTS, is_voice, previous_bot_responses
from actions.validation import MOVE_SERVICE
from german.dates import parse_when
from german.names import name_in_answer

log = logging.getLogger(__name__)
NUDGE = "next_step"
MANAGE_GOALS = {"cancel_appointment": "cancel", "check_appointment": "check", "reschedule_appointment": "reschedule"}
BOOKING_ENTITIES = ("service", "location", "district", "time")
# A message in English (the most frequent other language at 115): common English words and no
# German ones. The reply says in German and English that this service speaks German.
_ENGLISH = re.compile(r"\b(?:i|i'm|my|you|the|is|are|need|want|would|like|please|appointment|hello|hi|can|do|speak|english|passport|help)\b")
_GERMAN = re.compile(r"\b(?:ich|sie|der|die|das|und|bitte|ein|eine|einen|termin|mein|meine|ist|nicht|ja|nein|hallo|danke)\b")


def store_answers() -> bool:
    """Can the booking store be read? (One day's appointments: a cheap query.)"""
    try:
        today = wiring.current().clock().date()
        wiring.current().booking.list_appointments(today, today)
        return True
    except Exception:  # any failure of the store: the caller must not be asked to go on
        log.warning("booking store unreachable; the silent turn stays a technical problem")
        return False


def citizen_message(tracker: Tracker) -> dict[str, Any]:
    """The latest message the citizen wrote or said (the nudge is skipped)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and ((event.get("parse_data") or {}).get("intent") or {}).get("name") != NUDGE:
            return event.get("parse_data") or {"text": event.get("text") or ""}
    return {}


def looks_english(text: str) -> bool:
    lowered = text.lower()
    return len(_ENGLISH.findall(lowered)) >= 2 and not _GERMAN.search(lowered)


def decide(tracker: Tracker, english_told: bool = False) -> tuple[Optional[str], list[dict[str, Any]]]:
    """What to say (a response name or None) and which events follow, from the state alone."""
    message = citizen_message(tracker)
    text = message.get("text") or ""
    intent = (message.get("intent") or {}).get("name")
    entities = {entity.get("entity") for entity in message.get("entities") or []}
    loop = (tracker.active_loop or {}).get("name")
    if loop:
        return None, [FollowupAction(loop)]  # the form asks its open question again
    if looks_english(text) and not english_told:
        return "utter_other_language", []
    if intent == "affirm" and "utter_iamabot" in previous_bot_responses(tracker):
        return None, [FollowupAction("action_handover")]  # "Wenn Sie möchten, verbinde ich Sie" - "ja"
    if intent == "report_move" or tracker.get_slot("service") == MOVE_SERVICE:
        return None, [SlotSet("service", MOVE_SERVICE), FollowupAction("booking_form")]
    if intent in MANAGE_GOALS:
        return None, [SlotSet("manage_goal", MANAGE_GOALS[intent]), FollowupAction("manage_form")]
    said_a_day = parse_when(text, wiring.current().clock()) is not None if text and not text.startswith("/") else False
    if tracker.get_slot("service") or entities & set(BOOKING_ENTITIES) or said_a_day or intent in ("book_appointment", "inform"):
        return None, [FollowupAction("booking_form")]
    if intent in ("deny", "thank"):  # "nein danke" after a finished request: nothing more to do
        return "utter_goodbye", []
    return ("utter_please_rephrase" if intent == "nlu_fallback" else "utter_how_can_i_help"), []


class ActionNextStep(Action):
    def name(self) -> str:
        return "action_next_step"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        if not store_answers():
            # The silence came from a failure, not from a gap in the dialogue: stay silent, so the
            # gateway apologises (and on the phone hands over) instead of asking a new question.
            return []
        response, events = decide(tracker)
        if response:
            dispatcher.utter_message(response=response)
        if response == "utter_other_language":  # and the conversation goes on with what was understood
            events = decide(tracker, english_told=True)[1]
        return events


class ActionGoodbye(Action):
    """Ends the conversation only when the citizen said goodbye and nothing else: a message the
    language model reads as goodbye that carries a day, a time or a request ("ende des Monats")
    is an answer, and the conversation goes on from its state."""

    def name(self) -> str:
        return "action_goodbye"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        message = citizen_message(tracker)
        carries_something = bool(message.get("entities")) or parse_when(message.get("text") or "", wiring.current().clock())
        if tracker.get_slot("requested_slot") == "person_name" and name_in_answer(message.get("text") or ""):
            # "Dagmar Schütt" read as "tschüss": the name is the answer, nobody is hung up on
            return [FollowupAction((tracker.active_loop or {}).get("name") or "booking_form")]
        if not carries_something:
            # on the phone the goodbye ends the call once it has been said (telephony/turn.py)
            hangup = {"json_message": {"voice": {"hangup": True}}} if is_voice(tracker) else {}
            events: list[dict[str, Any]] = []
            if tracker.active_loop:  # "nein, das war alles" in the middle of a booking: it ends, nothing held
                wiring.current().booking.release_holds(tracker.sender_id)
                events = [ActiveLoop(None), *(SlotSet(slot, None) for slot in REQUEST_SLOTS)]
            dispatcher.utter_message(response="utter_goodbye", **hangup)
            return events
        response, events = decide(tracker)
        if response:
            dispatcher.utter_message(response=response)
        return events
