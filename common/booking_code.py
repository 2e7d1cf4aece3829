"""The booking code's format, shared by the store that issues codes and the readers that
understand them: "K7M-4TX".

The alphabet leaves out letters and digits that sound or look alike (B/P/D/T on the phone are
kept apart by leaving out B, O/0, I/1/L, S/5, Z/2, 8). 25 symbols, 6 places: 244 million codes.
"""
from __future__ import annotations

import re

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 6
_NOISE = re.compile(r"[\s\-–_.,/]+")
_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def normalise_code(text: str) -> str | None:
    """The canonical "ABC-123" form of what someone typed, or None if it cannot be one.
    Case, spaces and dashes are ignored."""
    raw = _NOISE.sub("", text or "").upper()
    if not _VALID.match(raw):
        return None
    return f"{raw[:3]}-{raw[3:]}"
