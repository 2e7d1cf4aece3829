"""Play the independent conversation corpus (eval/dialogues/) against the real public entry points.

    .venv/bin/python eval/dialogues/run.py --set heldout           # report on the held-out set
    .venv/bin/python eval/dialogues/run.py --set dev --failures    # what to fix, with transcripts
    .venv/bin/python eval/dialogues/run.py --set dev --fast        # the subset `make test` runs

Starts the real Rasa server, action server and gateway on spare ports with a fresh SQLite store
and the clock pinned to Monday 2 March 2026 10:00 (the corpus's day). Chat conversations go to
the gateway's POST /api/chat; phone conversations to the /voice webhooks, signed with Twilio's
RequestValidator as Twilio signs them. The runner plays the citizen of BRIEF.md: it says the
opening turns, then reads from Rasa's tracker which question is open (the form's requested
slot, or the last response) and gives the corpus's answer for that kind of question.

Scored per conversation, from the store (not from what the bot said):
- completed: the expected outcome (booked / cancelled / rescheduled / checked / nothing /
  handover / info) with the expected service, place, day range, time window and name;
- wrong booking: a new or moved appointment the citizen did not confirm, or one different
  from the slot held when they said yes;
- 5xx turns (any HTTP status >= 500) and unanswered turns (no text at all in the reply);
- turns to a completed booking; turn latency (p50 / p95).
Exit code 1 when a target is missed (only with --targets).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Optional

import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from babel.dates import format_date  # noqa: E402

from booking_adapter.bootstrap import build_booking_port  # noqa: E402
from booking_adapter.port import Contact, SlotQuery  # noqa: E402
from common.clock import BERLIN  # noqa: E402
from common.settings import Settings  # noqa: E402
from german.formatting import spoken_code  # noqa: E402
from launcher.stack import MODEL, Ports, Stack, stack_environment  # noqa: E402
from telephony.simulator import SignedPhone, http_transport, say_text  # noqa: E402

FOLDER = Path(__file__).resolve().parent
NOW = "2026-03-02T10:00:00+01:00"
MAX_TURNS = 24
TARGETS = {"completion": 0.90, "wrong_bookings": 0, "5xx": 0, "unanswered": 0, "median_chat_turns": 7}

# The form's open question -> the corpus's answer key.
SLOT_ANSWERS = {
    "service": "service", "location": "location", "when": "when", "chosen_slot": "choice",
    "person_name": "name", "phone_number": "phone", "booking_confirmed": "confirm",
    "move_in_date": "move_in_date", "manage_code": "code", "manage_phone": "phone",
    "manage_confirmed": "confirm", "callback_phone": "phone", "callback_window": "when",
}
DEFAULTS = {
    "location": "egal", "choice": "den ersten", "confirm": "ja", "phone": "nein danke",
    "online": "ich möchte trotzdem einen Termin", "anything_else": "nein danke",
    "when": "so bald wie möglich",
}
# Responses that end the citizen's request: afterwards the citizen only answers "anything else?".
TERMINAL = {"utter_booked", "utter_cancelled", "utter_rescheduled", "utter_appointment_details", "utter_stopped",
            "utter_goodbye", "utter_booking_declined", "utter_nothing_changed"}
# Responses after which the bot waits for an answer outside a form.
RESPONSE_ANSWERS = {
    "utter_online_possible": "online", "utter_anything_else": "anything_else", "utter_booked": "anything_else",
    "utter_cancelled": "anything_else", "utter_rescheduled": "anything_else",
    # "Wie kann ich Ihnen helfen?": the citizen says what they came for
    "utter_greet": "service", "utter_how_can_i_help": "service", "utter_start_over": "service",
    "utter_iamabot": "confirm",  # "Wenn Sie möchten, verbinde ich Sie mit einem Menschen."
}


@dataclass
class Result:
    conversation: dict
    completed: bool = False
    wrong_booking: bool = False
    turns: int = 0
    errors: int = 0  # 5xx
    unanswered: int = 0
    latencies: list[float] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    reason: str = ""


def load(name: str) -> list[dict]:
    conversations = []
    for path in sorted((FOLDER / name).glob("*.yml")):
        conversations += yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
    return conversations


# ------------------------------------------------------------------------ the citizen's side


class Citizen:
    """Talks through one public entry point and reads the open question from Rasa's tracker."""

    def __init__(self, stack: Stack, conversation: dict, code: Optional[str]):
        self.stack = stack
        self.conversation = conversation
        self.code = code
        self.channel = conversation.get("channel", "chat")
        self.gateway = f"http://127.0.0.1:{stack.ports.gateway}"
        self.rasa = f"http://127.0.0.1:{stack.ports.rasa}"
        self.asked: dict[str, int] = defaultdict(int)
        self.phone: Optional[SignedPhone] = None
        self.gather_url = "/voice/gather"
        self.handed_over = False
        if self.channel == "phone":
            self.phone = SignedPhone(http_transport(self.gateway, timeout=90), stack.env["TWILIO_AUTH_TOKEN"],
                                     stack.env["TWILIO_PUBLIC_BASE_URL"],
                                     caller=str(conversation.get("caller") or "+4915100000000"))
            self.sender = self.phone.call_sid
        else:
            self.sender = f"eval{uuid.uuid4().hex[:20]}"

    def fill(self, text: str) -> str:
        if self.code:
            text = text.replace("{code_spoken}", spoken_code(self.code).replace(" ...", "").replace(",", ""))
            text = text.replace("{code}", self.code)
        return text

    def start(self, result: Result) -> None:
        if self.phone is not None:
            self._voice(result, self.phone.incoming(), "(call starts)")

    def say(self, result: Result, text: str) -> None:
        text = self.fill(text)
        result.turns += 1
        if self.phone is not None:
            self._voice(result, self.phone.post(self.gather_url, SpeechResult=text, Confidence="0.9"), text)
            return
        started = time.perf_counter()
        response = requests.post(f"{self.gateway}/api/chat", json={"session_id": self.sender, "message": text}, timeout=90)
        result.latencies.append(time.perf_counter() - started)
        result.transcript.append(f"  citizen: {text}")
        if response.status_code >= 500:
            result.errors += 1
            result.transcript.append(f"  [HTTP {response.status_code}]")
            return
        body = response.json() if response.ok else {}
        if body.get("held"):  # an agent holds this chat now; their answers come by polling
            self.handed_over = True
            result.transcript.append("  [held by an agent]")
            return
        messages = body.get("messages", [])
        said = [m.get("text", "") for m in messages if m.get("text")]
        if not said:
            result.unanswered += 1
        for message in messages:
            buttons = " | ".join(b.get("title", "") for b in message.get("buttons") or [])
            result.transcript.append(f"  bot: {message.get('text', '')}" + (f"   [{buttons}]" if buttons else ""))

    def _voice(self, result: Result, exchange, text: str) -> None:
        result.latencies.append(exchange.seconds)
        result.transcript.append(f"  caller: {text}")
        if exchange.status >= 500:
            result.errors += 1
            result.transcript.append(f"  [HTTP {exchange.status}]")
            return
        root = exchange.root
        while root is not None:
            said = [say_text(say) for say in root.iter("Say")]
            result.transcript += [f"  bot: {line}" for line in said if line]
            if root.find("Dial") is not None:
                self.handed_over = True
                result.transcript.append("  [transfer to an agent]")
                return
            gather = root.find("Gather")
            if gather is not None:
                self.gather_url = gather.get("action") or "/voice/gather"
                if not said:
                    result.unanswered += 1
                return
            redirect = root.find("Redirect")
            if redirect is None:
                if not said:
                    result.unanswered += 1
                return
            follow = self.phone.post(redirect.text or "/voice/gather")
            if follow.status >= 500:
                result.errors += 1
                return
            root = follow.root

    def tracker(self) -> dict:
        response = requests.get(f"{self.rasa}/conversations/{self.sender}/tracker",
                                params={"token": self.stack.env["RASA_API_TOKEN"]}, timeout=30)
        response.raise_for_status()
        return response.json()

    def open_question(self, tracker: dict) -> Optional[str]:
        slots = tracker.get("slots") or {}
        loop = (tracker.get("active_loop") or {}).get("name")
        if "online" in (self.conversation.get("answers") or {}) and not self.asked["online"]:
            if "utter_online_first" in self.last_responses(tracker) or "utter_online_possible" in self.last_responses(tracker):
                return "online"  # the citizen reacts to the online hint first
        if loop and slots.get("requested_slot"):
            return SLOT_ANSWERS.get(slots["requested_slot"])
        for event in reversed(tracker.get("events") or []):
            if event.get("event") == "user":
                break
            if event.get("event") == "bot":
                name = (event.get("metadata") or {}).get("utter_action", "")
                if name in RESPONSE_ANSWERS:
                    return RESPONSE_ANSWERS[name]
        return None

    @staticmethod
    def last_responses(tracker: dict) -> list[str]:
        names = []
        for event in reversed(tracker.get("events") or []):
            if event.get("event") == "user":
                break
            if event.get("event") == "bot":
                names.append((event.get("metadata") or {}).get("utter_action", ""))
        return names

    def answer(self, key: str) -> Optional[str]:
        answers = self.conversation.get("answers") or {}
        given = answers.get(key)
        if given is None:
            if key == "phone" and self.channel == "phone":
                return "ja"
            return DEFAULTS.get(key)
        if isinstance(given, list):
            index = min(self.asked[key], len(given) - 1)
            self.asked[key] += 1
            return str(given[index])
        self.asked[key] += 1
        return str(given)


