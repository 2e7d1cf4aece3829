"""Booking codes as people type or say them: "K7M-4TX", "k7m 4tx", "ka sieben em vier te ix"."""
from __future__ import annotations

import re
from typing import Optional

from booking_adapter.codes import normalise_code

_SPOKEN = {
    "null": "0", "eins": "1", "zwei": "2", "zwo": "2", "drei": "3", "vier": "4", "fünf": "5",
    "sechs": "6", "sieben": "7", "acht": "8", "neun": "9",
    "a": "A", "ah": "A", "ce": "C", "ze": "C", "de": "D", "e": "E", "eh": "E", "ef": "F", "eff": "F",
    "ge": "G", "ha": "H", "jott": "J", "jot": "J", "ka": "K", "em": "M", "en": "N", "pe": "P",
    "ku": "Q", "er": "R", "te": "T", "u": "U", "vau": "V", "fau": "V", "we": "W", "ix": "X",
    "ypsilon": "Y",
}
_FILLERS = {"der", "code", "ist", "lautet", "mein", "buchungscode", "äh", "ähm", "also", "bindestrich", "strich"}


def code_from_text(text: str) -> Optional[str]:
    """The canonical code in a typed or spoken answer, or None."""
    direct = re.search(r"\b([A-Za-z0-9]{3})[\s\-]?([A-Za-z0-9]{3})\b", text)
    if direct and normalise_code(direct.group(0)):
        return normalise_code(direct.group(0))
    tokens = [t for t in re.findall(r"[a-zäöüß0-9]+", text.lower()) if t not in _FILLERS]
    spelled = "".join(_SPOKEN.get(t, t.upper() if len(t) == 1 else "?") for t in tokens)
    return normalise_code(spelled) if "?" not in spelled else None


# Written the way codes are printed or typed, most certain first: 3 + 3 with a hyphen; 6 together
# with a digit among them; 3 + 3 with a space and a digit (so that words such as "danach" or
# "und der" never count).
_WRITTEN = (
    re.compile(r"\b[A-Za-z0-9]{3}[-–][A-Za-z0-9]{3}\b"),
    re.compile(r"\b(?=[A-Za-z]{0,5}[0-9])[A-Za-z0-9]{6}\b"),
    re.compile(r"(?=\b([A-Za-z0-9]{3} [A-Za-z0-9]{3})\b)(?=[A-Za-z ]{0,6}[0-9])"),
)


_ALONE = re.compile(r"^\W*([A-Za-z0-9]{6})\W*$")


def unmistakable_code(text: str) -> Optional[str]:
    """A code in the answer that cannot be anything else: written as a code (see _WRITTEN), six
    code characters as the whole answer ("nxmjne"), or the whole answer spelled out letter by
    letter. None for ordinary words and sentences."""
    for pattern in _WRITTEN:
        for written in pattern.finditer(text):
            code = normalise_code(written.group(written.lastindex or 0))
            if code:
                return code
    alone = _ALONE.match(text)
    if alone:
        return normalise_code(alone.group(1))
    tokens = [t for t in re.findall(r"[a-zäöüß0-9]+", text.lower()) if t not in _FILLERS]
    if len(tokens) < 6:  # "ja", "nein danke": too short to be a spelled code
        return None
    return code_from_text(text)
