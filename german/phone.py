"""Telephone numbers as people say or type them: "040 1234567", "null vier null, zwölf
vierunddreißig …", "doppel-null vier neun …", "+49 (40) 123-456". The only place that reads them.
"""
from __future__ import annotations

from typing import Optional

import phonenumbers

from german.numbers import digit_string

REGION = "DE"


def normalise_phone(text: Optional[str]) -> Optional[str]:
    """E.164 form ("+4940123456") of a German (or international) number in any spelling or
    dictation, or None if it cannot be a telephone number."""
    if not text or not text.strip():
        return None
    digits = digit_string(text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if len(digits.lstrip("+")) < 5:
        return None
    try:
        number = phonenumbers.parse(digits, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def same_phone(given: Optional[str], stored: Optional[str]) -> bool:
    """Do two spellings name the same number?"""
    left, right = normalise_phone(given), normalise_phone(stored)
    return left is not None and left == right
