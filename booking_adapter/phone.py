"""Phone numbers as verification: every spelling of one number compares equal."""
from __future__ import annotations

import re
from typing import Optional

import phonenumbers

REGION = "DE"


def normalise_phone(text: Optional[str]) -> Optional[str]:
    """E.164 form ("+4940123456") of a number in any spelling, read as German when it has no
    country code. Falls back to the bare digits for numbers phonenumbers cannot parse."""
    if not text or not text.strip():
        return None
    cleaned = text.strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = re.sub(r"\D", "", cleaned)
    return digits or None


def same_phone(given: Optional[str], stored: Optional[str]) -> bool:
    left, right = normalise_phone(given), normalise_phone(stored)
    return left is not None and left == right
