"""Conversations from Rasa's SQL tracker store.

Rasa keeps every event of every conversation in one table, `events` (sender_id, type_name,
timestamp, intent_name, action_name, data = the event as JSON). `conversations_from_events`
turns such rows into `Conversation` records (pure); `read_tracker_rows` reads them (SQLAlchemy
Core, any dialect Rasa supports). What a conversation came to is read from what Rasa recorded:
  * hand-over: a bot message with `custom: {"handover": {"reason": ...}}`
  * booked / rescheduled / cancelled / checked: the response name (`utter_action` in the bot
    event's metadata) utter_booked, utter_rescheduled, utter_cancelled, utter_appointment_details
    (a `custom.booking` marker counts as booked too)
  * abandoned: a form was still active when the conversation went quiet
Sessions are split at `session_started` events, as Rasa does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Iterable, Iterator, Optional

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Engine

from monitoring.records import Conversation

CHANNEL_NAMES = {"voice": "phone", "webchat": "chat"}
START_MESSAGES = frozenset({"/greet", "/next_step"})  # sent by the channel or gateway, not typed or said
OUTCOME_RESPONSES = {
    "utter_booked": "booked",
    "utter_rescheduled": "rescheduled",
    "utter_cancelled": "cancelled",
    "utter_appointment_details": "checked",
}
OUTCOME_ORDER = ("booked", "rescheduled", "cancelled", "checked")
IDLE = timedelta(minutes=30)

# Rasa's own table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent); the generator and
# the tests create it with this definition.
metadata = MetaData()
events_table = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class EventRow:
    sender_id: str
    type_name: str
    timestamp: float
    data: dict[str, Any]


def channel_name(input_channel: Optional[str]) -> str:
    if not input_channel:
        return "unknown"
    return CHANNEL_NAMES.get(input_channel, input_channel)


def _sessions(rows: Iterable[EventRow]) -> Iterator[list[EventRow]]:
    by_sender: dict[str, list[list[EventRow]]] = {}
    for row in rows:
        sessions = by_sender.setdefault(row.sender_id, [[]])
        if row.type_name == "session_started" and sessions[-1]:
            sessions.append([])
        sessions[-1].append(row)
    for sessions in by_sender.values():
        yield from sessions


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


def _conversation(conversation_id: str, events: list[EventRow], now: datetime) -> Optional[Conversation]:
    users = [e for e in events if e.type_name == "user"]
    if not users:
        return None
    channel = channel_name(users[0].data.get("input_channel"))
    turns = 0
    handover: Optional[str] = None
    outcomes: dict[str, int] = {}  # outcome -> user turns when it happened
    code: Optional[str] = None
    move_in: Optional[date] = None
    offered: list[datetime] = []
    form_open = False
    for event in events:
        data = event.data
        if event.type_name == "user":
            if (data.get("text") or "").strip() not in START_MESSAGES:
                turns += 1
        elif event.type_name == "bot":
            custom = (data.get("data") or {}).get("custom") or {}
            if isinstance(custom, dict) and isinstance(custom.get("handover"), dict) and handover is None:
                handover = str(custom["handover"].get("reason") or "unknown")
            response = (data.get("metadata") or {}).get("utter_action")
            outcome = OUTCOME_RESPONSES.get(response or "")
            if outcome is None and isinstance(custom, dict) and isinstance(custom.get("booking"), dict):
                outcome = "booked"
            if outcome is not None:
                outcomes.setdefault(outcome, turns)
        elif event.type_name == "slot":
            name, value = data.get("name"), data.get("value")
            if name == "booking_code" and value:
                code = str(value)
            elif name == "move_in_date" and value:
                try:
                    move_in = date.fromisoformat(str(value)[:10])
                except ValueError:
                    pass
            elif name == "offered_slots" and isinstance(value, list):
                for offer in value:
                    try:
                        offered.append(datetime.fromisoformat(offer["start"]))
                    except (KeyError, TypeError, ValueError):
                        continue
        elif event.type_name == "active_loop":
            form_open = bool(data.get("name"))
    started, ended = _moment(users[0].timestamp), _moment(events[-1].timestamp)
    if handover is not None:
        outcome = "handover"
    else:
        outcome = next((o for o in OUTCOME_ORDER if o in outcomes), "abandoned" if form_open else "answered")
    return Conversation(
        conversation_id=conversation_id,
        channel=channel,
        started_at=started,
        ended_at=ended,
        user_turns=turns,
        outcome=outcome,
        handover_reason=handover,
        turns_to_booking=outcomes.get("booked") if outcome == "booked" else None,
        booking_code=code,
        move_in=move_in,
        offered_starts=tuple(offered),
        form_open_at_end=form_open,
        ongoing=now - ended < IDLE,
    )


def conversations_from_events(rows: Iterable[EventRow], now: datetime) -> list[Conversation]:
    """Every session with at least one user message, sorted by start. The n-th such session
    of sender S gets the id "S#n"; the first one is plain "S"."""
    result = []
    counts: dict[str, int] = {}
    for session in _sessions(rows):
        sender = session[0].sender_id
        if not any(e.type_name == "user" for e in session):
            continue
        counts[sender] = counts.get(sender, 0) + 1
        name = sender if counts[sender] == 1 else f"{sender}#{counts[sender]}"
        conversation = _conversation(name, session, now)
        if conversation is not None:
            result.append(conversation)
    result.sort(key=lambda c: (c.started_at, c.conversation_id))
    return result


def tracker_engine(url: str) -> Engine:
    """An engine for Rasa's tracker URL. Rasa (Python 3.10) talks to PostgreSQL through
    psycopg2; this environment has psycopg 3, so a plain postgresql:// URL is read with it."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_engine(url, hide_parameters=True)  # conversation texts stay out of error messages


