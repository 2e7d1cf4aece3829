"""Webhook latency of phone turns: `python -m devtools.phone_bench` (part of `make bench`).

Full mode (default) starts its own stack on spare ports (Rasa, action server, gateway, a
fresh SQLite booking store, pinned clock), then runs scripted phone bookings with requests
signed like Twilio's and reports p50/p95 of a full turn (gateway -> Rasa -> actions ->
store), split into the bot's share and the gateway's own, from the Server-Timing header
(telephony/bench.py measures). `--gateway URL` measures a stack that is already running
(TWILIO_AUTH_TOKEN and TWILIO_PUBLIC_BASE_URL from the environment). `--gateway-only`
measures the gateway alone with an instant fake bot and the SQL call store.
"""
from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Optional

from telephony.bench import NOW, Sample, bench_running, report, run_phone_booking, samples_of
from telephony.simulator import SignedPhone, flask_transport


def _free_port() -> int:
    """A port nobody listens on right now (other stacks may run on this machine)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_full_stack(calls: int) -> tuple[list[Sample], list[str]]:
    from launcher.stack import MODEL, ROOT, Ports, Stack, stack_environment

    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}; run `make train` first")
    var_dir = Path(tempfile.mkdtemp(prefix="telephony-bench-"))
    ports = Ports(rasa=_free_port(), actions=_free_port(), gateway=_free_port())
    token = secrets.token_hex(16)
    public = f"http://127.0.0.1:{ports.gateway}"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKING_", "TRACKER_", "TELEPHONY_"))}
    base.update({
        "ASSISTANT_NOW": NOW, "TWILIO_AUTH_TOKEN": token, "TWILIO_PUBLIC_BASE_URL": public,
        "TWILIO_HOTLINE_NUMBER": "+4940115", "TWILIO_ACCOUNT_SID": "", "TWILIO_SMS_FROM": "",
        "RASA_TELEMETRY_ENABLED": "false",
    })
    env = stack_environment(base, ports, var_dir)
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "booking_adapter", "seed"], cwd=ROOT, env=env, check=True)
    stack = Stack(env=env, ports=ports, log_dir=var_dir / "log")
    print(f"· starting the stack (logs in {var_dir / 'log'}) ...", flush=True)
    stack.start()
    try:
        stack.wait_healthy(timeout=300, report=lambda line: None)
        bench_running(public, token, public, 1)  # warm-up: first turns load models and caches
        return bench_running(public, token, public, calls)
    finally:
        stack.stop()


def bench_gateway_only(calls: int) -> list[Sample]:
    """The gateway's own cost: signature, SQL call store, TwiML; the bot answers instantly."""
    from common.settings import Settings
    from gateway import create_app

    class InstantBot:
        def send(self, channel, sender, message, metadata=None):
            return [{"text": "Wann passt es Ihnen? Sagen Sie zum Beispiel: nächsten Dienstag vormittags."}]

    database = Path(tempfile.mkdtemp(prefix="telephony-bench-")) / "calls.db"
    token = secrets.token_hex(16)
    settings = replace(
        Settings.from_env({"ASSISTANT_NOW": NOW}),
        twilio_auth_token=token,
        twilio_public_base_url="https://bench.invalid",
        telephony_database_url=f"sqlite:///{database}",
    )
    app = create_app(settings, rasa=InstantBot())
    samples: list[Sample] = []
    for index in range(calls + 1):
        phone = SignedPhone(flask_transport(app), token, "https://bench.invalid", caller=f"+49170{5550000 + index}")
        steps = run_phone_booking(phone)
        if index:  # the first call warms up
            samples += samples_of(steps)
    return samples


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5, help="scripted booking calls (default 5)")
    parser.add_argument("--gateway", help="measure a running gateway at this URL")
    parser.add_argument("--gateway-only", action="store_true", help="the gateway alone, with an instant fake bot")
    args = parser.parse_args(argv)

    started = time.monotonic()
    if args.gateway_only:
        samples = bench_gateway_only(args.calls * 4)
        print(report(samples, f"telephony gateway alone (instant fake bot, SQLite call store), "
                              f"{len(samples)} turns"))
        return 0
    if args.gateway:
        token = os.environ.get("TWILIO_AUTH_TOKEN", "")
        if not token:
            print("TWILIO_AUTH_TOKEN must be set to sign requests for a running gateway", file=sys.stderr)
            return 2
        samples, transcripts = bench_running(args.gateway, token, os.environ.get("TWILIO_PUBLIC_BASE_URL") or args.gateway, args.calls)
    else:
        samples, transcripts = bench_full_stack(args.calls)
    booked = sum("gebucht" in words for words in transcripts)
    print(report(samples, f"phone webhook latency of a full turn (gateway -> Rasa -> actions -> store), "
                          f"{args.calls} booking calls, {len(samples)} turns, {booked} booked, "
                          f"{time.monotonic() - started:.0f} s"))
    return 0 if booked == args.calls else 1


if __name__ == "__main__":
    sys.exit(main())
