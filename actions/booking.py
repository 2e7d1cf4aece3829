"""Read-back and the booking itself: nothing is booked without an explicit yes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import escalation, wiring
from actions.conversation import booking_channel, caller_number, chosen_offer, is_voice, service_words, when_and_where
from actions.manage_redirect import redirect_to_manage
from actions.validation import NO_PHONE
from booking_adapter.port import Appointment, AppointmentLimitReached, BookingError, Contact
from german.formatting import spoken_code, spoken_place, spoken_time

FORM_SLOTS = (
    "service", "location", "when", "chosen_slot", "person_name", "phone_number",
    "booking_confirmed", "offered_slots", "reschedule_code", "move_in_date", "when_time",
    "repair_misses", "repair_slot", "repair_choices",
)


def booked_values(appointment: Appointment) -> dict[str, str]:
    """What the booked / moved confirmations say about an appointment."""
    return {
        **when_and_where(appointment.start, appointment.location_name),
        "booking_code": appointment.code,
        "booking_code_spoken": spoken_code(appointment.code),
    }


def reset_form_slots() -> list[dict[str, Any]]:
    return [SlotSet(name, None) for name in FORM_SLOTS]


class ActionAskPhoneNumber(Action):
    """On the phone, offers the caller's own number first."""

    def name(self) -> str:
        return "action_ask_phone_number"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        redirected = redirect_to_manage(tracker)
        if redirected is not None:
            return redirected
        escalated = escalation.escalate(dispatcher, tracker, "phone_number")
        if escalated is not None:
            return escalated
        own = caller_number(tracker) if is_voice(tracker) else None
        if own:
            dispatcher.utter_message(response="utter_ask_phone_number_caller_id")
        else:
            dispatcher.utter_message(response="utter_ask_phone_number")
        return []


class ActionAskBookingConfirmed(Action):
    """Reads everything back before asking for the explicit yes."""

    def name(self) -> str:
        return "action_ask_booking_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        redirected = redirect_to_manage(tracker)
        if redirected is not None:
            return redirected
        offer = chosen_offer(tracker)
        booking = wiring.current().booking
        if offer is None:  # the hold vanished; go back to choosing
            return [SlotSet("chosen_slot", None), SlotSet("offered_slots", None)]
        escalated = escalation.escalate(dispatcher, tracker, "booking_confirmed")
        if escalated is not None:
            return escalated
        rescheduling = bool(tracker.get_slot("reschedule_code"))
        dispatcher.utter_message(
            response="utter_ask_reschedule_confirmed" if rescheduling else "utter_ask_booking_confirmed",
            slot_day=offer["day"],
            slot_time=offer["time"],
            slot_time_spoken=spoken_time(datetime.fromisoformat(offer["start"])),
            location_name=offer["location_name"],
            place_spoken=spoken_place(offer["location_name"]),
            **service_words(booking.service(tracker.get_slot("service"))),
            person_name=tracker.get_slot("person_name"),
        )
        return []


class ActionBookAppointment(Action):
    """Turns the chosen hold into an appointment after the yes; releases holds after a no."""

    def name(self) -> str:
        return "action_book_appointment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        booking = wiring.current().booking
        offer = chosen_offer(tracker)
        rescheduling = tracker.get_slot("reschedule_code")
        if tracker.get_slot("booking_confirmed") is not True or offer is None:
            booking.release_holds(tracker.sender_id)
            dispatcher.utter_message(
                response="utter_nothing_changed" if rescheduling else "utter_booking_declined"
            )
            return reset_form_slots()
        if rescheduling:
            return self._reschedule(dispatcher, tracker, rescheduling, offer["hold_id"])

        phone = tracker.get_slot("phone_number")
        contact = Contact(name=tracker.get_slot("person_name"), phone=None if phone == NO_PHONE else phone)
        try:
            appointment = booking.confirm(offer["hold_id"], contact, booking_channel(tracker))
        except AppointmentLimitReached:
            booking.release_holds(tracker.sender_id)
            dispatcher.utter_message(response="utter_booking_limit")
            return reset_form_slots()
        except BookingError:
            dispatcher.utter_message(response="utter_booking_failed")
            return reset_form_slots()

        service = booking.service(appointment.service_keys[0])
        said = booked_values(appointment)
        dispatcher.utter_message(
            response="utter_booked",
            documents=", ".join(service.documents) or "-",
            # the channel's marker: telephony sends an SMS, the chat offers a calendar file.
            # No phone number here: bot messages are stored in Rasa's tracker; the gateway finds
            # the number (for the SMS) in the booking store by the code.
            json_message={
                "booking": {
                    "code": appointment.code,
                    "day": said["slot_day"],
                    "time": said["slot_time"],
                    "location_name": appointment.location_name,
                    "documents": list(service.documents),
                }
            },
            **said,
        )
        return [*reset_form_slots(), SlotSet("booking_code", appointment.code)]

    @staticmethod
    def _reschedule(dispatcher, tracker, code: str, hold_id: str) -> list[dict[str, Any]]:
        booking = wiring.current().booking
        try:
            appointment = booking.reschedule(code, tracker.get_slot("phone_number"), hold_id)
        except BookingError:
            booking.release_holds(tracker.sender_id)
            dispatcher.utter_message(response="utter_booking_failed")
            return reset_form_slots()
        dispatcher.utter_message(response="utter_rescheduled", **booked_values(appointment))
        return [*reset_form_slots(), SlotSet("booking_code", appointment.code)]
