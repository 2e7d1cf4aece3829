"""Telephone numbers as people say or type them ("null vier null, eins zwei drei …")."""
from __future__ import annotations

import re
from typing import Optional

import phonenumbers

_DIGIT_WORDS = {
    "null": "0", "eins": "1", "ein": "1", "zwei": "2", "zwo": "2", "drei": "3", "vier": "4",
    "fünf": "5", "fuenf": "5", "sechs": "6", "sieben": "7", "acht": "8", "neun": "9",
}


def digits_from_speech(text: str) -> str:
    """Turn spoken digit words into digits, keep digits and a leading plus."""
    out = []
    for token in re.findall(r"\+|\d+|[a-zäöüß]+", text.lower()):
        if token == "+" or token.isdigit():
            out.append(token)
        elif token in _DIGIT_WORDS:
            out.append(_DIGIT_WORDS[token])
        elif token in {"plus"}:
            out.append("+")
    return "".join(out)


def normalise_phone(text: str) -> Optional[str]:
    """E.164 form of a German (or international) number, or None if it cannot be one."""
    digits = digits_from_speech(text)
    if len(digits.lstrip("+")) < 5:
        return None
    try:
        number = phonenumbers.parse(digits, "DE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
