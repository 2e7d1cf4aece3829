"""Booking codes as people type or say them: "K7M-4TX", "k7m 4tx", "ka sieben em vier te ix",
"Kaufmann sieben Martha …". The only place that reads codes; the format is common/booking_code.py.
"""
from __future__ import annotations

import re
from typing import Optional

from common.booking_code import ALPHABET, normalise_code
from german.numbers import words_to_digits

# How callers name the characters of the alphabet: letter names and both German spelling
# alphabets (DIN 5009 old and 2022). Digits come from the number reader.
LETTER_NAMES: dict[str, tuple[str, ...]] = {
    "A": ("a", "ah", "anton", "aachen"),
    "C": ("c", "ce", "ceh", "zeh", "cäsar", "caesar", "chemnitz"),
    "D": ("d", "de", "deh", "dora", "düsseldorf"),
    "E": ("e", "eh", "emil", "essen"),
    "F": ("f", "ef", "eff", "friedrich", "frankfurt"),
    "G": ("g", "ge", "geh", "gustav", "goslar"),
    "H": ("h", "ha", "hah", "heinrich", "hamburg"),
    "J": ("j", "jot", "jott", "julius", "jena"),
    "K": ("k", "ka", "kah", "kaufmann", "köln"),
    "M": ("m", "em", "emm", "martha", "marta", "münchen"),
    "N": ("n", "en", "enn", "nordpol", "nürnberg"),
    "P": ("p", "pe", "peh", "paula", "potsdam"),
    "Q": ("q", "ku", "kuh", "quelle", "quickborn"),
    "R": ("r", "er", "err", "richard", "rostock"),
    "T": ("t", "te", "teh", "theodor", "tübingen"),
    "U": ("u", "uh", "ulrich", "unna"),
    "V": ("v", "vau", "fau", "viktor", "völklingen"),
    "W": ("w", "we", "weh", "wilhelm", "wuppertal"),
    "X": ("x", "ix", "iks", "xanthippe", "xanten"),
    "Y": ("y", "ypsilon", "üpsilon", "yps"),
}
_BY_NAME = {name: letter for letter, names in LETTER_NAMES.items() for name in names}
_FILLERS = {
    "der", "die", "code", "ist", "lautet", "mein", "meine", "buchungscode", "buchungsnummer", "äh", "ähm",
    "also", "bindestrich", "strich", "minus", "wie", "und", "dann", "nochmal", "bitte", "ja", "mit",
    "groß", "klein", "großes", "kleines", "hab", "habe", "ich", "hier", "ok", "okay",
}
_TOKEN = re.compile(r"[a-zäöüß]+|\d")


def code_character(token: str) -> Optional[str]:
    """The code character one spoken or typed token stands for ("ka" -> "K", "7" -> "7")."""
    lowered = token.lower()
    if lowered in _BY_NAME:
        return _BY_NAME[lowered]
    upper = token.upper()
    return upper if len(upper) == 1 and upper in ALPHABET else None


def spelled_characters(text: str) -> Optional[str]:
    """The characters of a code spelled token by token ("Heinrich Kaufmann drei ..."), fillers
    skipped; None as soon as a token is neither a character nor a filler."""
    tokens = [t for t in _TOKEN.findall(words_to_digits(text).replace(".", " ")) if t not in _FILLERS]
    characters = []
    for token in tokens:
        if token.isdigit():
            characters.append(token)
            continue
        character = code_character(token)
        if character is None:
            return None
        characters.append(character)
    return "".join(characters)


def code_from_text(text: str) -> Optional[str]:
    """The canonical code in a typed or spoken answer, or None."""
    written = _written_code(text)
    if written:
        return written
    spelled = spelled_characters(text)
    if spelled and normalise_code(spelled):
        return normalise_code(spelled)
    for direct in re.finditer(r"\b[A-Za-z0-9]{3}[\s\-–]?[A-Za-z0-9]{3}\b", text):
        if normalise_code(direct.group(0)):
            return normalise_code(direct.group(0))
    return None


def _written_code(text: str) -> Optional[str]:
    for pattern in _WRITTEN:
        for written in pattern.finditer(text):
            code = normalise_code(written.group(written.lastindex or 0))
            if code:
                return code
    return None


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
    written = _written_code(text)
    if written:
        return written
    alone = _ALONE.match(text)
    if alone:
        return normalise_code(alone.group(1))
    tokens = [t for t in re.findall(r"[a-zäöüß0-9]+", text.lower()) if t not in _FILLERS]
    if len(tokens) < 6:  # "ja", "nein danke": too short to be a spelled code
        return None
    return code_from_text(text)