# ------------------------------------------------------------------------ the store's side


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _clock(value: Any) -> clock_time:
    hours, minutes = str(value).split(":")[:2]
    return clock_time(int(hours), int(minutes))


def create_existing(port, spec: dict) -> str:
    """Book the appointment a conversation starts with; returns its code."""
    day = _day(spec["day"])
    wanted = _clock(spec.get("time", "10:00"))
    location = spec.get("location")
    query = SlotQuery(service_keys=(spec["service"],), location_keys=(location,) if location else None,
                      earliest=day, latest=day + __import__("datetime").timedelta(days=7), limit=200)
    slots = port.find_slots(query)
    if not slots:
        raise RuntimeError(f"no slot for the existing appointment {spec}")
    slot = min(slots, key=lambda s: (abs((s.start.astimezone(BERLIN).date() - day).days),
                                      abs(s.start.astimezone(BERLIN).hour * 60 + s.start.astimezone(BERLIN).minute
                                          - wanted.hour * 60 - wanted.minute)))
    hold = port.hold(slot, f"existing-{uuid.uuid4().hex[:8]}")
    appointment = port.confirm(hold.hold_id, Contact(name=spec.get("name", "Erika Mustermann"), phone=spec.get("phone")))
    return appointment.code


def snapshot(port) -> dict[str, tuple]:
    return {a.code: (a.status, a.start, a.location_key, a.service_keys, a.contact_name)
            for a in port.list_appointments()}


