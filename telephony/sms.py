"""SMS confirmations of bookings and cancellations.

`SmsSender` is the interface; `TwilioSmsSender` sends through Twilio's REST client (built in
`build_telephony` only when credentials and a sender are configured), `DisabledSmsSender`
stands in otherwise, `RecordingSmsSender` keeps messages for tests and the simulator.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Protocol

import phonenumbers

from telephony.texts import Messages

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    enabled: bool

    def send(self, to: str, body: str) -> None:
        """Send one SMS; raises on failure (the caller logs it)."""


class DisabledSmsSender:
    enabled = False

    def __init__(self, reason: str = "not configured"):
        self.reason = reason

    def send(self, to: str, body: str) -> None:
        raise RuntimeError(f"SMS is off ({self.reason})")


class TwilioSmsSender:
    """Sends through `client.messages.create`; `sender` is a number or a Messaging Service SID."""

    enabled = True

    def __init__(self, client: Any, sender: str):
        self.client = client
        self.sender = sender

    def send(self, to: str, body: str) -> None:
        if self.sender.startswith("MG"):
            self.client.messages.create(to=to, body=body, messaging_service_sid=self.sender)
        else:
            self.client.messages.create(to=to, body=body, from_=self.sender)


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str


class RecordingSmsSender:
    """Keeps what would have been sent; `echo` (e.g. print) shows it as it happens."""

    enabled = True

    def __init__(self, echo: Optional[Callable[[SentSms], None]] = None):
        self.sent: list[SentSms] = []
        self._echo = echo
        self._lock = threading.Lock()

    def send(self, to: str, body: str) -> None:
        message = SentSms(to, body)
        with self._lock:
            self.sent.append(message)
        if self._echo:
            self._echo(message)


class OutboxSmsSender:
    """Writes each SMS as a JSON line to a file instead of sending it (local runs, e2e tests)."""

    enabled = True

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def send(self, to: str, body: str) -> None:
        line = json.dumps(asdict(SentSms(to, body)), ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as outbox:
                outbox.write(line + "\n")

    def read(self) -> list[SentSms]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [SentSms(**json.loads(line)) for line in lines if line.strip()]


def can_receive_sms(number: Optional[str]) -> bool:
    """Mobile numbers only: a confirmation sent to a landline would fail at Twilio."""
    if not number:
        return False
    try:
        parsed = phonenumbers.parse(number, "DE")
    except phonenumbers.NumberParseException:
        return False
    kind = phonenumbers.number_type(parsed)
    return phonenumbers.is_valid_number(parsed) and kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def e164(number: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(number, "DE"), phonenumbers.PhoneNumberFormat.E164)


def compose(kind: str, payload: dict[str, Any], messages: Messages) -> str:
    """The SMS text for a booking or cancellation marker (German, from messages_de.yml)."""
    code = str(payload.get("code") or "")
    if kind == "cancellation":
        return messages.format("sms_cancellation", code=code)
    day, time, location = payload.get("day"), payload.get("time"), payload.get("location_name")
    if day and time and location:
        body = messages.format("sms_booking", day=day, time=time, location=location, code=code)
    else:
        body = messages.format("sms_booking_short", code=code)
    documents = [str(item) for item in payload.get("documents") or []]
    if documents:  # the phone does not read the list out when the SMS carries it
        body += " " + messages.format("sms_documents", documents=", ".join(documents))
    return body
