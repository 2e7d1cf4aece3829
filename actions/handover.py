"""Hand-over to a person.

`action_handover` writes the hand-over record (reason, German summary, the structured fields
and the transcript from the tracker's events) through the `HandoverPort`, then:
- while the 115 hotline is staffed: says `utter_handover` with the marker
  {"handover": {"reason", "id"}}; the phone transfers the call carrying the id, the web chat
  waits for an agent (the gateway routes the citizen's messages to the record meanwhile);
- outside the hotline's hours: offers a callback instead (`callback_form`, actions/callback.py).

Other actions that hand over (e.g. after failed verifications) call `hand_over(...)`.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.conversation import caller_number, is_voice
from booking_adapter.port import BookingError
from german.phone import normalise_phone
from handover.domain import REASONS, NewHandover, TranscriptLine, build_summary, mask_phone

log = logging.getLogger(__name__)

HANDOVER_REASON_SLOT = "handover_reason"  # set by other flows (e.g. "not_understood")
HANDOVER_ID_SLOT = "handover_id"
CALLBACK_FORM = "callback_form"
_COLLECTED = ("service", "location", "when", "person_name", "booking_code", "manage_code", "move_in_date")


def _at(event: dict[str, Any]) -> datetime:
    stamp = event.get("timestamp")
    if isinstance(stamp, (int, float)):
        return datetime.fromtimestamp(stamp, tz=UTC)
    return datetime.now(UTC)


def _confidence(metadata: dict[str, Any]) -> Optional[float]:
    value = metadata.get("speech_confidence")
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def transcript(tracker: Tracker) -> list[TranscriptLine]:
    """Who said what, when; for calls with the speech recognition confidence."""
    lines: list[TranscriptLine] = []
    for event in tracker.events:
        kind = event.get("event")
        if kind == "user":
            text = str(event.get("text") or "")
            metadata = event.get("metadata") or {}
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if not text or text == "/next_step":  # the gateway's nudge, not the citizen's words
                continue
            lines.append(TranscriptLine(at=_at(event), speaker="citizen", text=text,
                                        confidence=_confidence(metadata if isinstance(metadata, dict) else {}),
                                        intent=intent))
        elif kind == "bot" and event.get("text"):
            lines.append(TranscriptLine(at=_at(event), speaker="bot", text=str(event["text"])))
    return lines


def _user_intents(tracker: Tracker) -> list[str]:
    return [
        ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        for event in tracker.events
        if event.get("event") == "user"
    ]


def reason_of(tracker: Tracker, explicit: Optional[str] = None) -> str:
    """Why the bot hands over: the flow says so, else the person's own words tell."""
    for candidate in (explicit, tracker.get_slot(HANDOVER_REASON_SLOT)):
        if candidate in REASONS:
            return str(candidate)
    intents = _user_intents(tracker)
    if intents and intents[-1] == "out_of_scope":
        return "out_of_scope"
    if intents[-3:] == ["nlu_fallback"] * 3:
        return "not_understood"
    if intents and intents[-1] == "request_human" and "out_of_scope" in intents[-3:-1]:
        return "out_of_scope"
    return "requested"


def _display(kind: str, value: Any) -> Any:
    """The name of a service or place instead of its key, where the catalogue knows it."""
    booking = wiring.current().booking
    try:
        if kind == "service":
            return booking.service(str(value)).name
        if kind == "location" and value != "egal":
            return booking.location(str(value)).name
    except (BookingError, NotImplementedError, KeyError):
        pass
    return value


def collected_fields(tracker: Tracker) -> dict[str, Any]:
    """The structured fields the bot collected (slots), display values resolved."""
    fields: dict[str, Any] = {}
    for name in _COLLECTED:
        value = tracker.get_slot(name)
        if value not in (None, "", []):
            fields[name] = _display(name, value)
    offers = tracker.get_slot("offered_slots") or []
    if isinstance(offers, list) and offers:
        fields["offered"] = [
            {k: offer.get(k) for k in ("day", "time", "location_name")} for offer in offers if isinstance(offer, dict)
        ]
    if "booking_code" not in fields and tracker.get_slot("manage_code"):
        fields["booking_code"] = tracker.get_slot("manage_code")
    last = [e for e in tracker.events if e.get("event") == "user" and e.get("text") and not str(e["text"]).startswith("/")]
    if last:
        fields["last_words"] = str(last[-1]["text"])[:200]
    return fields


def contact_number(tracker: Tracker) -> Optional[str]:
    """Caller ID on the phone, else a number the person gave in this conversation."""
    given = caller_number(tracker) or tracker.get_slot("phone_number") or tracker.get_slot("manage_phone")
    return normalise_phone(str(given)) if given else None


def channel_of(tracker: Tracker) -> str:
    return "voice" if is_voice(tracker) else "webchat"


def record(tracker: Tracker, reason: str, status: str = "open") -> Optional[int]:
    """Write the hand-over record; its id, or None when no store is wired or it failed."""
    port = wiring.current().handover
    if port is None:
        return None
    fields = collected_fields(tracker)
    phone = contact_number(tracker)
    try:
        saved = port.record_handover(
            NewHandover(
                conversation_id=tracker.sender_id,
                channel=channel_of(tracker),
                reason=reason,
                summary=build_summary(fields, mask_phone(phone) if phone else None),
                fields=fields,
                transcript=transcript(tracker),
                phone=phone,
                booking_code=fields.get("booking_code"),
                status=status,
            )
        )
    except Exception:  # the person must still reach someone: hand over without a record
        log.exception("hand-over record not written")
        return None
    log.info("hand-over %s recorded (%s)", saved.id, reason)
    return saved.id


def hand_over(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: Optional[str] = None
) -> list[dict[str, Any]]:
    """Record the hand-over and hand over now, or offer a callback when nobody answers."""
    services = wiring.current()
    services.booking.release_holds(tracker.sender_id)
    why = reason_of(tracker, reason)
    events: list[dict[str, Any]] = [ActiveLoop(None), SlotSet("requested_slot", None)]
    if tracker.slots.get(HANDOVER_REASON_SLOT) is not None:
        events.append(SlotSet(HANDOVER_REASON_SLOT, None))
    if not services.hotline.is_open(services.clock()):
        handover_id = record(tracker, why, status="callback")
        dispatcher.utter_message(response="utter_hotline_closed")
        events.append(SlotSet(HANDOVER_ID_SLOT, str(handover_id) if handover_id else None))
        own = caller_number(tracker)
        if own:
            events.append(SlotSet("callback_phone", own))
        events.append(FollowupAction(CALLBACK_FORM))
        return events
    handover_id = record(tracker, why)
    marker: dict[str, Any] = {"reason": why}
    if handover_id is not None:
        marker["id"] = str(handover_id)
        events.append(SlotSet(HANDOVER_ID_SLOT, str(handover_id)))
    dispatcher.utter_message(response="utter_handover", json_message={"handover": marker})
    return events


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return hand_over(dispatcher, tracker)
