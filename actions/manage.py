"""Cancel, check and move an existing appointment, after code + phone verification.

An unknown code and a wrong phone number get the same answer, so nobody learns whether a
code exists. After three failed verifications the conversation goes to a person.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import escalation, wiring
from actions.conversation import caller_number, service_words, when_and_where
from actions.form_repair import REQUESTED, RepairingFormValidation, latest_text
from booking_adapter.port import (
    Appointment,
    AppointmentNotActive,
    BookingError,
    CodeUnknown,
    VerificationFailed,
)
from german.codes import code_from_text, unmistakable_code
from german.phone import normalise_phone

MAX_VERIFICATION_FAILURES = 3
LOCKED = "locked"
MANAGE_SLOTS = ("manage_goal", "manage_code", "manage_phone", "manage_confirmed", "manage_when")


def appointment_details(appointment: Appointment) -> dict[str, str]:
    booking = wiring.current().booking
    service = booking.service(appointment.service_keys[0])
    return {
        **when_and_where(appointment.start, appointment.location_name),
        **service_words(service),
        "documents": ", ".join(service.documents) or "-",
    }


def verified_appointment(tracker: Tracker) -> Optional[Appointment]:
    code, phone = tracker.get_slot("manage_code"), tracker.get_slot("manage_phone")
    if not code or not phone or LOCKED in (code, phone):
        return None
    try:
        return wiring.current().booking.find_appointment(code, phone)
    except (CodeUnknown, VerificationFailed):
        return None


def reset_manage_slots() -> list[dict[str, Any]]:
    return [SlotSet(name, None) for name in MANAGE_SLOTS]


class ValidateManageForm(RepairingFormValidation):
    def name(self) -> str:
        return "validate_manage_form"

    def counts_as_miss(self, values: dict[str, Any]) -> bool:
        return "verification_failures" not in values  # wrong data has its own limit

    def stale_after(self, slot: str) -> list[str]:
        return []

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        if tracker.get_slot("manage_goal") == "check":
            return ["manage_code", "manage_phone"]
        return list(domain_slots)

    async def extract_manage_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A code written or spelled as a code, while the code is asked for, whatever intent the
        NLU saw in it. Codes are random: "NEM-JY9" reads to it like "nein", "JAK-…" like "ja",
        and the domain's from_text mapping skips such intents (it must: "nein" is no code)."""
        if tracker.get_slot(REQUESTED) != "manage_code":
            return {}
        code = unmistakable_code(latest_text(tracker))
        return {"manage_code": code} if code else {}

    def validate_manage_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = code_from_text(str(value))
        if code is None:
            dispatcher.utter_message(response="utter_code_not_understood")
        return {"manage_code": code}

    def validate_manage_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        own = caller_number(tracker)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        # The whole answer first: the NLU's span may hold only part of a dictated number.
        sentence = latest_text(tracker)
        phone = normalise_phone(own) if own and intent == "affirm" else (
            normalise_phone(sentence) or normalise_phone(str(value)))
        if phone is None:
            dispatcher.utter_message(response="utter_phone_not_understood")
            return {"manage_phone": None}
        try:
            wiring.current().booking.find_appointment(tracker.get_slot("manage_code"), phone)
        except (CodeUnknown, VerificationFailed):
            failures = int(tracker.get_slot("verification_failures") or 0) + 1
            if failures >= MAX_VERIFICATION_FAILURES:
                # End the form; action_manage_appointment hands over.
                return {"manage_code": LOCKED, "manage_phone": LOCKED, "manage_confirmed": False,
                        "verification_failures": failures}
            dispatcher.utter_message(response="utter_verification_failed")
            return {"manage_code": None, "manage_phone": None, "verification_failures": failures}
        return {"manage_phone": phone, "verification_failures": 0}


class ActionAskManageConfirmed(Action):
    """Reads the verified appointment back before cancelling or moving it."""

    def name(self) -> str:
        return "action_ask_manage_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        appointment = verified_appointment(tracker)
        if appointment is None:
            return [SlotSet("manage_code", None), SlotSet("manage_phone", None)]
        escalated = escalation.escalate(dispatcher, tracker, "manage_confirmed")
        if escalated is not None:
            return escalated
        goal = tracker.get_slot("manage_goal") or "cancel"
        dispatcher.utter_message(
            response=f"utter_ask_manage_confirmed_{goal}", **appointment_details(appointment)
        )
        return []


class ActionManageAppointment(Action):
    def name(self) -> str:
        return "action_manage_appointment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        if int(tracker.get_slot("verification_failures") or 0) >= MAX_VERIFICATION_FAILURES:
            dispatcher.utter_message(response="utter_verification_locked")
            from actions.handover import hand_over  # writes the record for the agents

            return [*reset_manage_slots(), SlotSet("verification_failures", 0),
                    *hand_over(dispatcher, tracker, "verification_failed")]

        appointment = verified_appointment(tracker)
        goal = tracker.get_slot("manage_goal")
        if appointment is None:
            dispatcher.utter_message(response="utter_verification_failed")
            return reset_manage_slots()
        if goal == "check":
            dispatcher.utter_message(response="utter_appointment_details", **appointment_details(appointment))
            return reset_manage_slots()
        if tracker.get_slot("manage_confirmed") is not True:
            dispatcher.utter_message(response="utter_nothing_changed")
            return reset_manage_slots()
        if goal == "reschedule":
            return self._start_rescheduling(tracker, appointment)
        try:
            wiring.current().booking.cancel(appointment.code, tracker.get_slot("manage_phone"))
        except AppointmentNotActive:
            dispatcher.utter_message(response="utter_appointment_not_active")
            return reset_manage_slots()
        except BookingError:
            dispatcher.utter_message(response="utter_technical_problem")
            return reset_manage_slots()
        dispatcher.utter_message(response="utter_cancelled")
        return reset_manage_slots()

    @staticmethod
    def _start_rescheduling(tracker: Tracker, appointment: Appointment) -> list[dict[str, Any]]:
        """Hand over to the booking form with the old appointment's service and place."""
        return [
            SlotSet("reschedule_code", appointment.code),
            SlotSet("service", appointment.service_keys[0]),
            SlotSet("location", appointment.location_key),
            SlotSet("phone_number", tracker.get_slot("manage_phone")),
            # "ich kann am Mittwoch nicht": the old day is no wish; ask when, unless a new day was said
            SlotSet("when", tracker.get_slot("manage_when")),
            *reset_manage_slots(),
            FollowupAction("booking_form"),
        ]
