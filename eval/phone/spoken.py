"""How long a phone turn takes to hear: synthesised with espeak-ng (German), measured with sox.

The measure the phone issue set: German voice, 150 words per minute, every <Say> of one
webhook answer spoken one after the other. Pauses inside spelled codes (shown as "…" by
telephony.simulator.say_text) are spoken as the SSML break the TwiML carries (600 ms).
espeak-ng is not the voice a caller hears (Polly or Google at the configured rate), but it
is repeatable, offline, and its length tracks the number of syllables, which is what a
caller has to sit through.

    .venv/bin/python -m eval.phone.spoken "Guten Tag. Wie kann ich Ihnen helfen?"
"""
from __future__ import annotations

import functools
import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

from telephony.bench import percentile as nearest_rank

WORDS_PER_MINUTE = 150
VOICE = "de"
BREAK = '<break time="600ms"/>'
# The budget of one turn (issue: about 15 s at the configured rate) and the corpus targets.
TURN_BUDGET_SECONDS = 15.0
TARGET_P95_SECONDS = 12.0
TARGET_MAX_SECONDS = 20.0


class SpeechToolsMissing(RuntimeError):
    """espeak-ng or sox is not installed (scripts/install_speech_tools.sh installs both)."""


def tools_present() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def _ssml(text: str) -> str:
    pieces = [html.escape(piece.strip(), quote=False) for piece in text.replace("...", "…").split("…")]
    return "<speak>" + f" {BREAK} ".join(pieces) + "</speak>"


@functools.lru_cache(maxsize=4096)
def seconds(text: str) -> float:
    """Spoken length of one text in seconds (0 for an empty text)."""
    if not text.strip():
        return 0.0
    if not tools_present():
        raise SpeechToolsMissing("espeak-ng and sox are needed: scripts/install_speech_tools.sh")
    with tempfile.TemporaryDirectory(prefix="spoken-") as folder:
        wav = Path(folder) / "turn.wav"
        subprocess.run(
            ["espeak-ng", "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-m", "-w", str(wav), _ssml(text)],
            check=True, capture_output=True,
        )
        output = subprocess.run(["sox", "--i", "-D", str(wav)], check=True, capture_output=True, text=True)
    return float(output.stdout.strip())


def turn_seconds(says: Iterable[str]) -> float:
    """One webhook answer: its <Say> texts spoken one after the other."""
    return sum(seconds(text) for text in says)


def percentile(values: Sequence[float], share: float) -> float:
    """The phone bench's nearest-rank percentile; 0 for no values."""
    return nearest_rank(list(values), share) if values else 0.0


def summary(values: Sequence[float]) -> str:
    return (f"p50 {percentile(values, 0.5):.1f} s, p95 {percentile(values, 0.95):.1f} s, "
            f"max {max(values, default=0.0):.1f} s over {len(values)} turns")


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        print(f"{seconds(argument):5.1f} s  {argument}")
