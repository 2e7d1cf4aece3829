"""German number words as people say them, turned into digits ("am fünfzehnten dritten" -> "am 15. 3.").

Built on text2num's `alpha2digit` (cardinals, ordinals, compounds such as
"zweitausendsiebenundzwanzig"); this module only prepares the colloquial forms it does not know
("zwo", "dreiviertel") and never lets a library error escape.
"""
from __future__ import annotations

import re

from text_to_num import alpha2digit

_COLLOQUIAL = [
    (re.compile(r"\bzwoten\b"), "zweiten"),
    (re.compile(r"\bzwote([nrs]?)\b"), r"zweite\1"),
    (re.compile(r"\bzwo\b"), "zwei"),
    (re.compile(r"\bdreiviertel\b"), "drei viertel"),
    (re.compile(r"\beinviertel\b"), "viertel"),
]


def words_to_digits(text: str) -> str:
    """Lower-case text with every German number word written as digits; ordinals end in a dot."""
    for pattern, replacement in _COLLOQUIAL:
        text = pattern.sub(replacement, text)
    try:
        return alpha2digit(text, "de", ordinal_threshold=0)
    except Exception:  # text2num is strict about odd inputs; the words simply stay words
        return text
