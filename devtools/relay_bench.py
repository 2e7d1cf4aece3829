"""Relay mode against Gather mode, one run: `python -m devtools.relay_bench` (part of `make bench`).

Starts its own stack on spare ports (Rasa, action server, the Gather-mode gateway, as
devtools/phone_bench.py does) plus a second gateway in relay mode under gunicorn (the same
command `make run` uses), warms both up with one call, then runs the scripted phone booking
(telephony/bench.py) in both modes, first one call at a time, then `--load` calls at once:

- Gather: a turn is a signed webhook request in, TwiML out (what Twilio waits for before it
  speaks).
- Relay: from the caller's final `prompt` (or `dtmf`) to the first `text` token (what the
  caller waits for before hearing something; the filler counts, as the caller hears it), and
  to the turn's last token (the whole answer, comparable to the TwiML).
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

from devtools.phone_bench import _free_port
from telephony.bench import NOW, PHONE_BOOKING, percentile, run_phone_booking
from telephony.relay_client import RelayCall
from telephony.simulator import SignedPhone, http_transport

Figures = dict[str, list[float]]  # row name -> milliseconds


def gather_call(base: str, token: str, index: int) -> Figures:
    phone = SignedPhone(http_transport(base, timeout=120), token, base, caller=f"+49171{5550000 + index}")
    steps = run_phone_booking(phone)
    return {"gather: request in -> TwiML out": [exchange.seconds * 1000 for label, exchange in steps if label != "greet"]}


def relay_call(base: str, token: str, index: int) -> Figures:
    call = RelayCall(http_transport(base, timeout=120), token, base, base.replace("http://", "ws://"),
                     caller=f"+49172{5550000 + index}", timeout=120)
    first, whole = [], []
    try:
        call.start()
        for _label, fields in PHONE_BOOKING[:7]:  # up to the booking (the after-booking turns are Gather-only)
            reply = call.press(fields["Digits"]) if "Digits" in fields else call.say(fields["SpeechResult"])
            if reply.first_token_seconds is not None:
                first.append(reply.first_token_seconds * 1000)
            whole.append(reply.seconds * 1000)
            if reply.end is not None:
                break
    finally:
        call.hang_up()
    return {"relay: final prompt -> first text token": first, "relay: final prompt -> last token": whole}


def run(kind, base: str, token: str, calls: int, parallel: int, offset: int) -> Figures:
    figures: Figures = {}
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for result in pool.map(lambda index: kind(base, token, offset + index), range(calls)):
            for name, values in result.items():
                figures.setdefault(name, []).extend(values)
    return figures


def table(title: str, figures: Figures) -> str:
    lines = [title]
    for name, values in figures.items():
        if values:
            lines.append(f"  {name:<40} p50 {percentile(values, 0.5):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms"
                         f"   (n={len(values)})")
    return "\n".join(lines)


def start_relay_gateway(env: dict[str, str], port: int, log_dir: Path) -> subprocess.Popen:
    from common.settings import Settings
    from launcher import commands
    from launcher.supervisor import ROOT, http_ok

    env = {**env, "VOICE_MODE": "relay", "GATEWAY_PORT": str(port), "TWILIO_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    command = commands.gateway_command("127.0.0.1", port, workers=1,
                                       threads=commands.gateway_threads(Settings.from_env(env), 16))
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "relay-gateway.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not http_ok(f"http://127.0.0.1:{port}/health"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the relay gateway did not start (log in {log_dir})")
        time.sleep(0.3)
    return process


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5, help="calls one at a time, per mode (default 5)")
    parser.add_argument("--load", type=int, default=50, help="calls at once, per mode (default 50)")
    args = parser.parse_args(argv)

    from launcher.stack import MODEL, ROOT, Ports, Stack, stack_environment

    if not MODEL.exists():
        print(f"no trained model at {MODEL}; run `make train` first", file=sys.stderr)
        return 2
    started = time.monotonic()
    var_dir = Path(tempfile.mkdtemp(prefix="relay-bench-"))
    ports = Ports(rasa=_free_port(), actions=_free_port(), gateway=_free_port())
    relay_port = _free_port()
    token = secrets.token_hex(16)
    gather_base, relay_base = f"http://127.0.0.1:{ports.gateway}", f"http://127.0.0.1:{relay_port}"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKING_", "TRACKER_", "TELEPHONY_", "HANDOVER_"))}
    base.update({
        "ASSISTANT_NOW": NOW, "TWILIO_AUTH_TOKEN": token, "TWILIO_PUBLIC_BASE_URL": gather_base,
        "TWILIO_HOTLINE_NUMBER": "+4940115", "TWILIO_ACCOUNT_SID": "", "TWILIO_SMS_FROM": "",
        "RASA_TELEMETRY_ENABLED": "false", "VOICE_MODE": "gather",
        # the load test is many calls from few numbers: the per-caller limit is not what is measured
        "RATE_CALLS_PER_CALLER_PER_HOUR": "100000", "RATE_PHONE_TURNS_PER_CALL_PER_MINUTE": "100000",
    })
    env = stack_environment(base, ports, var_dir)
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "booking_adapter", "seed"], cwd=ROOT, env=env, check=True)
    stack = Stack(env=env, ports=ports, log_dir=var_dir / "log")
    print(f"· starting the stack and a relay-mode gateway (logs in {var_dir / 'log'}) ...", flush=True)
    stack.start()
    relay_gateway = None
    try:
        stack.wait_healthy(timeout=300, report=lambda line: None)
        relay_gateway = start_relay_gateway(env, relay_port, var_dir / "log")
        gather_call(gather_base, token, 9000)  # warm-up: the first turns load models and caches
        relay_call(relay_base, token, 9001)
        single = {**run(gather_call, gather_base, token, args.calls, 1, 0),
                  **run(relay_call, relay_base, token, args.calls, 1, 100)}
        print(table(f"one call at a time ({args.calls} scripted bookings per mode)", single), flush=True)
        loaded = {**run(gather_call, gather_base, token, args.load, args.load, 1000),
                  **run(relay_call, relay_base, token, args.load, args.load, 2000)}
        print(table(f"{args.load} calls at once (per mode; one Rasa, one action server)", loaded))
        print(f"  ({time.monotonic() - started:.0f} s in all)")
    finally:
        if relay_gateway is not None:
            relay_gateway.terminate()
            relay_gateway.wait(timeout=20)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
