"""Input hygiene for everything a citizen types or says before it reaches the bot.

Control characters, invisible direction overrides and unpaired surrogates are no part of any
real message; they only break logs, JSON encoders and the NLU. They become spaces, runs of
white space one space, and the text is put into NFC so that "ä" is one character however it
was typed.
"""
from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newlines, zero-width and bidi controls, the BOM, non-characters
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufffe\uffff]")
_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """The message as the bot should see it; may be empty when nothing readable is left."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # unpaired surrogates -> "?"
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub(" ", text)
    return _SPACE.sub(" ", text).strip()
