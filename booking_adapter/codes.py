"""New booking codes; the format itself (alphabet, canonical form) is common/booking_code.py."""
from __future__ import annotations

import secrets

from common.booking_code import ALPHABET, LENGTH, normalise_code

__all__ = ["ALPHABET", "new_code", "normalise_code"]


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:3]}-{raw[3:]}"
