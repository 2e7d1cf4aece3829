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
