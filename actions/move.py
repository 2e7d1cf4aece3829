"""Registration after a move: the booking form with the 14-day deadline as its window."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.validation import MOVE_SERVICE


class ActionPrepareMoveRegistration(Action):
    def name(self) -> str:
        return "action_prepare_move_registration"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return [SlotSet("service", MOVE_SERVICE), SlotSet("when", None), SlotSet("move_in_date", None)]
