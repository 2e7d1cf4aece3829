"""The pauses of simulated citizens in the load test (bench/pacing.py)."""
from __future__ import annotations

import random

import pytest

from bench.pacing import NO_PAUSES, Pacing

PROMPT = "In welchem Kundenzentrum möchten Sie den Termin? Sie können auch sagen: egal."  # 78 chars


def test_the_stress_run_has_no_pauses_at_all():
    rng = random.Random(1)
    assert NO_PAUSES.phone(PROMPT, "in Altona", rng) == 0.0
    assert NO_PAUSES.chat(PROMPT, "in Altona", rng, clicked=True) == 0.0


def test_a_caller_first_hears_the_prompt_then_speaks_then_twilio_waits_for_silence():
    pacing = Pacing(jitter=0.0)
    seconds = pacing.phone(PROMPT, "in Altona", random.Random(1))
    assert seconds == pytest.approx(len(PROMPT) / 14 + len("in Altona") / 12 + 1.0)


def test_a_key_press_is_quicker_than_a_spoken_answer():
    pacing = Pacing(jitter=0.0)
    rng = random.Random(1)
    keyed = pacing.phone(PROMPT, "", rng, keyed=True)
    spoken = pacing.phone(PROMPT, "am Dienstag nächste Woche vormittags", rng)
    assert keyed == pytest.approx(len(PROMPT) / 14 + 1.5)
    assert keyed < spoken


def test_chat_pauses_are_reading_plus_typing_or_a_click():
    pacing = Pacing(jitter=0.0)
    rng = random.Random(1)
    assert pacing.chat(PROMPT, "Anna Schulz", rng) == pytest.approx(len(PROMPT) / 25 + len("Anna Schulz") / 4)
    assert pacing.chat(PROMPT, "/choose_option", rng, clicked=True) == pytest.approx(len(PROMPT) / 25 + 1.5)


def test_jitter_keeps_each_pause_within_its_band_and_citizens_drift_apart():
    pacing = Pacing(jitter=0.25)
    base = Pacing(jitter=0.0).phone(PROMPT, "ja", random.Random(1))
    rng = random.Random(7)
    pauses = [pacing.phone(PROMPT, "ja", rng) for _ in range(500)]
    assert all(0.75 * base <= p <= 1.25 * base for p in pauses)
    assert max(pauses) - min(pauses) > 0.3 * base


def test_scale_makes_citizens_proportionally_faster():
    rng = random.Random(3)
    full = Pacing(jitter=0.0).chat(PROMPT, "Anna Schulz", rng)
    half = Pacing(jitter=0.0, scale=0.5).chat(PROMPT, "Anna Schulz", rng)
    assert half == pytest.approx(full / 2)
