"""A request about an appointment the citizen already has, misread as a new booking.

"ich hab nächsten Montag einen Termin in Wandsbek für den Ausweis, können wir den verschieben"
starts the booking form (service, place, day are all there). Before the form asks its next
question, `redirect_to_manage` checks what the citizen said since the booking began: when it
refers to an existing appointment and says what to do with it, the booking ends (nothing
stored, every hold released) and the manage form starts with that goal. Never during the
booking of a moved appointment (that booking is the manage flow's own).
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions import wiring
from actions.conversation import REQUEST_SLOTS
from german.requests import code_in, goal_for_an_existing_appointment, refers_to_an_existing_appointment

BOOKING_FORM = "booking_form"


def _said_since_the_booking_began(tracker: Tracker) -> list[str]:
    """The citizen's messages since the booking form was last activated, oldest first."""
    texts: list[str] = []
    activated = False  # the activation follows the message that started the booking
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            text = str(event.get("text") or "")
            if text.startswith("/"):  # a button or the gateway's nudge: not the citizen's words
                continue
            texts.append(text)
            if activated:
                break
        elif event.get("event") == "active_loop" and event.get("name") == BOOKING_FORM:
            activated = True
    return list(reversed(texts))


def redirect_to_manage(tracker: Tracker) -> Optional[list[dict[str, Any]]]:
    """Events that end the booking and start the manage form, or None to go on booking."""
    if (tracker.active_loop or {}).get("name") != BOOKING_FORM or tracker.get_slot("reschedule_code"):
        return None
    said = _said_since_the_booking_began(tracker)
    if not said or not any(refers_to_an_existing_appointment(text) for text in said):
        return None
    goal = next((g for g in (goal_for_an_existing_appointment(text, about_it=True) for text in reversed(said)) if g), None)
    if goal is None:
        return None
    wiring.current().booking.release_holds(tracker.sender_id)
    code = next((c for c in map(code_in, said) if c), None)
    return [
        ActiveLoop(None),
        *(SlotSet(slot, None) for slot in REQUEST_SLOTS),  # then the manage request's own
        SlotSet("manage_goal", goal),
        *([SlotSet("manage_code", code)] if code else []),
        FollowupAction("manage_form"),
    ]
