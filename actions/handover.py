"""Hand-over to a person: the message carries a `handover` marker the channel acts on."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        wiring.current().booking.release_holds(tracker.sender_id)
        dispatcher.utter_message(
            response="utter_handover", json_message={"handover": {"reason": "requested"}}
        )
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
