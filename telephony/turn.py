"""One bot turn as the phone needs it: what to say, which keys choose what, and markers.

The bot answers with Rasa's REST messages ({"text", "buttons", "custom"}). Markers the
gateway acts on, carried in `custom` (each is a separate message in Rasa's output):

- {"handover": {"reason": ..., "id": ...}}  transfer the call (id = hand-over record, optional)
- {"booking": {"code", "day", "time", "location_name", "phone"}}  SMS confirmation
- {"cancellation": {"code", "phone"}}  SMS confirmation of a cancellation
- {"voice": {"expect": "date" | "booking_code" | "phone_number"}}  the question asks for
  such a value: keypad entry is accepted and a low-confidence answer is read back
- {"voice": {"hangup": true}}  the conversation is over (after a goodbye)
- {"voice": {"choices": n}}  the keys 1 to n choose the offers just read out
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from telephony.texts import Vocabulary


def choose_option_payload(number: int) -> str:
    return "/choose_option" + json.dumps({"ordinal": str(number)}, separators=(",", ":"))


@dataclass
class BotTurn:
    texts: list[str] = field(default_factory=list)
    buttons: list[dict[str, str]] = field(default_factory=list)
    options: list[str] = field(default_factory=list)  # payload sent for key 1, 2, ...
    handover: Optional[dict[str, Any]] = None
    booking: Optional[dict[str, Any]] = None
    cancellation: Optional[dict[str, Any]] = None
    expect: Optional[str] = None
    hangup: bool = False
    choices: int = 0  # offers the keys 1..n choose (marker), besides buttons and numbered texts

    @property
    def empty(self) -> bool:
        """Nothing to say and nothing to do: the bot (or its action server) failed quietly."""
        return not self.texts and self.handover is None and not self.hangup


def parse_turn(messages: list[dict[str, Any]], vocabulary: Vocabulary) -> BotTurn:
    turn = BotTurn()
    patterns = [re.compile(pattern) for pattern in vocabulary.numbered_option_patterns]
    numbered = 0
    hangup_after: Optional[int] = None  # how many texts had been said when the hang-up came
    for message in messages:
        if not isinstance(message, dict):
            continue
        text = str(message.get("text") or "").strip()
        if text:
            turn.texts.append(text)
            for pattern in patterns:
                match = pattern.search(text)
                if match:
                    numbered = max(numbered, int(match.group(1)))
        for button in message.get("buttons") or []:
            if isinstance(button, dict) and button.get("payload"):
                turn.buttons.append(
                    {"title": str(button.get("title") or ""), "payload": str(button["payload"])}
                )
        custom = message.get("custom")
        if isinstance(custom, dict):
            _read_markers(turn, custom)
            if turn.hangup and hangup_after is None:
                hangup_after = len(turn.texts)
    if hangup_after is not None and len(turn.texts) > hangup_after:
        turn.hangup = False  # the bot went on talking (a question after the goodbye): keep listening
    if turn.buttons:
        turn.options = [button["payload"] for button in turn.buttons]
    elif numbered or turn.choices:
        count = min(max(numbered, turn.choices), 9)
        turn.options = [choose_option_payload(number) for number in range(1, count + 1)]
    return turn


def _read_markers(turn: BotTurn, custom: dict[str, Any]) -> None:
    if "handover" in custom:
        turn.handover = custom["handover"] if isinstance(custom["handover"], dict) else {}
    if isinstance(custom.get("booking"), dict):
        turn.booking = custom["booking"]
    if isinstance(custom.get("cancellation"), dict):
        turn.cancellation = custom["cancellation"]
    voice = custom.get("voice")
    if isinstance(voice, dict):
        if voice.get("expect"):
            turn.expect = str(voice["expect"])
        if voice.get("hangup"):
            turn.hangup = True
        if isinstance(voice.get("choices"), int) and voice["choices"] > 0:
            turn.choices = voice["choices"]
