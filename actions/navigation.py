"""'zurück': go back one question in a form.

The previous question is the last answered slot before the one being asked, in the form's
order (the booking form's order depends on the case, see `ValidateBookingForm`). Its answer
is forgotten; the form then asks it again. Going back behind a search criterion or the
choice of a slot drops the offers and their holds, so the next offers are fresh.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import escalation, wiring
from actions.manage import ValidateManageForm
from actions.validation import ValidateBookingForm

VALIDATORS = {"booking_form": ValidateBookingForm, "manage_form": ValidateManageForm}
DROPS_OFFERS = frozenset({"service", "location", "when", "move_in_date", "chosen_slot"})


def previous_question(order: list[str], asked: Optional[str], slots: dict[str, Any]) -> Optional[str]:
    """The last answered slot before `asked` (all answered ones if `asked` is unknown)."""
    earlier = order[: order.index(asked)] if asked in order else order
    return next((slot for slot in reversed(earlier) if slots.get(slot) is not None), None)


class ActionGoBack(Action):
    def name(self) -> str:
        return "action_go_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        form = (tracker.active_loop or {}).get("name")
        validator = VALIDATORS.get(form)
        if validator is None:
            dispatcher.utter_message(response="utter_go_back_no_form")
            return []
        action = validator()
        order = await action.required_slots(action.domain_slots(domain), dispatcher, tracker, domain)
        slots = {slot: tracker.get_slot(slot) for slot in order}
        back_to = previous_question(order, tracker.get_slot("requested_slot"), slots)
        if back_to is None:
            dispatcher.utter_message(response="utter_go_back_first_question")
            return escalation.reset_events(tracker)
        events = [SlotSet(back_to, None)]
        if back_to in DROPS_OFFERS:
            wiring.current().booking.release_holds(tracker.sender_id)
            events += [SlotSet("offered_slots", None), SlotSet("chosen_slot", None)]
        if back_to == "manage_phone":
            events.append(SlotSet("manage_confirmed", None))
        dispatcher.utter_message(response="utter_go_back")
        return [*events, *escalation.reset_events(tracker)]