def confirmed_hold(tracker: dict) -> Optional[tuple[datetime, str]]:
    """The slot held when the citizen said yes: start and place of the chosen offer."""
    slots = tracker.get("slots") or {}
    chosen = slots.get("chosen_slot")
    for offer in slots.get("offered_slots") or []:
        if offer.get("hold_id") == chosen:
            return datetime.fromisoformat(offer["start"]), offer["location_key"]
    return None


def matches(expect: dict, start: datetime, location: str, services: tuple, name: Optional[str]) -> tuple[bool, str]:
    local = start.astimezone(BERLIN)
    if expect.get("service") and expect["service"] not in services:
        return False, f"service {services} != {expect['service']}"
    wanted = expect.get("location", "any")
    if wanted not in (None, "any"):
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if location not in allowed:
            return False, f"place {location} not in {allowed}"
    if expect.get("days"):
        first, last = (_day(d) for d in expect["days"])
        if not first <= local.date() <= last:
            return False, f"day {local.date()} not in {first}..{last}"
    if expect.get("time"):
        low, high = (_clock(t) for t in expect["time"])
        if not low <= local.time().replace(tzinfo=None) <= high:
            return False, f"time {local:%H:%M} not in {low:%H:%M}-{high:%H:%M}"
    if expect.get("name") and (name or "").lower() != str(expect["name"]).lower():
        return False, f"name {name!r} != {expect['name']!r}"
    return True, ""


def finished(tracker: dict) -> bool:
    """Has the bot ended the citizen's request (booked, cancelled, stopped ...)?"""
    return any(e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") in TERMINAL
               for e in tracker.get("events") or [])


def handed_over(tracker: dict) -> bool:
    return any(e.get("event") == "action" and e.get("name") == "action_handover"
               for e in tracker.get("events") or [])


# ------------------------------------------------------------------------ one conversation


def play(stack: Stack, port, conversation: dict) -> Result:
    result = Result(conversation)
    code = create_existing(port, conversation["existing"]) if conversation.get("existing") else None
    before = snapshot(port)
    citizen = Citizen(stack, conversation, code)
    said_yes_to: list[tuple[datetime, str]] = []
    try:
        citizen.start(result)
        for text in conversation.get("opening") or []:
            if citizen.handed_over:
                break
            citizen.say(result, str(text))
        idle = 0
        while result.turns < MAX_TURNS and not citizen.handed_over:
            tracker = citizen.tracker()
            if handed_over(tracker):
                break
            key = citizen.open_question(tracker)
            if key is None:
                break
            if finished(tracker) and key not in ("anything_else", "confirm"):
                if citizen.asked["anything_else"]:
                    break  # the request is done; the citizen says goodbye once, then hangs up
                key = "anything_else"
            text = citizen.answer(key)
            if text is None:
                break
            if key == "confirm":
                held = confirmed_hold(tracker)
                if held:
                    said_yes_to.append(held)
            citizen.say(result, text)
            idle = idle + 1 if key == "anything_else" else 0
            if idle >= 2:
                break
        tracker = citizen.tracker()
    except requests.RequestException as error:
        result.reason = f"request failed: {error}"
        result.errors += 1
        return result
    after = snapshot(port)
    score(result, before, after, code, tracker, citizen.handed_over or handed_over(tracker), said_yes_to)
    return result


