"""Repair: starting over, leaving the form, giving the conversation to a person."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import Restarted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring


class ActionStartOver(Action):
    """'von vorne' (Rasa's `restart` intent): free held slots, then forget the conversation.

    Overrides Rasa's default `action_restart` so that nothing stays reserved."""

    def name(self) -> str:
        return "action_restart"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
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