def read_tracker_rows(engine: Engine, since: Optional[datetime] = None) -> list[EventRow]:
    """Events from `since` on (a day earlier, so sessions that began before are whole)."""
    stmt = select(events_table.c.sender_id, events_table.c.type_name, events_table.c.timestamp,
                  events_table.c.data).order_by(events_table.c.sender_id, events_table.c.id)
    if since is not None:
        stmt = stmt.where(events_table.c.timestamp >= (since - timedelta(days=1)).timestamp())
    rows: list[EventRow] = []
    if not inspect(engine).has_table("events"):
        return rows  # Rasa has not written a conversation yet
    with engine.connect() as connection:
        for sender, type_name, timestamp, data in connection.execute(stmt):
            try:
                parsed = json.loads(data) if data else {}
            except ValueError:
                parsed = {}
            rows.append(EventRow(sender, type_name, float(timestamp or parsed.get("timestamp") or 0.0),
                                 parsed if isinstance(parsed, dict) else {}))
    return rows


def purge_conversations(engine: Engine, before: datetime, batch: int = 500) -> int:
    """Retention: delete every conversation whose *last* event is older than `before`, with all
    its events (what the citizen said, names and numbers in slots). A conversation that is still
    going on keeps everything. Returns how many conversations were deleted."""
    if not inspect(engine).has_table("events"):
        return 0
    quiet = (select(events_table.c.sender_id).group_by(events_table.c.sender_id)
             .having(func.max(events_table.c.timestamp) < before.timestamp()))
    with engine.begin() as connection:
        senders = [row[0] for row in connection.execute(quiet)]
        for start in range(0, len(senders), batch):
            chunk = senders[start:start + batch]
            connection.execute(delete(events_table).where(events_table.c.sender_id.in_(chunk)))
    return len(senders)


def tracker_engine_if_present(url: str) -> Optional[Engine]:
    """The tracker engine, or None while an SQLite tracker file does not exist yet (reading
    must not create an empty database where Rasa will put its own)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            from pathlib import Path

            if not Path(database).exists():
                return None
    return tracker_engine(url)
