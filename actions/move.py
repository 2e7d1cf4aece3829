"""Registration after a move: the booking form with the 14-day deadline as its window."""
from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.form_repair import latest_text
from actions.validation import MOVE_SERVICE
from german.dates import parse_date

DEREGISTRATION = "wohnsitz_abmelden"
# "anmelden" only for oneself: "meine Tochter hat sich zu Besuch angemeldet" is no move
_MOVE_WORDS = re.compile(r"umgezogen|umzug|umziehen|ziehe|ummeld|(?:mich|uns)\s+(?:\w+\s+)?anmelden|anmeldung|abmeld"
                         r"|eingezogen|neue[nr]?\s+wohnung|wohnsitz|adresse")


class ActionPrepareMoveRegistration(Action):
    def name(self) -> str:
        return "action_prepare_move_registration"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        text = latest_text(tracker)
        booking_other = (tracker.active_loop or {}).get("name") == "booking_form" and tracker.get_slot("service") not in (None, MOVE_SERVICE)
        if booking_other and not _MOVE_WORDS.search(text.lower()):
            # read as a move in the middle of another booking ("ich komme lieber vorbei"): go on
            return [FollowupAction("booking_form")]
        # A day in the same sentence ("ich bin am 20. Februar umgezogen") is the move-in day,
        # not a wish for the appointment; the form validates it and says the deadline.
        if next(tracker.get_latest_entity_values("service"), None) == DEREGISTRATION:
            return [SlotSet("service", DEREGISTRATION), SlotSet("move_in_date", None)]  # moving away: no deadline
        move_in = parse_date(text, wiring.current().clock(), prefer_past=True)
        return [SlotSet("service", MOVE_SERVICE), SlotSet("when", None),
                SlotSet("move_in_date", move_in.isoformat() if move_in else None)]
