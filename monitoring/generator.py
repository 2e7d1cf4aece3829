"""A seeded load generator: realistic, reproducible traffic for demos and tests.

It drives the booking store through the port (search, hold, confirm, cancel, reschedule) on a
simulated clock that walks through the last `days` days, and writes the conversations that
would have led to those bookings into a table shaped like Rasa's tracker store (`events`), with
the same event JSON Rasa writes (user / bot / slot / active_loop / session_started). The same
seed, store and end time give the same figures.

No personal data: names are "Testperson N", phone numbers come from the fictional range
+49 40 99 99 ... and are never printed.
"""
from __future__ import annotations

import json
import random
import time as timer
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Optional

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from booking_adapter.catalogue import Catalogue, default_catalogue
from booking_adapter.db import Engines
from booking_adapter.policies import Policies
from booking_adapter.port import Appointment, BookingError, Contact, Slot, SlotQuery
from booking_adapter.sqlalchemy_port import SqlAlchemyBookingPort
from common.clock import BERLIN
from monitoring.tracker import events_table, metadata

MOVE_SERVICE = "wohnsitz_anmelden"
SERVICES = (  # what people come for, with weights
    ("personalausweis", 30), ("reisepass", 20), ("meldebescheinigung", 8), ("fuehrungszeugnis", 6),
    ("kinderreisepass", 6), ("wohnsitz_abmelden", 4), ("eid_pin", 4), ("ausweis_verlust", 3),
    ("express_reisepass", 2),
)
KINDS = (("book", 48), ("move", 12), ("cancel", 8), ("reschedule", 7), ("question", 14), ("handover", 11))
# the reasons of handover/domain.py
REASONS = (("requested", 45), ("not_understood", 20), ("out_of_scope", 15), ("verification_failed", 12),
           ("technical_failure", 8))
QUESTIONS = ("utter_opening_hours", "utter_documents", "utter_fee", "utter_online_possible")
CHANNEL_NAMES = {"phone": "voice", "chat": "webchat"}


@dataclass(frozen=True)
class GeneratorConfig:
    seed: int = 1
    days: int = 28
    conversations_per_day: int = 30
    phone_share: float = 0.35
    # location -> days its calendar is booked out (for the chat channel) from the end on
    backlog: tuple[tuple[str, int], ...] = (("blankenese", 20), ("finkenwerder", 17))
    backlog_service: str = "personalausweis"
    backlog_persons: int = 6  # block bookings fill a calendar with few writes


@dataclass
class GenerationSummary:
    conversations: int = 0
    bookings: int = 0
    agent_bookings: int = 0
    cancellations: int = 0
    reschedules: int = 0
    handovers: int = 0
    abandoned: int = 0
    backlog_bookings: int = 0
    events: int = 0
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


class SimClock:
    def __init__(self, start: datetime):
        self.now = start.astimezone(BERLIN)

    def __call__(self) -> datetime:
        return self.now


def _weighted(rng: random.Random, options) -> Any:
    values, weights = zip(*options)
    return rng.choices(values, weights=weights, k=1)[0]


