"""The hand-over record and the rules around it (no I/O besides reading the German YAML)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

import yaml

from common.clock import BERLIN

REASONS = ("requested", "not_understood", "verification_failed", "technical_failure", "out_of_scope")
CHANNELS = ("webchat", "voice")
# open: waiting for an agent; taken: an agent holds it; done: finished; returned: given back
# to the bot; callback: nobody could take it now, a callback was arranged instead.
STATUSES = ("open", "taken", "done", "returned", "callback")
AGENT_HOLDS = ("open", "taken")  # while a chat hand-over is in one of these, the bot is silent
SPEAKERS = ("citizen", "bot", "agent", "system")
CALLBACK_STATUSES = ("open", "done")
ROLES = ("agent", "admin")  # an admin may do everything an agent may


def role_rank(role: str) -> int:
    return ROLES.index(role) + 1 if role in ROLES else 0


@dataclass(frozen=True)
class AgentIdentity:
    """A signed-in 115 agent (see gateway/auth.py)."""

    id: int
    name: str
    role: str

    def has_role(self, role: str) -> bool:
        return role_rank(self.role) >= role_rank(role)

_SUMMARY_FILE = Path(__file__).with_name("summary_de.yml")


@lru_cache(maxsize=1)
def german() -> dict[str, Any]:
    """The German words of summaries and labels (handover/summary_de.yml)."""
    words: dict[str, Any] = yaml.safe_load(_SUMMARY_FILE.read_text(encoding="utf-8"))
    return words


@dataclass(frozen=True)
class TranscriptLine:
    at: datetime
    speaker: str  # one of SPEAKERS
    text: str
    confidence: Optional[float] = None  # speech recognition confidence (calls only)
    intent: Optional[str] = None


@dataclass(frozen=True)
class NewHandover:
    """What the bot knows when it hands over (written through `HandoverPort.record_handover`)."""

    conversation_id: str
    channel: str
    reason: str
    summary: str
    fields: Mapping[str, Any]
    transcript: Sequence[TranscriptLine]
    phone: Optional[str] = None  # E.164 where known (caller ID or the number given)
    booking_code: Optional[str] = None
    status: str = "open"

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown hand-over reason {self.reason!r}")
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


@dataclass(frozen=True)
class Handover:
    id: int
    conversation_id: str
    channel: str
    reason: str
    status: str
    summary: str
    fields: Mapping[str, Any]
    created_at: datetime
    phone: Optional[str] = None
    booking_code: Optional[str] = None
    agent_id: Optional[int] = None
    agent_name: Optional[str] = None
    updated_at: Optional[datetime] = None
    transcript: tuple[TranscriptLine, ...] = ()


@dataclass(frozen=True)
class NewCallback:
    phone: str
    channel: str
    window: str = ""  # the preferred time, as the caller said it
    handover_reference: Optional[str] = None
    conversation_id: Optional[str] = None
    due_at: Optional[datetime] = None  # earliest hotline time the callback can be made


@dataclass(frozen=True)
class Callback:
    id: int
    phone: str
    channel: str
    window: str
    status: str
    created_at: datetime
    due_at: Optional[datetime] = None
    handover_reference: Optional[str] = None
    conversation_id: Optional[str] = None


@dataclass(frozen=True)
class ChatMessage:
    """A message of the live chat between citizen and agent after the hand-over."""

    id: int
    handover_id: int
    at: datetime
    sender: str  # citizen | agent | system
    text: str
    agent_name: Optional[str] = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    agent_id: Optional[int]
    agent_name: str
    action: str  # e.g. "open_transcript", "export_phone"
    handover_id: Optional[int] = None
    detail: str = ""


# --- the summary ---------------------------------------------------------------------------


def _offered_text(offers: Iterable[Mapping[str, Any]]) -> str:
    words = german()
    items = []
    for offer in offers:
        try:
            items.append(words["offered_item"].format(**{k: offer.get(k, "") for k in ("day", "time", "location_name")}))
        except (AttributeError, KeyError):
            continue
    return str(words["offered_joiner"]).join(items)


def build_summary(fields: Mapping[str, Any], callback_number: Optional[str] = None) -> str:
    """ "Anliegen: Reisepass · Wunsch: Altona, Dienstag vormittags · bereits angeboten: … ·
    Rückrufnummer: …" from the structured fields (display values already resolved)."""
    words = german()
    parts = words["parts"]
    out: list[str] = []
    if fields.get("service"):
        out.append(parts["service"].format(value=fields["service"]))
    wish = [str(fields[k]) for k in ("location", "when") if fields.get(k)]
    if wish:
        out.append(parts["wish"].format(value=words["wish_joiner"].join(wish)))
    offered = _offered_text(fields.get("offered") or [])
    if offered:
        out.append(parts["offered"].format(value=offered))
    if fields.get("booking_code"):
        out.append(parts["booking_code"].format(value=fields["booking_code"]))
    if callback_number:
        out.append(parts["callback_number"].format(value=callback_number))
    if fields.get("callback_window"):
        out.append(parts["callback_window"].format(value=fields["callback_window"]))
    if not out and fields.get("last_words"):
        out.append(parts["last_words"].format(value=fields["last_words"]))
    return str(words["separator"]).join(out) if out else str(words["empty"])


