"""Repair: starting over, leaving the form, giving the conversation to a person."""
from __future__ import annotations

import logging
import re
from typing import Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.form_repair import REQUESTED, latest_text
from actions.validation import clean_person_name
from german.names import name_in_answer

log = logging.getLogger(__name__)
# Words of someone who wants to start over; without one, a "restart" at the name question is
# a name the language model misread ("Brigitte Neubert" read like "bitte neu").
_START_OVER_WORDS = re.compile(
    r"\b(?:vorne?|neu|neustart|neuanfang|anfang|anfangen|restart|nochmal|noch mal|löschen|reset)\b|^/",
    re.IGNORECASE)


def name_taken_for_start_over(tracker: Tracker) -> Optional[str]:
    """The name, when the booking form asked for it and the answer is a name, not "von vorne"."""
    if tracker.active_loop_name != "booking_form" or tracker.get_slot(REQUESTED) != "person_name":
        return None
    text = latest_text(tracker)
    if _START_OVER_WORDS.search(text) or name_in_answer(text) is None:
        return None
    return clean_person_name(text)


class ActionStartOver(Action):
    """'von vorne' (Rasa's `restart` intent): free held slots, then forget the conversation.

    Overrides Rasa's default `action_restart` so that nothing stays reserved. Forgetting is
    destructive, so a name given at the name question that the language model took for "von
    vorne" is kept as the name and the form goes on instead."""

    def name(self) -> str:
        return "action_restart"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        name = name_taken_for_start_over(tracker)
        if name is not None:
            log.info("restart intent at the name question looked like a name; continuing the form")
            return [SlotSet("person_name", name), FollowupAction("booking_form")]
        wiring.current().booking.release_holds(tracker.sender_id)
        dispatcher.utter_message(response="utter_start_over")
        return [Restarted()]


class ActionRepeatLast(Action):
    """'wie bitte' outside a form: say the bot's last turn again, word for word."""

    def name(self) -> str:
        return "action_repeat_last"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        last_turn = []
        seen_user = 0
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                seen_user += 1
                if seen_user == 2:
                    break
            elif event.get("event") == "bot" and seen_user == 1:
                last_turn.append(event)
        if not last_turn:
            dispatcher.utter_message(response="utter_greet")
        for event in reversed(last_turn):
            data = event.get("data") or {}
            dispatcher.utter_message(text=event.get("text"), buttons=data.get("buttons") or [])
        return []
