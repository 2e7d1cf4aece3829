"""Webhook latency of phone turns, the measuring part: scripted phone bookings with requests
signed like Twilio's, and p50/p95 of a full turn (gateway -> Rasa -> actions -> store), split
into the bot's share and the gateway's own, from the Server-Timing header.

The command (`python -m devtools.phone_bench`, part of `make bench`) that starts a stack or
builds the gateway to measure lives in devtools/: telephony never imports the gateway or the
launcher.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

from telephony.simulator import Exchange, SignedPhone, http_transport

NOW = "2026-11-23T09:00:00+01:00"  # a Monday

# A phone booking as a caller would go through it (the bot speaks first on /voice/incoming).
PHONE_BOOKING: list[tuple[str, dict[str, str]]] = [
    ("service", {"SpeechResult": "Ich brauche einen Termin für einen Personalausweis", "Confidence": "0.91"}),
    ("location", {"SpeechResult": "in Altona", "Confidence": "0.88"}),
    ("when", {"SpeechResult": "nächste Woche Dienstag vormittags", "Confidence": "0.9"}),
    ("choose", {"Digits": "1"}),
    ("name", {"SpeechResult": "Anna Schulz", "Confidence": "0.86"}),
    ("phone", {"SpeechResult": "ja", "Confidence": "0.95"}),
    ("confirm", {"SpeechResult": "ja", "Confidence": "0.95"}),
    ("repeat_code", {"SpeechResult": "ja bitte", "Confidence": "0.93"}),
    ("anything_else", {"SpeechResult": "nein danke", "Confidence": "0.93"}),
]


def run_phone_booking(phone: SignedPhone) -> list[tuple[str, Exchange]]:
    """One scripted booking call; returns each step with its exchange. Ends with a hang-up."""
    steps = [("greet", phone.incoming())]
    for label, fields in PHONE_BOOKING:
        steps.append((label, phone.post("/voice/gather", **fields)))
    phone.hang_up()
    return steps


@dataclass
class Sample:
    label: str
    total_ms: float
    bot_ms: Optional[float]


def _server_timing(header: str, name: str) -> Optional[float]:
    match = re.search(rf"\b{name};dur=([0-9.]+)", header or "")
    return float(match.group(1)) if match else None


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report(samples: list[Sample], title: str) -> str:
    lines = [title]

    def row(name: str, values: list[float]) -> str:
        return (f"  {name:<22} p50 {percentile(values, 0.5):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms"
                f"   max {max(values):7.1f} ms   (n={len(values)})")

    lines.append(row("full turn", [s.total_ms for s in samples]))
    bot = [(s.total_ms, s.bot_ms) for s in samples if s.bot_ms is not None]
    if bot:
        lines.append(row("  waiting for the bot", [bot_ms for _, bot_ms in bot]))
        lines.append(row("  gateway itself", [total - bot_ms for total, bot_ms in bot]))
    by_label: dict[str, list[float]] = defaultdict(list)
    for sample in samples:
        by_label[sample.label].append(sample.total_ms)
    lines.append("  by step (p95):  " + ", ".join(
        f"{label} {percentile(values, 0.95):.0f} ms" for label, values in by_label.items()))
    slowest = max(by_label.items(), key=lambda item: percentile(item[1], 0.95))
    lines.append(f"  slowest step: {slowest[0]}")
    return "\n".join(lines)


def samples_of(steps: list[tuple[str, Exchange]]) -> list[Sample]:
    return [
        Sample(label, exchange.seconds * 1000, _server_timing(exchange.server_timing, "bot"))
        for label, exchange in steps
    ]


# --- modes ------------------------------------------------------------------------------------


def bench_running(gateway_url: str, token: str, public_base_url: str, calls: int) -> tuple[list[Sample], list[str]]:
    samples: list[Sample] = []
    transcripts: list[str] = []
    for index in range(calls):
        phone = SignedPhone(http_transport(gateway_url), token, public_base_url, caller=f"+49170{5550000 + index}")
        steps = run_phone_booking(phone)
        if any(exchange.status != 200 for _, exchange in steps):
            raise RuntimeError(f"call {index}: a webhook failed: {[e.status for _, e in steps]}")
        samples += samples_of(steps)
        transcripts.append(_last_words(steps))
    return samples, transcripts


def _last_words(steps: list[tuple[str, Exchange]]) -> str:
    root = steps[-1][1].root
    return " ".join("".join(say.itertext()) for say in root.iter("Say")) if root is not None else ""
