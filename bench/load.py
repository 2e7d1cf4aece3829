"""Load test of the production profile (part of `make bench`): N simulated citizens at once.

Starts the production profile (launcher/prod.py: private PostgreSQL and Redis, 2× Rasa,
2× action server, gunicorn gateway) on spare loopback ports, then:

1. single user: complete bookings one after the other, answering at once (chat and phone)
   -> the baseline p95 (after a warm-up that is not measured);
2. load: N citizens at the same time, chat through /api/chat and phone through webhooks
   signed like Twilio's (answers posted to the <Gather action> URL, as Twilio does), each
   holding a complete booking conversation and pausing between turns like people do
   (bench/pacing.py: listening to the bot, speaking or typing); this is the run the target
   applies to;
2b. stress: the same N answering without any pause (no person can), to show the headroom;
3. checks the booking store: every booking a citizen was told about is there (lost = 0),
   no cell owned twice, no appointment without its cells (double / half-written = 0), and no
   booking nobody was told about;
4. limits: a chat session flooding, one caller number calling again and again, and a calendar
   code being guessed; counts what the gateway refused.

All simulated citizens come from 127.0.0.1, so the per-address chat limit is raised for the
run (RATE_CHAT_PER_IP_PER_MINUTE, printed); the per-session and per-caller limits stay as
configured. `--gateway URL` measures a profile that is already running instead.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import requests
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pacing import NO_PAUSES, Pacing  # noqa: E402
from booking_adapter.integrity import check_integrity  # noqa: E402
from launcher.prod import ProdPorts, ProdStack  # noqa: E402
from telephony.simulator import SignedPhone, http_transport  # noqa: E402

NOW = "2026-11-23T09:00:00+01:00"  # a Monday
TOKEN = "bench-twilio-token"  # noqa: S105 (signs requests to the benchmark's own throwaway stack)
CODE = re.compile(r"\b[ACDEFGHJKMNPQRTUVWXY34679]{3}-[ACDEFGHJKMNPQRTUVWXY34679]{3}\b")
# Spread over places and days, as a real Monday morning wave would be.
PLACES = ["in Altona", "in Hamburg-Mitte", "in Wandsbek", "in Harburg", "in Bergedorf", "in Eimsbüttel",
          "in Barmbek", "in Billstedt", "in Rahlstedt", "in Bramfeld"]
DAYS = ["nächste Woche Montag", "nächste Woche Dienstag", "nächste Woche Mittwoch",
        "nächste Woche Donnerstag", "nächste Woche Freitag"]
SERVICES = ["Ich brauche einen Termin für einen Personalausweis", "Ich brauche einen neuen Reisepass"]


@dataclass
class Outcome:
    channel: str
    citizen: int
    turns: list[float] = field(default_factory=list)  # seconds per turn
    completed: bool = False
    code: Optional[str] = None
    phone: str = ""
    error: str = ""
    rate_limited: int = 0


# --- one citizen --------------------------------------------------------------------------------


def book_by_chat(say: Callable[..., list[dict]], service: str, place: str, day: str, phone_said: str,
                 pick: Callable[[list], dict], name: str = "Anna Schulz") -> str:
    """One booking conversation in the chat through `say(message, clicked=False)`; returns what
    the bot answered to the final yes."""
    say(service)
    say(place)
    offers = say(day)
    buttons = [b for m in offers for b in m.get("buttons", [])]
    if not buttons:
        raise RuntimeError("no slots offered")
    say(pick(buttons)["payload"], clicked=True)
    say(name)
    say(phone_said)
    return " ".join(m.get("text", "") for m in say("Ja"))


def chat_citizen(base: str, n: int, rng: random.Random, pacing: Pacing = NO_PAUSES) -> Outcome:
    outcome = Outcome("chat", n, phone=f"+49401{n:06d}")
    session = requests.Session()
    sid = f"load{uuid.uuid4().hex[:16]}"
    shown = ""  # what the bot last showed: the citizen reads it before answering

    def say(message: str, clicked: bool = False) -> list[dict]:
        nonlocal shown
        time.sleep(pacing.chat(shown, message, rng, clicked=clicked) if shown else 0.0)
        started = time.perf_counter()
        response = session.post(f"{base}/api/chat", json={"session_id": sid, "message": message}, timeout=120)
        outcome.turns.append(time.perf_counter() - started)
        if response.status_code == 429:
            outcome.rate_limited += 1
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")
        messages = response.json()["messages"]
        shown = " ".join([m.get("text", "") for m in messages]
                         + [b.get("title", "") for m in messages for b in m.get("buttons", [])])
        return messages

    try:
        day = f"{rng.choice(DAYS)} vormittags" if rng.random() < 0.5 else f"{rng.choice(DAYS)} nachmittags"
        booked = book_by_chat(say, rng.choice(SERVICES), rng.choice(PLACES), day, f"0401 {n:06d}", rng.choice)
        match = CODE.search(booked)
        if not match:
            raise RuntimeError("no booking code in the confirmation")
        outcome.code, outcome.completed = match.group(0), True
    except Exception as error:  # counted, reported
        outcome.error = f"{type(error).__name__}: {error}"[:120]
    return outcome


def phone_citizen(base: str, n: int, rng: random.Random, pacing: Pacing = NO_PAUSES) -> Outcome:
    caller = f"+49170{n:07d}"
    outcome = Outcome("phone", n, phone=caller)
    phone = SignedPhone(http_transport(base, timeout=120), TOKEN, base, caller=caller)
    heard = ""  # what Twilio last played: the caller listens to it before answering
    answer_url = "/voice/gather"  # where Twilio posts the answer: the last <Gather action>

    def turn(**fields: str):
        nonlocal heard, answer_url
        if heard:
            time.sleep(pacing.phone(heard, fields.get("SpeechResult", ""), rng, keyed="Digits" in fields))
        exchange = phone.post(answer_url, **fields) if fields else phone.incoming()
        outcome.turns.append(exchange.seconds)
        if exchange.status != 200 or exchange.root is None:
            raise RuntimeError(f"HTTP {exchange.status}")
        if exchange.root.find("Dial") is not None:
            raise RuntimeError("transferred to a person")
        if exchange.root.find("Hangup") is not None and "gebucht" not in _spoken(exchange.root):
            raise RuntimeError("hung up: " + _spoken(exchange.root)[:60])
        heard = _spoken(exchange.root)
        gather = exchange.root.find("Gather")
        answer_url = gather.get("action") if gather is not None else "/voice/gather"
        return heard

    try:
        turn()
        turn(SpeechResult=rng.choice(SERVICES), Confidence="0.91")
        turn(SpeechResult=rng.choice(PLACES), Confidence="0.9")
        turn(SpeechResult=f"{rng.choice(DAYS)} vormittags", Confidence="0.9")
        turn(Digits=str(rng.randint(1, 3)))
        turn(SpeechResult="Anna Schulz", Confidence="0.86")
        turn(SpeechResult="ja", Confidence="0.95")  # the number it calls from
        said = turn(SpeechResult="ja", Confidence="0.95")
        if "gebucht" not in said:
            raise RuntimeError("no booking confirmation")
        outcome.completed = True
    except Exception as error:
        outcome.error = f"{type(error).__name__}: {error}"[:120]
    finally:
        with contextlib.suppress(Exception):  # the call is over either way
            phone.hang_up()
    return outcome


def _spoken(root) -> str:
    return " ".join("".join(say.itertext()) for say in root.iter("Say"))


# --- the store ----------------------------------------------------------------------------------


def check_store(database_url: str, outcomes: list[Outcome]) -> dict:
    engine = create_engine(database_url)
    try:
        found = check_integrity(engine)
    finally:
        engine.dispose()
    rows, double_cells, half_written = found.confirmed, found.double_cells, found.half_written
    codes = {code for code, _ in rows}
    phones: dict[str, int] = {}
    for _, phone in rows:
        phones[phone] = phones.get(phone, 0) + 1
    lost = 0
    for outcome in outcomes:
        if not outcome.completed:
            continue
        if outcome.channel == "chat" and outcome.code not in codes:
            lost += 1
        if outcome.channel == "phone" and phones.get(outcome.phone, 0) < 1:
            lost += 1
    told = {o.phone for o in outcomes if o.completed}
    untold = sum(count for phone, count in phones.items() if phone not in told)
    double_per_citizen = sum(1 for o in outcomes if o.completed and phones.get(o.phone, 0) > 1)
    return {"appointments": len(rows), "lost": lost, "double_cells": double_cells,
            "double_per_citizen": double_per_citizen, "half_written": half_written,
            "booked_without_confirmation": untold}


# --- running and reporting ----------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


@dataclass
class Concurrency:
    """How many conversations were in progress at the same time (the load really was N at once)."""

    current: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self) -> None:
        with self.lock:
            self.current += 1
            self.peak = max(self.peak, self.current)

    def leave(self) -> None:
        with self.lock:
            self.current -= 1


def run_citizens(base: str, count: int, first: int, phone_share: float, seed: int, workers: int,
                 deadline: float, pacing: Pacing = NO_PAUSES, ramp: float = 0.0,
                 concurrency: Optional[Concurrency] = None) -> list[Outcome]:
    """`count` citizens, at most `workers` at a time; each starts at a random moment within
    the first `ramp` seconds (calls in a wave do not arrive in the same millisecond)."""
    rng = random.Random(seed)
    plan = [(first + i, "phone" if rng.random() < phone_share else "chat", rng.randint(0, 10**9),
             rng.uniform(0, ramp)) for i in range(count)]
    results: list[Outcome] = []
    lock = threading.Lock()
    concurrency = concurrency or Concurrency()

    def one(item):
        n, channel, citizen_seed, delay = item
        time.sleep(delay)
        if time.monotonic() > deadline:
            outcome = Outcome(channel, n, error="not started: time limit")
        else:
            citizen = phone_citizen if channel == "phone" else chat_citizen
            concurrency.enter()
            try:
                outcome = citizen(base, n, random.Random(citizen_seed), pacing)
            finally:
                concurrency.leave()
        with lock:
            results.append(outcome)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, plan))
    return sorted(results, key=lambda o: o.citizen)


def hoarding_attempts(base: str, attempts: int) -> dict:
    """One phone number books the same service again and again, each time in a new chat
    session (MAX_APPOINTMENTS_PER_PHONE bounds it in the booking store)."""
    outcomes = {"booked": 0, "refused_limit": 0, "other": 0}
    for attempt in range(attempts):
        session = requests.Session()
        sid = f"hoard{uuid.uuid4().hex[:12]}"

        def say(message: str, clicked: bool = False, session: requests.Session = session, sid: str = sid) -> list[dict]:
            response = session.post(f"{base}/api/chat", json={"session_id": sid, "message": message}, timeout=60)
            return response.json().get("messages", []) if response.status_code == 200 else []

        try:
            said = book_by_chat(say, "Ich brauche einen Termin für einen Personalausweis", "in Altona",
                                f"{DAYS[attempt % len(DAYS)]} nachmittags", "040 5550001",
                                lambda buttons: buttons[0], name="Hanna Hamster")
        except RuntimeError:  # no slots offered
            outcomes["other"] += 1
            continue
        if CODE.search(said):
            outcomes["booked"] += 1
        elif "zu viele Termine" in said:
            outcomes["refused_limit"] += 1
        else:
            outcomes["other"] += 1
    return {"attempts": attempts, **outcomes}


def limits_phase(base: str, per_session: int, per_caller: int, per_phone: int) -> dict:
    """Flood one chat session, call again and again from one number, guess calendar codes,
    book again and again for one phone number."""
    session = requests.Session()
    sid = f"flood{uuid.uuid4().hex[:12]}"
    chat = [session.post(f"{base}/api/chat", json={"session_id": sid, "message": "Hallo"}, timeout=60).status_code
            for _ in range(per_session + 5)]
    caller = "+491709999999"
    calls = []
    for _ in range(per_caller + 3):
        phone = SignedPhone(http_transport(base, timeout=60), TOKEN, base, caller=caller)
        exchange = phone.incoming()
        calls.append("refused" if exchange.root is not None and exchange.root.find("Hangup") is not None else "answered")
        phone.hang_up()
    guesses = [session.get(f"{base}/api/calendar/ACD-E{n:02d}.ics", params={"verification": "+49401234567"},
                           timeout=30).status_code for n in range(25)]
    return {
        "chat_session_flood": {"sent": len(chat), "answered_200": chat.count(200), "refused_429": chat.count(429),
                               "other": len(chat) - chat.count(200) - chat.count(429)},
        "calls_from_one_number": {"calls": len(calls), "answered": calls.count("answered"),
                                  "refused": calls.count("refused")},
        "calendar_code_guesses": {"sent": len(guesses), "not_found_404": guesses.count(404),
                                  "refused_429": guesses.count(429)},
        "bookings_for_one_number": hoarding_attempts(base, per_phone + 2),
    }


def _load_phase(base: str, args, pacing: Pacing, seed: int, first: int) -> dict:
    concurrency = Concurrency()
    started = time.monotonic()
    outcomes = run_citizens(base, args.users, first, args.phone_share, seed, args.users,
                            started + args.time_limit, pacing=pacing, ramp=args.ramp, concurrency=concurrency)
    return {"outcomes": outcomes, "seconds": time.monotonic() - started, "peak": concurrency.peak}


def summarise(outcomes: list[Outcome]) -> dict:
    turns = [t for o in outcomes for t in o.turns]
    errors: dict[str, int] = {}
    for o in outcomes:
        if o.error:
            errors[o.error] = errors.get(o.error, 0) + 1
    return {
        "conversations": len(outcomes),
        "completed": sum(o.completed for o in outcomes),
        "chat": sum(o.channel == "chat" for o in outcomes),
        "phone": sum(o.channel == "phone" for o in outcomes),
        "errors": sum(bool(o.error) for o in outcomes),
        "error_kinds": errors,
        "rate_limited_turns": sum(o.rate_limited for o in outcomes),
        "turns": len(turns),
        "p50_ms": round(percentile(turns, 0.50) * 1000),
        "p95_ms": round(percentile(turns, 0.95) * 1000),
        "p99_ms": round(percentile(turns, 0.99) * 1000),
        "mean_ms": round(statistics.fmean(turns) * 1000) if turns else None,
    }


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Load test of the production profile")
    parser.add_argument("--users", type=int, default=50, help="citizens at the same time (default 50)")
    parser.add_argument("--single", type=int, default=8, help="bookings for the single-user baseline")
    parser.add_argument("--phone-share", type=float, default=0.5)
    parser.add_argument("--time-limit", type=float, default=900, help="seconds for each load phase")
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="citizens start within this many seconds (default 10)")
    parser.add_argument("--pace", type=float, default=1.0,
                        help="pauses between turns × this (bench/pacing.py; 1 = fast ordinary citizens)")
    parser.add_argument("--no-stress", action="store_true",
                        help="skip the second run in which citizens answer without any pause")
    parser.add_argument("--port-base", type=int, default=0, help="fixed ports around this base (default: spare ports from the OS)")
    parser.add_argument("--gateway", help="measure a running profile instead (its TWILIO_AUTH_TOKEN must be "
                                          "bench-twilio-token and its database BENCH_DATABASE_URL)")
    parser.add_argument("--json", type=Path, default=ROOT / "results" / "load.json")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    per_ip = 100_000
    stack: Optional[ProdStack] = None
    var_dir: Optional[Path] = None
    if args.gateway:
        base, database_url = args.gateway.rstrip("/"), os.environ["BENCH_DATABASE_URL"]
    else:
        var_dir = Path(tempfile.mkdtemp(prefix="load-"))
        ports = ProdPorts.offset(args.port_base) if args.port_base else ProdPorts.spare()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PROD_", "RATE_"))}
        env.update({"ASSISTANT_NOW": NOW, "TWILIO_AUTH_TOKEN": TOKEN,
                    "TWILIO_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports.gateway}",
                    "TWILIO_HOTLINE_NUMBER": "+4940115", "RATE_CHAT_PER_IP_PER_MINUTE": str(per_ip),
                    "LOG_LEVEL": "WARNING"})
        stack = ProdStack(var_dir, ports, base_env=env)
        base, database_url = f"http://127.0.0.1:{ports.gateway}", stack.env["BOOKING_DATABASE_URL"]
        started = time.monotonic()
        print("· starting the production profile (PostgreSQL, Redis, 2× Rasa, 2× actions, gunicorn) ...",
              flush=True)
    try:
        if stack is not None:
            stack.start(timeout=900, report=lambda line: print(line, flush=True))
            print(f"· up after {time.monotonic() - started:.0f} s", flush=True)
        # warm-up, not measured: TensorFlow builds its graphs for new input sizes on first use
        warm = run_citizens(base, 6, 9000, 0.5, args.seed + 1, 2, time.monotonic() + 300)
        print(f"· single user: {args.single} bookings one after the other ...", flush=True)
        single = run_citizens(base, args.single, 1, args.phone_share, args.seed, 1, time.monotonic() + 600)
        pacing = Pacing(scale=args.pace)
        print(f"· {args.users} citizens at the same time, pausing like people between turns "
              f"(bench/pacing.py × {args.pace}), starting within {args.ramp:.0f} s ...", flush=True)
        paced = _load_phase(base, args, pacing, args.seed + 2, first=100)
        stress = None
        if not args.no_stress:
            print(f"· stress: {args.users} citizens answering without any pause ...", flush=True)
            stress = _load_phase(base, args, NO_PAUSES, args.seed + 3, first=1000)
        loaded = [*paced["outcomes"], *(stress["outcomes"] if stress else [])]
        store = check_store(database_url, [*warm, *single, *loaded])
        print("· limits ...", flush=True)
        limits = limits_phase(base, int(os.environ.get("RATE_CHAT_PER_SESSION_PER_MINUTE", "30")),
                              int(os.environ.get("RATE_CALLS_PER_CALLER_PER_HOUR", "10")),
                              int(os.environ.get("MAX_APPOINTMENTS_PER_PHONE", "2")))
    finally:
        if stack is not None:
            stack.stop()
        if var_dir is not None:
            shutil.rmtree(var_dir, ignore_errors=True)

    one = summarise(single)
    phases = {"paced": paced, **({"stress_no_pauses": stress} if stress else {})}
    report = {"single_user": one, "store": store, "limits": limits, "cpus": os.cpu_count(),
              "per_ip_chat_limit_for_the_run": per_ip, "pacing_scale": args.pace, "ramp_seconds": args.ramp}
    for name, phase in phases.items():
        many = summarise(phase["outcomes"])
        ratio = many["p95_ms"] / one["p95_ms"] if one["p95_ms"] else float("nan")
        report[name] = {**many, "wall_seconds": round(phase["seconds"]), "peak_concurrent": phase["peak"],
                        "p95_ratio": round(ratio, 2)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))

    print("\nLoad test of the production profile (loopback, this machine, "
          f"{os.cpu_count()} CPUs)")
    print(f"  single user   {one['completed']}/{one['conversations']} bookings, turn p50 {one['p50_ms']} ms, "
          f"p95 {one['p95_ms']} ms, p99 {one['p99_ms']} ms (no pauses)")
    for name, title in (("paced", "with pauses"), ("stress_no_pauses", "no pauses")):
        if name not in report:
            continue
        many = report[name]
        target = " (target <= 3)" if name == "paced" else " (stress; no target)"
        print(f"  {args.users} at once, {title}: {many['completed']}/{many['conversations']} bookings completed "
              f"({many['chat']} chat, {many['phone']} phone) in {many['wall_seconds']} s, "
              f"at most {many['peak_concurrent']} at the same time, errors {many['errors']}, "
              f"rate-limited turns {many['rate_limited_turns']}")
        print(f"                turn p50 {many['p50_ms']} ms, p95 {many['p95_ms']} ms, p99 {many['p99_ms']} ms "
              f"({many['turns']} turns); p95 ratio to one user {many['p95_ratio']:.2f}{target}")
        if many["error_kinds"]:
            print("  errors:", "; ".join(f"{k} ×{v}" for k, v in many["error_kinds"].items()))
    print(f"  store         {store['appointments']} appointments; lost {store['lost']}, double cells "
          f"{store['double_cells']}, double per citizen {store['double_per_citizen']}, half-written "
          f"{store['half_written']}, booked without confirmation {store['booked_without_confirmation']}")
    print(f"  limits        chat flood: {limits['chat_session_flood']}; one number calling: "
          f"{limits['calls_from_one_number']}; code guessing: {limits['calendar_code_guesses']}; "
          f"one number booking again and again: {limits['bookings_for_one_number']}")
    print(f"  (all citizens share 127.0.0.1, so the per-address chat limit was {per_ip}/min for the run)")
    print(f"  written to {args.json}")
    ok = (store["lost"] == 0 and store["double_cells"] == 0 and store["double_per_citizen"] == 0
          and store["half_written"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
