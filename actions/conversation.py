"""Facts about the conversation that several actions need (channel, caller, offers)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from rasa_sdk import Tracker

from common.clock import BERLIN
from german.formatting import day_text, spoken_place, spoken_time, time_text

VOICE = "voice"


def is_voice(tracker: Tracker) -> bool:
    return tracker.get_latest_input_channel() == VOICE


def booking_channel(tracker: Tracker) -> str:
    """The channel recorded with a booking: 'phone' for calls, 'chat' otherwise."""
    return "phone" if is_voice(tracker) else "chat"


def metadata(tracker: Tracker) -> dict[str, Any]:
    value = (tracker.latest_message or {}).get("metadata") or {}
    return value if isinstance(value, dict) else {}


def caller_number(tracker: Tracker) -> Optional[str]:
    """The caller's own number from caller ID, if the phone channel passed it on."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            number = (event.get("metadata") or {}).get("caller_number")
            if number:
                return str(number)
    return None


def offered(tracker: Tracker) -> list[dict[str, Any]]:
    return list(tracker.get_slot("offered_slots") or [])


def chosen_offer(tracker: Tracker) -> Optional[dict[str, Any]]:
    hold_id = tracker.get_slot("chosen_slot")
    return next((offer for offer in offered(tracker) if offer["hold_id"] == hold_id), None)


NUDGE_TEXT = "/next_step"  # the gateway's nudge after a silent turn (gateway/rasa_client.py)


def previous_bot_responses(tracker: Tracker) -> list[str]:
    """The responses of the bot's turn before the citizen's latest message (the nudge is no
    message of the citizen's), latest first."""
    names: list[str] = []
    past_citizen = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if (event.get("text") or "") == NUDGE_TEXT:
                continue
            if past_citizen:
                break
            past_citizen = True
        elif event.get("event") == "bot" and past_citizen:
            names.append((event.get("metadata") or {}).get("utter_action"))
    return names


def service_words(service) -> dict[str, str]:
    """A service's name for the chat and the shorter one the phone says (the domain picks)."""
    return {"service_name": service.name, "service_spoken": service.spoken_name or service.name,
            "documents_first": ", ".join(service.documents[:3]) or "-"}


def said_this_turn(tracker: Tracker) -> list[str]:
    """What the bot has said since the citizen's last message (earlier actions of this turn)."""
    said: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot" and event.get("text"):
            said.append(str(event["text"]))
    return list(reversed(said))


def when_and_where(start: datetime, location_name: str) -> dict[str, str]:
    """An appointment's day, time and place as chat and phone say them (the domain picks)."""
    local = start.astimezone(BERLIN)
    return {
        "slot_day": day_text(local.date()),
        "slot_time": time_text(local),
        "slot_time_spoken": spoken_time(local),
        "location_name": location_name,
        "place_spoken": spoken_place(location_name),
    }


# Everything one request fills: cleared when a request ends without being carried out.
REQUEST_SLOTS = (
    "service", "location", "when", "when_readings", "when_time", "chosen_slot", "person_name", "phone_number",
    "booking_confirmed", "offered_slots", "move_in_date", "reschedule_code", "manage_goal", "manage_code",
    "manage_phone", "manage_confirmed", "manage_when", "repair_misses", "repair_slot", "repair_choices",
    "requested_slot",
)
