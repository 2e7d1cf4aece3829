"""Slot offers on the phone: as few words as a listener needs, inside the turn's budget.

A caller cannot scroll back, so an offer turn is one short list: the place once when all
offers share it ("Frei ist in Wandsbek: …"), the day once for offers on the same day
("Oder um 12 Uhr."), short place names, then one question with the way to more offers.
At most `offers_voice` options, and fewer when the turn would take longer to say than the
budget (estimated from the domain's own words, german/speech_length.py). The keys 1 to n
choose, so the last message carries the number of choices for the phone gateway.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable

from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from german.formatting import spoken_place, spoken_time
from german.speech_length import estimate_seconds

VOICE = "voice"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def voice_template(domain: DomainDict, response: str) -> str:
    """The text a response has on the phone: its voice variant, else its default one."""
    variants = (domain.get("responses") or {}).get(response) or []
    for variant in variants:
        if variant.get("channel") == VOICE:
            return str(variant.get("text") or "")
    return next((str(v.get("text") or "") for v in variants if not v.get("channel")), "")


def render(template: str, values: dict[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), match.group(0))), template)


def spoken_messages(offers: list[dict[str, Any]], alternative: bool) -> list[tuple[str, dict[str, Any]]]:
    """(response, values) for each message of an offer turn."""
    places = {offer["location_name"] for offer in offers}
    one_place = len(places) == 1
    intro_place = f" in {spoken_place(offers[0]['location_name'])}" if one_place else ""
    messages: list[tuple[str, dict[str, Any]]] = [
        ("utter_offer_slots_alternative" if alternative else "utter_offer_slots", {"at_place": intro_place}),
    ]
    previous_day = None
    for index, offer in enumerate(offers):
        start = datetime.fromisoformat(offer["start"])
        values = {
            "slot_day": offer["day"],
            "slot_time": spoken_time(start),
            "at_place": "" if one_place else f" in {spoken_place(offer['location_name'])}",
        }
        if index == 0:
            response = "utter_slot_option_first"
        elif start.date() == previous_day:
            response = "utter_slot_option_same_day"
        else:
            response = "utter_slot_option_next"
        messages.append((response, values))
        previous_day = start.date()
    messages.append(("utter_ask_choice_voice" if len(offers) > 1 else "utter_ask_choice_voice_single", {}))
    return messages


def estimated_seconds(domain: DomainDict, messages: Iterable[tuple[str, dict[str, Any]]]) -> float:
    """Estimated on the whole turn at once: the fragments are spoken as one flow."""
    return estimate_seconds(" ".join(render(voice_template(domain, response), values) for response, values in messages))


def fitting(domain: DomainDict, offers: list[dict[str, Any]], alternative: bool, budget: float) -> int:
    """How many of the offers (earliest first, at least one) fit into the spoken budget."""
    for count in range(len(offers), 1, -1):
        if estimated_seconds(domain, spoken_messages(offers[:count], alternative)) <= budget:
            return count
    return min(1, len(offers))


def utter_offers(
    dispatcher: CollectingDispatcher, offers: list[dict[str, Any]], alternative: bool
) -> None:
    messages = spoken_messages(offers, alternative)
    for position, (response, values) in enumerate(messages):
        last = position == len(messages) - 1
        marker = {"json_message": {"voice": {"choices": len(offers)}}} if last else {}
        dispatcher.utter_message(response=response, **values, **marker)