class _Tracker:
    """Collects tracker events in Rasa's shape; written in batches."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.rows: list[dict[str, Any]] = []
        self.count = 0

    def add(self, sender: str, at: datetime, event: dict[str, Any]) -> None:
        event = {**event, "timestamp": at.timestamp()}
        name = event["event"]
        self.rows.append({
            "sender_id": sender, "type_name": name, "timestamp": at.timestamp(),
            "intent_name": ((event.get("parse_data") or {}).get("intent") or {}).get("name"),
            "action_name": event.get("name") if name == "action" else None,
            "data": json.dumps(event, ensure_ascii=False),
        })
        if len(self.rows) >= 2000:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            with self.engine.begin() as connection:
                connection.execute(insert(events_table), self.rows)
            self.count += len(self.rows)
            self.rows = []


class _Dialogue:
    """One conversation session: writes its events and moves the clock as it goes."""

    def __init__(self, gen: Generator, sender: str, channel: str):
        self.gen, self.sender, self.channel = gen, sender, channel
        self.input_channel = CHANNEL_NAMES[channel]
        gen.tracker.add(sender, gen.clock.now, {"event": "action", "name": "action_session_start"})
        gen.tracker.add(sender, gen.clock.now, {"event": "session_started"})
        if channel == "phone":
            self.user("/greet", "greet")
            self.bot("utter_greet")

    def tick(self, low: int = 4, high: int = 40) -> None:
        self.gen.clock.now += timedelta(seconds=self.gen.rng.randint(low, high))

    def user(self, text: str, intent: str) -> None:
        self.tick()
        self.gen.tracker.add(self.sender, self.gen.clock.now, {
            "event": "user", "text": text, "input_channel": self.input_channel,
            "message_id": f"{self.gen.rng.getrandbits(128):032x}", "metadata": {},
            "parse_data": {"intent": {"name": intent, "confidence": 0.95}, "entities": [], "text": text},
        })

    def bot(self, response: str, custom: Optional[dict] = None) -> None:
        self.tick(1, 2)
        self.gen.tracker.add(self.sender, self.gen.clock.now, {
            "event": "bot", "text": None, "metadata": {"utter_action": response},
            "data": {"elements": None, "quick_replies": None, "buttons": None, "attachment": None,
                     "image": None, "custom": custom},
        })

    def slot(self, name: str, value: Any) -> None:
        self.gen.tracker.add(self.sender, self.gen.clock.now, {"event": "slot", "name": name, "value": value})

    def form(self, name: Optional[str]) -> None:
        self.gen.tracker.add(self.sender, self.gen.clock.now, {"event": "active_loop", "name": name})

    def handover(self, reason: str) -> None:
        self.bot("utter_handover", {"handover": {"reason": reason}})
        self.form(None)


class Generator:
    def __init__(self, engines: Engines, tracker: Engine, end: datetime, config: GeneratorConfig,
                 catalogue: Optional[Catalogue] = None, policies: Optional[Policies] = None):
        self.config = config
        self.end = end.astimezone(BERLIN)
        self.rng = random.Random(config.seed)
        self.clock = SimClock(self.end - timedelta(days=config.days + 1))
        self.port = SqlAlchemyBookingPort(engines, catalogue or default_catalogue(), self.clock, policies)
        metadata.create_all(tracker, checkfirst=True)
        self.tracker = _Tracker(tracker)
        self.summary = GenerationSummary()
        self.appointments: list[tuple[Appointment, str]] = []  # (appointment, phone)
        self._people = 0

    # --- helpers ------------------------------------------------------------------------------

    def _person(self) -> Contact:
        self._people += 1
        return Contact(name=f"Testperson {self._people}", phone=f"+494099{self._people:06d}")

    def _hold_offers(self, sender: str, slots: list[Slot], channel: str) -> list[tuple[str, Slot]]:
        held = []
        for slot in slots:
            try:
                held.append((self.port.hold(slot, sender, channel).hold_id, slot))
            except BookingError:
                continue
        return held

    @staticmethod
    def _offer_values(held: list[tuple[str, Slot]]) -> list[dict[str, Any]]:
        return [{"hold_id": hold_id, "start": slot.start.astimezone(BERLIN).isoformat(),
                 "location_key": slot.location_key, "location_name": slot.location_name}
                for hold_id, slot in held]

    # --- the dialogues ------------------------------------------------------------------------

    def _booking(self, talk: _Dialogue, move: bool) -> None:
        rng, today = self.rng, self.clock.now.date()
        talk.user("/book_appointment", "book_appointment")
        talk.form("booking_form")
        if move:
            service = MOVE_SERVICE
            move_in = today - timedelta(days=rng.randint(-3, 18))
            talk.slot("service", service)
            talk.user("/inform", "inform")
            talk.slot("move_in_date", move_in.isoformat())
        else:
            service = _weighted(rng, SERVICES)
            talk.slot("service", service)
        locations = [loc.key for loc in self.port.locations(service)]
        location = rng.choice(locations) if rng.random() < 0.55 else None
        talk.user("/inform", "inform")
        talk.slot("location", location or "egal")
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):  # repairs, questions in between
            talk.user("/inform", "inform")
            talk.bot("utter_please_rephrase")
        if rng.random() < 0.04:
            talk.handover("not_understood")
            self.summary.handovers += 1
            return
        if move:
            found = self.port.move_deadline(move_in, (location,) if location else None, talk.channel)
            slots = list(found.slots_before_deadline[:3]) or ([found.earliest_slot] if found.earliest_slot else [])
        else:
            wait = 0 if rng.random() < 0.6 else rng.randint(3, 30)
            slots = self.port.find_slots(SlotQuery((service,), (location,) if location else None,
                                                   earliest=today + timedelta(days=wait), limit=3,
                                                   channel=talk.channel))
        held = self._hold_offers(talk.sender, slots, talk.channel)
        if not held:
            talk.bot("utter_no_slots")
            talk.form(None)
            return
        talk.slot("offered_slots", self._offer_values(held))
        talk.bot("utter_offer_slots")
        if rng.random() < 0.12:  # the person leaves with the form open; the holds expire
            self.summary.abandoned += 1
            return
        hold_id, _slot = held[rng.randrange(len(held))]
        talk.user("/choose_option", "choose_option")
        talk.slot("chosen_slot", hold_id)
        self.port.release_holds(talk.sender, keep=hold_id)
        person = self._person()
        talk.user("/inform", "inform")
        talk.user("/inform", "inform")
        talk.bot("utter_ask_booking_confirmed")
        if rng.random() < 0.05:
            talk.user("/deny", "deny")
            self.port.release_holds(talk.sender)
            talk.bot("utter_booking_declined")
            talk.form(None)
            return
        talk.user("/affirm", "affirm")
        try:
            appointment = self.port.confirm(hold_id, person, talk.channel)
        except BookingError:
            talk.bot("utter_booking_failed")
            talk.form(None)
            return
        talk.bot("utter_booked", {"booking": {"code": appointment.code}})
        talk.form(None)
        talk.slot("booking_code", appointment.code)
        self.appointments.append((appointment, person.phone or ""))
        self.summary.bookings += 1

    def _future_appointment(self) -> Optional[tuple[int, Appointment, str]]:
        now = self.clock.now
        live = [(i, a, p) for i, (a, p) in enumerate(self.appointments)
                if a.status == "confirmed" and a.start > now + timedelta(hours=2)]
        return self.rng.choice(live) if live else None

    def _cancel(self, talk: _Dialogue) -> bool:
        chosen = self._future_appointment()
        if chosen is None:
            return False
        index, appointment, phone = chosen
        talk.user("/cancel_appointment", "cancel_appointment")
        talk.form("manage_form")
        talk.user("/inform", "inform")
        talk.user("/inform", "inform")
        talk.bot("utter_ask_manage_confirmed_cancel")
        talk.user("/affirm", "affirm")
        self.appointments[index] = (self.port.cancel(appointment.code, phone), phone)
        talk.bot("utter_cancelled")
        talk.form(None)
        self.summary.cancellations += 1
        return True

    def _reschedule(self, talk: _Dialogue) -> bool:
        chosen = self._future_appointment()
        if chosen is None:
            return False
        index, appointment, phone = chosen
        talk.user("/reschedule_appointment", "reschedule_appointment")
        talk.form("manage_form")
        talk.user("/inform", "inform")
        talk.user("/inform", "inform")
        slots = self.port.find_slots(SlotQuery(
            appointment.service_keys, None, earliest=self.clock.now.date() + timedelta(days=self.rng.randint(1, 20)),
            limit=3, channel=talk.channel))
        held = self._hold_offers(talk.sender, slots, talk.channel)
        if not held:
            talk.bot("utter_no_slots")
            talk.form(None)
            return True
        talk.slot("offered_slots", self._offer_values(held))
        talk.bot("utter_offer_slots")
        hold_id, _ = held[0]
        talk.user("/choose_option", "choose_option")
        self.port.release_holds(talk.sender, keep=hold_id)
        talk.user("/affirm", "affirm")
        try:
            moved = self.port.reschedule(appointment.code, phone, hold_id)
        except BookingError:
            talk.bot("utter_booking_failed")
            talk.form(None)
            return True
        self.appointments[index] = (moved, phone)
        talk.bot("utter_rescheduled")
        talk.form(None)
        talk.slot("booking_code", moved.code)
        self.summary.reschedules += 1
        return True

    def _handover(self, talk: _Dialogue) -> None:
        rng = self.rng
        for _ in range(rng.randint(1, 4)):
            talk.user("/inform", "inform")
            talk.bot("utter_please_rephrase")
        talk.handover(_weighted(rng, REASONS))
        self.summary.handovers += 1
        if rng.random() < 0.4:  # the agent books for the person in the console
            self.clock.now += timedelta(minutes=rng.randint(2, 15))
            service = _weighted(rng, SERVICES)
            slots = self.port.find_slots(SlotQuery((service,), None, limit=1, channel="agent"))
            held = self._hold_offers(f"agent-{talk.sender}", slots, "agent")
            if held:
                person = self._person()
                appointment = self.port.confirm(held[0][0], person, "agent")
                self.appointments.append((appointment, person.phone or ""))
                self.summary.agent_bookings += 1

    def conversation(self, number: int, start: datetime) -> None:
        rng = self.rng
        self.clock.now = start
        channel = "phone" if rng.random() < self.config.phone_share else "chat"
        sender = f"{'call' if channel == 'phone' else 'chat'}-{self.config.seed}-{number:06d}"
        talk = _Dialogue(self, sender, channel)
        kind = _weighted(rng, KINDS)
        if (kind == "cancel" and not self._cancel(talk)) or (kind == "reschedule" and not self._reschedule(talk)):
            kind = "question"
        if kind in ("book", "move"):
            self._booking(talk, move=kind == "move")
        elif kind == "handover":
            self._handover(talk)
        elif kind == "question":
            talk.user("/ask", "ask_question")
            talk.bot(rng.choice(QUESTIONS))
            if rng.random() < 0.3:
                talk.user("/thank", "thank")
                talk.bot("utter_you_are_welcome")
        self.summary.conversations += 1
        self.summary.by_kind[kind] = self.summary.by_kind.get(kind, 0) + 1

    # --- the run ------------------------------------------------------------------------------

    def fill_backlog(self) -> None:
        """Book out the chat calendar of busy locations from the end day on, at the start of
        the simulation (block bookings of several persons)."""
        for location, days in self.config.backlog:
            until = self.end.date() + timedelta(days=days)
            n = 0
            for persons in (self.config.backlog_persons, 3, 1):
                while True:
                    found = self.port.find_slots(SlotQuery(
                        (self.config.backlog_service,), (location,), earliest=self.end.date(), latest=until - timedelta(days=1),
                        persons=persons, limit=20, channel="chat"))
                    if not found:
                        break
                    for slot in found:
                        sender = f"backlog-{location}-{n}"
                        n += 1
                        held = self._hold_offers(sender, [slot], "chat")
                        if held:
                            self.port.confirm(held[0][0], Contact(name=f"Sammeltermin {n}"), "chat")
                            self.summary.backlog_bookings += 1

    def run(self) -> GenerationSummary:
        started = timer.perf_counter()
        self.clock.now = self.end - timedelta(days=self.config.days + 1)
        self.fill_backlog()
        number = 0
        first = self.end.date() - timedelta(days=self.config.days - 1)
        for offset in range(self.config.days):
            day = first + timedelta(days=offset)
            share = 0.15 if day.weekday() == 6 else 0.5 if day.weekday() == 5 else 1.0
            count = round(self.config.conversations_per_day * share * self.rng.uniform(0.8, 1.2))
            opening = datetime.combine(day, time(7, 30), BERLIN)
            starts = sorted(opening + timedelta(seconds=self.rng.randint(0, 12 * 3600)) for _ in range(count))
            for start in starts:
                if start >= self.end:
                    break
                number += 1
                self.conversation(number, start)
        self.tracker.flush()
        self.summary.events = self.tracker.count
        self.summary.seconds = timer.perf_counter() - started
        return self.summary


def generate(engines: Engines, tracker: Engine, end: datetime, config: GeneratorConfig = GeneratorConfig(),
             catalogue: Optional[Catalogue] = None, policies: Optional[Policies] = None) -> GenerationSummary:
    """Fill the booking store (schema seeded already) and the tracker table with traffic
    ending at `end`."""
    return Generator(engines, tracker, end, config, catalogue, policies).run()
