"""Keypad (DTMF) entry for the values speech recognition gets wrong most often.

The schemes (told to the caller by the gateway, documented in docs/telephony.md):

- date: day and month, two digits each, then #: 0112# = 1 December (the next one from today);
  a year may follow: 01122026#.
- booking code: two keys per character. A letter: the key it is printed on, then its place
  on that key (K is the 2nd letter on 5 -> 52). A digit: the digit, then 0 (7 -> 70).
  K7M-4TX -> 52 70 61 40 81 92 #.
- phone number: the digits, then #.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from telephony.speech import CODE_ALPHABET

KEY_LETTERS = {
    "2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL", "6": "MNO", "7": "PQRS", "8": "TUV", "9": "WXYZ",
}
ENTRY_KINDS = ("date", "booking_code", "phone_number")


@dataclass(frozen=True)
class KeypadEntry:
    kind: str
    text: str  # what the gateway sends to the bot in place of speech


def decode_code(digits: str) -> Optional[str]:
    """'527061408192' -> 'K7M-4TX'; None if a pair is not a code character or the length is wrong."""
    digits = digits.strip().rstrip("#")
    if len(digits) != 12 or not digits.isdigit():
        return None
    characters = []
    for index in range(0, 12, 2):
        key, place = digits[index], digits[index + 1]
        if place == "0":
            character = key
        else:
            letters = KEY_LETTERS.get(key, "")
            position = int(place) - 1
            if position >= len(letters):
                return None
            character = letters[position]
        if character not in CODE_ALPHABET:
            return None
        characters.append(character)
    code = "".join(characters)
    return f"{code[:3]}-{code[3:]}"


def encode_code(code: str) -> str:
    """The keys for a booking code: 'K7M-4TX' -> '527061408192' (for the simulator and docs)."""
    out = []
    for character in code.upper().replace("-", ""):
        if character.isdigit():
            out.append(character + "0")
            continue
        for key, letters in KEY_LETTERS.items():
            if character in letters:
                out.append(key + str(letters.index(character) + 1))
                break
        else:
            raise ValueError(f"not a keypad character: {character!r}")
    return "".join(out)


def decode_date(digits: str, today: date) -> Optional[date]:
    """DDMM (the next such day from today on), DDMMYY or DDMMYYYY."""
    digits = digits.strip().rstrip("#")
    if not digits.isdigit() or len(digits) not in (4, 6, 8):
        return None
    day, month = int(digits[:2]), int(digits[2:4])
    try:
        if len(digits) == 4:
            candidate = date(today.year, month, day)
            if candidate < today:
                candidate = date(today.year + 1, month, day)
            return candidate
        year = int(digits[4:])
        return date(2000 + year if len(digits) == 6 else year, month, day)
    except ValueError:
        return None


def decode_phone(digits: str) -> Optional[str]:
    digits = digits.strip().rstrip("#")
    if digits.isdigit() and 5 <= len(digits) <= 15:
        return digits
    return None


def interpret_entry(digits: str, expected: Optional[str], today: date) -> Optional[KeypadEntry]:
    """Decode a keypad entry; the expected kind first, otherwise by its shape."""
    kinds = (expected,) if expected in ENTRY_KINDS else ("date", "booking_code", "phone_number")
    for kind in kinds:
        if kind == "date":
            day = decode_date(digits, today)
            if day is not None:
                return KeypadEntry("date", f"am {day.day}.{day.month}.{day.year}")
        elif kind == "booking_code":
            code = decode_code(digits)
            if code is not None:
                return KeypadEntry("booking_code", code)
        elif kind == "phone_number":
            number = decode_phone(digits)
            if number is not None:
                return KeypadEntry("phone_number", number)
    return None
