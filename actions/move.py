"""Registration after a move: the booking form with the 14-day deadline as its window."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.form_repair import latest_text
from actions.validation import MOVE_SERVICE
from german.dates import parse_date

DEREGISTRATION = "wohnsitz_abmelden"


class ActionPrepareMoveRegistration(Action):
    def name(self) -> str:
        return "action_prepare_move_registration"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        # A day in the same sentence ("ich bin am 20. Februar umgezogen") is the move-in day,
        # not a wish for the appointment; the form validates it and says the deadline.
        if next(tracker.get_latest_entity_values("service"), None) == DEREGISTRATION:
            return [SlotSet("service", DEREGISTRATION), SlotSet("move_in_date", None)]  # moving away: no deadline
        move_in = parse_date(latest_text(tracker), wiring.current().clock(), prefer_past=True)
        return [SlotSet("service", MOVE_SERVICE), SlotSet("when", None),
                SlotSet("move_in_date", move_in.isoformat() if move_in else None)]
