"""A way out everywhere: "nein doch nicht", "abbrechen", "ich melde mich später".

Ends whatever form is open, releases every held slot and changes nothing in the store; what
the citizen said about themselves (name, phone) is forgotten with the rest of the request.
"""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.conversation import REQUEST_SLOTS
from actions.form_repair import latest_text
from actions.manage_redirect import redirect_to_manage
from german.requests import CANCEL, RESCHEDULE, goal_for_an_existing_appointment


class ActionStop(Action):
    def name(self) -> str:
        return "action_stop"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        # "den brauchen wir nicht mehr" about an appointment they have: not a stop, a cancellation
        redirected = redirect_to_manage(tracker)
        if redirected is not None:
            return redirected
        goal = goal_for_an_existing_appointment(latest_text(tracker), about_it=True)
        if (tracker.active_loop or {}).get("name") == "manage_form" and goal in (CANCEL, RESCHEDULE):
            # "dann sag ich meinen Termin lieber ab" while verifying: the goal, not a way out
            return [SlotSet("manage_goal", goal), FollowupAction("manage_form")]
        wiring.current().booking.release_holds(tracker.sender_id)
        dispatcher.utter_message(response="utter_stopped")
        return [ActiveLoop(None), *(SlotSet(slot, None) for slot in REQUEST_SLOTS)]
