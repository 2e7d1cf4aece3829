"""German numbers as people say and type them: the one place that reads number words.

Built on text2num's `alpha2digit` (cardinals, ordinals, compounds such as
"zweitausendsiebenundzwanzig"); this module prepares the colloquial forms it does not know
("zwo", "dreiviertel", "15ten", "doppel-null") and never lets a library error escape.

- `words_to_digits`: a sentence with every number word written as digits ("am fünfzehnten
  dritten" -> "am 15. 3."); ordinals end in a dot.
- `numbers_in`: the numbers of a sentence, each marked as ordinal or cardinal and as negated
  ("der dritte, nicht der erste" -> 3, not 1).
- `read_cardinal` / `read_ordinal`: an answer that is one number ("dreiundzwanzig", "Nummer
  zwei", "den Ersten bitte", "1.").
- `digit_string`: digits as dictated, singly, in pairs or blocks ("null vier null",
  "vierzig zwölf", "doppel-null", "zweimal die vier").
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Optional

from text_to_num import alpha2digit

_COLLOQUIAL = [
    (re.compile(r"\bzwoten\b"), "zweiten"),
    (re.compile(r"\bzwote([nrs]?)\b"), r"zweite\1"),
    (re.compile(r"\bzwo\b"), "zwei"),
    (re.compile(r"\bdreiviertel\b"), "drei viertel"),
    (re.compile(r"\beinviertel\b"), "viertel"),
]
# "15ten", "3te", "21sten": digits with an ordinal ending are the ordinal "15."
_DIGIT_ORDINAL = re.compile(r"\b(\d{1,2})(?:ten|te|ter|tes|sten|ste|ster|stes|n)\b")
# Ordinal words text2num leaves alone when they stand at the start or alone ("erste" in "erste
# bitte" is read, "Erster" capitalised is not): read them here, whole words only.
_ORDINAL_WORDS = {
    "erst": 1, "zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "sechst": 6, "siebt": 7,
    "siebent": 7, "acht": 8, "neunt": 9, "zehnt": 10, "elft": 11, "zwölft": 12,
}
_ORDINAL_WORD = re.compile(r"\b(" + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True)) + r")(e|en|er|es|em)\b")
_LAST_WORD = re.compile(r"\b(?:letzte[nrsm]?|letzt)\b")
_NEGATION = re.compile(r"\b(?:nicht|kein|keine|keinen|keinesfalls|bloß nicht|auf keinen fall|statt|anstatt)\b")
_CARDINAL_LEAD = re.compile(r"\b(?:nummer|nr|option|termin|möglichkeit|variante|punkt)\.?\s*$")
_NUMBER = re.compile(r"(?<![\d:.,])(\d+)(\.)?(?![\d:]|[.,]\d)")


def words_to_digits(text: str) -> str:
    """Lower-case text with every German number word written as digits; ordinals end in a dot."""
    text = text.lower()
    for pattern, replacement in _COLLOQUIAL:
        text = pattern.sub(replacement, text)
    with contextlib.suppress(Exception):  # text2num is strict about odd inputs; the words simply stay words
        text = alpha2digit(text, "de", ordinal_threshold=0)
    text = _ORDINAL_WORD.sub(lambda m: f"{_ORDINAL_WORDS[m.group(1)]}.", text)
    return _DIGIT_ORDINAL.sub(r"\1.", text)


@dataclass(frozen=True)
class Number:
    value: int
    ordinal: bool  # "3." / "dritte", or led by "Nummer" / "Option"
    negated: bool  # "nicht der erste", "keinen am Montag"
    start: int  # position in the digit form of the text
    end: int


def numbers_in(text: str) -> list[Number]:
    """The numbers of an utterance in order, with their kind and whether they are negated.

    A negation covers the numbers up to the next comma, "sondern", "aber" or "lieber"."""
    digits = words_to_digits(text)
    found = []
    for match in _NUMBER.finditer(digits):
        before = digits[:match.start()]
        clause = re.split(r"[,;]|\b(?:sondern|aber|lieber|eher|besser|dann)\b", before)[-1]
        ordinal = bool(match.group(2)) or bool(_CARDINAL_LEAD.search(before))
        found.append(Number(int(match.group(1)), ordinal, bool(_NEGATION.search(clause)), match.start(), match.end()))
    return found


def said_last(text: str) -> Optional[bool]:
    """True for "der letzte", False for "nicht der letzte", None when "letzte" is not said.
    ("letzte Woche" is a date, not a choice: the caller checks for dates first.)"""
    lowered = text.lower()
    match = _LAST_WORD.search(lowered)
    if not match or re.search(r"\bvor" + re.escape(match.group(0)), lowered):
        return None
    clause = re.split(r"[,;]|\b(?:sondern|aber|lieber)\b", lowered[:match.start()])[-1]
    return not _NEGATION.search(clause)


def read_cardinal(text: str) -> Optional[int]:
    """The one number a short answer holds ("dreiundzwanzig", "23", "ähm zwölf", "ich glaube 12"), else None."""
    numbers = numbers_in(text)
    return numbers[0].value if len(numbers) == 1 and len(text) <= 40 else None


def read_ordinal(text: str, highest: Optional[int] = None) -> Optional[int]:
    """Which place an answer names: "der Erste", "den ersten bitte", "1.", "Nummer eins", "eins",
    "die zweite Option"; "der dritte, nicht der erste" is 3. None when no single place is named
    (or it is above `highest`)."""
    numbers = [number for number in numbers_in(text) if not number.negated]
    if len(numbers) != 1:
        return None
    value = numbers[0].value
    if value < 1 or (highest is not None and value > highest):
        return None
    return value


# --------------------------------------------------------------------------- dictated digits

_REPEAT = re.compile(r"\b(?:doppel|doppelt|zweimal|2 mal|2mal)\s*-?\s*(?:die\s+|der\s+|eine\s+)?(\d)\b")
_TRIPLE = re.compile(r"\b(?:dreimal|3 mal|3mal)\s*-?\s*(?:die\s+|der\s+)?(\d)\b")


def digit_string(text: str) -> str:
    """The digits of a dictated number in order, a leading plus kept: "null vier null, vierzig
    zwölf" -> "0404012"; "doppel-null neun" -> "009"; "plus neun und vierzig" -> "+49"."""
    lowered = text.lower().replace("doppelnull", "doppel null")
    lowered = re.sub(r"\bplus\b", " + ", lowered)
    spoken = words_to_digits(" ".join(re.findall(r"\+|\d+|[a-zäöüß]+", lowered)))
    spoken = _TRIPLE.sub(lambda m: m.group(1) * 3, spoken)
    spoken = _REPEAT.sub(lambda m: m.group(1) * 2, spoken)
    return "".join(re.findall(r"\+|\d", spoken.replace(".", " ")))