def score(result: Result, before: dict, after: dict, code: Optional[str], tracker: dict, handover: bool,
          said_yes_to: list) -> None:
    expect = result.conversation.get("expect") or {}
    outcome = expect.get("outcome", "booked")
    new = [(c, v) for c, v in after.items() if c not in before and v[0] == "confirmed"]
    changed = {c: v for c, v in after.items() if c in before and before[c] != v}
    existing_now = after.get(code) if code else None
    existing_before = before.get(code) if code else None
    # wrong bookings: stored or moved without a yes to exactly that slot
    for _, (_status, start, location, _services, _name) in new + [(c, v) for c, v in changed.items() if v[0] == "confirmed"]:
        if not any(start == held_start and location == held_place for held_start, held_place in said_yes_to):
            result.wrong_booking = True
            result.reason = f"stored without a yes to that slot: {start} {location}"
    if outcome == "booked":
        if len(new) != 1:
            result.reason = result.reason or f"{len(new)} new appointments"
            return
        ok, why = matches(expect, new[0][1][1], new[0][1][2], new[0][1][3], new[0][1][4])
        result.completed, result.reason = ok and not result.wrong_booking, result.reason or why
    elif outcome == "cancelled":
        result.completed = bool(existing_now) and existing_now[0] == "cancelled" and not new
        result.reason = "" if result.completed else f"existing is {existing_now and existing_now[0]}"
    elif outcome == "rescheduled":
        moved = [(c, v) for c, v in after.items() if v[0] == "confirmed" and (c not in before or before[c] != v)]
        if not moved or (existing_now and existing_now == existing_before):
            result.reason = "not moved"
            return
        ok, why = matches({**expect, "name": None}, moved[0][1][1], moved[0][1][2], moved[0][1][3], None)
        result.completed, result.reason = ok and not result.wrong_booking, why
    elif outcome == "handover":
        result.completed = handover and not new
        result.reason = "" if result.completed else "no hand-over"
    else:  # checked, nothing, info: the store is unchanged, every turn answered, no hand-over
        result.completed = not new and not changed and not result.wrong_booking and not result.errors
        if handover:
            result.completed = False
            result.reason = "handed over"
        elif not result.completed:
            result.reason = result.reason or ("a 5xx turn" if result.errors else "the store changed")
        elif outcome == "checked" and existing_before:
            # the citizen must have heard the appointment's day ("5. März")
            day = existing_before[1].astimezone(BERLIN)
            said = f"{day.day}. {format_date(day.date(), 'MMMM', locale='de_DE')}"
            if not any(line.startswith("  bot:") and said in line for line in result.transcript):
                result.completed, result.reason = False, f"the day {said} was never said"
    if not result.completed and not result.reason:
        result.reason = "outcome not reached"


# ------------------------------------------------------------------------ the run


def start_stack(var_dir: Path) -> Stack:
    spare = Ports.spare()  # unless EVAL_*_PORT say otherwise, the OS picks free ports
    ports = Ports(rasa=int(os.environ.get("EVAL_RASA_PORT", spare.rasa)),
                  actions=int(os.environ.get("EVAL_ACTION_PORT", spare.actions)),
                  gateway=int(os.environ.get("EVAL_GATEWAY_PORT", spare.gateway)))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKING_", "TRACKER_", "RATE_LIMIT"))}
    extra = {
        "ASSISTANT_NOW": NOW, "TWILIO_AUTH_TOKEN": "eval-twilio-token",
        "TWILIO_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports.gateway}",
        "TELEPHONY_SMS_OUTBOX": str(var_dir / "sms.jsonl"), "TWILIO_HOTLINE_NUMBER": "+4940115",
        # one runner from one address plays every citizen: no per-address limits; writers reuse
        # phone numbers across conversations, so the per-number appointment cap is lifted too
        "RATE_CHAT_PER_IP_PER_MINUTE": "100000", "RATE_CHAT_PER_SESSION_PER_MINUTE": "100000",
        "RATE_CALLS_PER_CALLER_PER_HOUR": "100000", "RATE_PHONE_TURNS_PER_CALL_PER_MINUTE": "100000",
        "MAX_APPOINTMENTS_PER_PHONE": "1000",
    }
    env = stack_environment({**base, **extra}, ports, var_dir)
    import subprocess

    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "booking_adapter", "seed"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    for port in (ports.rasa, ports.actions, ports.gateway):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:  # another stack would answer for ours
                raise RuntimeError(f"port {port} is in use; stop what runs there or set EVAL_*_PORT")
    stack = Stack(env=env, ports=ports, log_dir=var_dir / "log")
    stack.start()
    try:
        stack.wait_healthy(timeout=300, report=lambda line: None)
    except BaseException:
        stack.stop()
        raise
    return stack


