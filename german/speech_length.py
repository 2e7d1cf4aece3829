"""How long a German sentence takes to say, estimated from its syllables and punctuation.

Used where the phone must keep a turn inside its spoken-length budget before anything is
synthesised (the slot offers). The weights were fitted by least squares to espeak-ng
(German, 150 words per minute) on 379 texts: the phone sentences of the evaluation corpus,
every voice response and gateway sentence, and offer fragments (eval/phone): 0.177 s per
syllable, 0.48 s per comma, 0.70 s per sentence end or colon, 0.34 s per text; median error
0.4 s, p95 1.4 s. The measured length (eval/phone/spoken.py) stays
the figure that counts; this is the guard the running bot can afford.
"""
from __future__ import annotations

import re

from num2words import num2words

SECONDS_PER_SYLLABLE = 0.177
SECONDS_PER_COMMA = 0.48
SECONDS_PER_STOP = 0.70
SECONDS_PER_TEXT = 0.34

_VOWEL_GROUP = re.compile(r"[aeiouyäöü]+", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(\d{1,4})\.(?=\s)")
_NUMBER = re.compile(r"\d+")
_COMMA = re.compile(r"[,;–]")
_STOP = re.compile(r"[.:!?…]+")


def _spelled_numbers(text: str) -> str:
    text = _ORDINAL.sub(lambda match: num2words(int(match.group(1)), lang="de", to="ordinal"), text)
    return _NUMBER.sub(lambda match: num2words(int(match.group(0)), lang="de"), text)


def syllables(text: str) -> int:
    return len(_VOWEL_GROUP.findall(_spelled_numbers(text)))


def estimate_seconds(text: str) -> float:
    """Estimated spoken length of one text (0 for an empty one)."""
    if not text.strip():
        return 0.0
    words = _spelled_numbers(text)
    return (SECONDS_PER_TEXT + SECONDS_PER_SYLLABLE * len(_VOWEL_GROUP.findall(words))
            + SECONDS_PER_COMMA * len(_COMMA.findall(words)) + SECONDS_PER_STOP * len(_STOP.findall(words)))