# --- phone numbers -------------------------------------------------------------------------

_DIGITS = re.compile(r"\D+")


def mask_phone(phone: Optional[str]) -> str:
    """+494012345667 -> "+49 40 ••• ••67": country and area code stay, the rest is hidden but
    the last two digits (enough to tell two callers apart on the phone)."""
    if not phone:
        return ""
    digits = _DIGITS.sub("", phone)
    if len(digits) < 6:
        return "•••"
    if phone.strip().startswith("+") and digits.startswith("49"):
        return f"+49 {digits[2:4]} ••• ••{digits[-2:]}"
    if phone.strip().startswith("+"):
        return f"+{digits[:2]} ••• ••{digits[-2:]}"
    return f"{digits[:3]} ••• ••{digits[-2:]}"


# --- hotline hours -------------------------------------------------------------------------

_HOURS = re.compile(r"^\s*(\d)\s*-\s*(\d)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class HotlineHours:
    """When agents answer: ISO weekdays first_day..last_day, opens..closes (Europe/Berlin).
    Setting syntax: "1-5 08:00-18:00" (Monday to Friday, 8 to 18)."""

    first_day: int = 1
    last_day: int = 5
    opens: time = time(8, 0)
    closes: time = time(18, 0)

    @classmethod
    def parse(cls, text: str) -> HotlineHours:
        match = _HOURS.match(text or "")
        if not match:
            raise ValueError(f"HOTLINE_HOURS must look like '1-5 08:00-18:00', not {text!r}")
        d1, d2, h1, m1, h2, m2 = (int(g) for g in match.groups())
        return cls(d1, d2, time(h1, m1), time(h2, m2))

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(BERLIN)
        return self.first_day <= local.isoweekday() <= self.last_day and self.opens <= local.time() < self.closes

    def next_opening(self, moment: datetime) -> datetime:
        """The moment itself when open, else the next opening time."""
        from datetime import timedelta

        local = moment.astimezone(BERLIN)
        if self.is_open(local):
            return local
        day = local.date()
        for offset in range(8):
            candidate_day = day + timedelta(days=offset)
            if not self.first_day <= candidate_day.isoweekday() <= self.last_day:
                continue
            opening = datetime.combine(candidate_day, self.opens, tzinfo=BERLIN)
            if opening > local:
                return opening
        return local


@dataclass(frozen=True)
class Export:
    """Everything stored about one phone number (see `python -m handover export`)."""

    phone: str
    handovers: list[Handover] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)
    messages: list[ChatMessage] = field(default_factory=list)
