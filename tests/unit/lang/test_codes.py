"""Booking codes in what people type or say (german/codes.py)."""
from __future__ import annotations

import random

import pytest

from common.booking_code import ALPHABET
from german.codes import code_from_text, unmistakable_code


@pytest.mark.parametrize("text, code", [
    ("NEM-JY9", "NEM-JY9"),
    ("nemjy9", "NEM-JY9"),
    ("nem jy9", "NEM-JY9"),
    ("der Code ist K7M-4TX", "K7M-4TX"),
    ("ist k7m 4tx", "K7M-4TX"),
    ("mein Code: nem jy9 bitte", "NEM-JY9"),
    ("ka sieben em vier te ix", "K7M-4TX"),
    ("HEU-AQR", "HEU-AQR"),
    ("nxmjne", "NXM-JNE"),  # six code letters as the whole answer
    ("heuaqr.", "HEU-AQR"),
])
def test_codes_written_or_spelled_as_codes_are_found(text, code):
    assert unmistakable_code(text) == code


@pytest.mark.parametrize("text", [
    "nein", "ja", "erst danach", "und der", "Ich weiß nicht", "heuaqr bitte", "040 9999999", "0171 5550121",
    "Termin am 12.12.", "ABC-DEF", "ist K7M",
])
def test_words_numbers_and_invalid_codes_are_not_taken_for_codes(text):
    assert unmistakable_code(text) is None


def test_every_issued_code_is_found_in_each_way_it_is_typed():
    rng = random.Random(5)
    for _ in range(2000):
        code = "".join(rng.choice(ALPHABET) for _ in range(3)) + "-" + "".join(rng.choice(ALPHABET) for _ in range(3))
        written = [code, code.lower(), code.replace("-", "").lower()]
        if any(c.isdigit() for c in code):
            written.append(code.replace("-", " "))
        for text in written:
            assert unmistakable_code(text) == code, text
            assert code_from_text(text) == code, text
