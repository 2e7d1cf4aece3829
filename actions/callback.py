"""The callback offer when the hotline is closed (see actions/handover.py): the form asks for
the number (caller ID prefills it on the phone) and a preferred time window, then
`action_callback_submit` records the request through the `HandoverPort` and confirms it."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.conversation import is_voice
from actions.handover import HANDOVER_ID_SLOT, channel_of
from common.clock import BERLIN
from german.formatting import day_text, time_text
from german.phone import normalise_phone
from handover.domain import NewCallback

log = logging.getLogger(__name__)
MAX_WINDOW_CHARS = 200


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = normalise_phone(str(value or ""))
        digits = sum(ch.isdigit() for ch in number or "")
        if number is None or not 6 <= digits <= 15:
            dispatcher.utter_message(response="utter_callback_phone_invalid")
            return {"callback_phone": None}
        return {"callback_phone": number}

    def validate_callback_window(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())[:MAX_WINDOW_CHARS]
        return {"callback_window": text or None}


def shown_number(number: str) -> str:
    """The number as the person can check it: all digits (it is their own conversation)."""
    return number


class ActionCallbackSubmit(Action):
    def name(self) -> str:
        return "action_callback_submit"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        services = wiring.current()
        phone = tracker.get_slot("callback_phone")
        window = tracker.get_slot("callback_window") or ""
        due = services.hotline.next_opening(services.clock())
        if services.handover is not None and phone:
            try:
                services.handover.record_callback(
                    NewCallback(
                        phone=phone, channel=channel_of(tracker), window=window,
                        handover_reference=tracker.get_slot(HANDOVER_ID_SLOT),
                        conversation_id=tracker.sender_id, due_at=due,
                    )
                )
            except Exception:
                log.exception("callback request not written")
                dispatcher.utter_message(response="utter_technical_problem")
                return [SlotSet("callback_phone", None), SlotSet("callback_window", None)]
        local = due.astimezone(BERLIN)
        dispatcher.utter_message(
            response="utter_callback_confirmed",
            callback_phone_shown=shown_number(phone or ""),
            callback_window=window,
            callback_from=f"{day_text(local.date())}, {time_text(local)} Uhr",
            json_message={"voice": {"hangup": True}} if is_voice(tracker) else None,
        )
        return [SlotSet("callback_phone", None), SlotSet("callback_window", None)]