def fast_subset(conversations: list[dict], size: int = 32) -> list[dict]:
    """Every ~n-th conversation of dev, so each category and channel is in the subset."""
    step = max(1, len(conversations) // size)
    return conversations[::step][:size]


def report(results: list[Result], name: str, show_failures: bool) -> dict[str, Any]:
    by: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        by["all"].append(r.completed)
        by[f"channel {r.conversation.get('channel', 'chat')}"].append(r.completed)
        by[f"category {r.conversation.get('category', '?')}"].append(r.completed)
    latencies = sorted(x for r in results for x in r.latencies)
    chat_turns = [r.turns for r in results if r.completed and r.conversation.get("channel") == "chat"
                  and (r.conversation.get("expect") or {}).get("outcome") == "booked"]
    figures = {
        "completion": sum(by["all"]) / max(1, len(by["all"])),
        "wrong_bookings": sum(r.wrong_booking for r in results),
        "5xx": sum(r.errors for r in results),
        "unanswered": sum(r.unanswered for r in results),
        "median_chat_turns": statistics.median(chat_turns) if chat_turns else None,
        "p50_latency": latencies[len(latencies) // 2] if latencies else None,
        "p95_latency": latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else None,
        "turns": len(latencies),
    }
    print(f"\n== {name}: {len(results)} conversations")
    for key in sorted(by, key=lambda k: (k != "all", k)):
        hits = by[key]
        print(f"  {key:28} {sum(hits) / len(hits):6.1%} ({sum(hits)}/{len(hits)})")
    print(f"  wrong bookings {figures['wrong_bookings']}   5xx turns {figures['5xx']}   unanswered turns {figures['unanswered']}")
    print(f"  median turns to a chat booking {figures['median_chat_turns']}   "
          f"turn latency p50 {figures['p50_latency'] or 0:.2f} s  p95 {figures['p95_latency'] or 0:.2f} s  ({figures['turns']} turns)")
    if show_failures:
        for r in results:
            if not r.completed or r.wrong_booking or r.errors or r.unanswered:
                print(f"\n-- {r.conversation['id']} [{r.conversation.get('channel')}/{r.conversation.get('category')}] "
                      f"{r.reason}{' WRONG BOOKING' if r.wrong_booking else ''}")
                print("\n".join(r.transcript[-30:]))
    return figures


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="dev", choices=["dev", "heldout"])
    parser.add_argument("--fast", action="store_true", help="the ~32-conversation subset of dev")
    parser.add_argument("--ids", nargs="*", help="only these conversations")
    parser.add_argument("--failures", action="store_true", help="print transcripts of the misses")
    parser.add_argument("--targets", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if not MODEL.exists():
        print(f"no trained model at {MODEL}; run `make train` first")
        return 2
    conversations = load(args.set)
    if args.fast:
        conversations = fast_subset(conversations)
    if args.ids:
        conversations = [c for c in conversations if c["id"] in set(args.ids)]
    with tempfile.TemporaryDirectory(prefix="dialogues-") as folder:
        stack = start_stack(Path(folder))
        try:
            port = build_booking_port(Settings.from_env(stack.env))
            results = []
            for conversation in conversations:
                try:
                    results.append(play(stack, port, conversation))
                except Exception as error:  # a broken case is a miss, not the end of the run
                    failed = Result(conversation, reason=f"runner error: {error!r}")
                    results.append(failed)
        finally:
            stack.stop()
    figures = report(results, args.set + (" (fast subset)" if args.fast else ""), args.failures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    if args.targets:
        missed = [key for key, target in TARGETS.items()
                  if figures[key] is not None and (figures[key] < target if key == "completion" else figures[key] > target)]
        if missed:
            print(f"TARGET MISSED: {', '.join(missed)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
