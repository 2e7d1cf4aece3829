"""Text for the ear and text from the ear.

Outgoing: long bot messages are split at sentence boundaries (never after "1." in
"1. Dezember" or after "z. B."). Incoming: spelled booking codes are put back together,
utterances carrying a critical value (date, booking code, phone number) are recognised so a
low-confidence recognition can be read back, and yes/no answers are understood.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from common.booking_code import ALPHABET as CODE_ALPHABET
from german.codes import code_character
from german.formatting import spoken_code, spoken_phone
from german.numbers import digit_string, words_to_digits
from german.phone import normalise_phone
from telephony.texts import Vocabulary

_CODE_CHAR = f"[{CODE_ALPHABET}]"
# With a hyphen, or six characters containing a digit (so that words such as "machen" never match).
CODE_PATTERN = re.compile(
    rf"\b{_CODE_CHAR}{{3}}[-–]{_CODE_CHAR}{{3}}\b|\b(?=[A-Z]{{0,5}}[34679]){_CODE_CHAR}{{6}}\b",
    re.IGNORECASE,
)

_ABBREVIATIONS = {"z", "b", "bzw", "ca", "nr", "str", "tel", "dr", "usw", "evtl", "ggf", "inkl", "u", "v", "d", "h"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"])")
_DIGIT_RUN = re.compile(r"(?<![\w-])\+?\d[\d /-]{4,}\d(?![\w-])")
_DOTTED_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.")
_CLOCK_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_TOKEN = re.compile(r"[0-9A-Za-zÄÖÜäöüß]+")


def sentences(text: str) -> list[str]:
    """Split at sentence ends, but not after an ordinal number or a known abbreviation."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start:match.start()].rstrip()
        last_word = re.split(r"\s+", before)[-1].rstrip(".!?").lower() if before else ""
        if before.endswith(".") and (last_word.isdigit() or last_word in _ABBREVIATIONS):
            continue
        parts.append(before)
        start = match.end()
    parts.append(text[start:].strip())
    return [part for part in parts if part]


def chunks(text: str, max_chars: int) -> list[str]:
    """Sentences grouped greedily into pieces of at most `max_chars` (a longer sentence stays whole)."""
    pieces: list[str] = []
    current = ""
    for sentence in sentences(text):
        candidate = f"{current} {sentence}".strip()
        if current and len(candidate) > max_chars:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def first_question(text: str) -> Optional[str]:
    """The first sentence that asks something ("Wann passt es Ihnen?"), for a simpler reprompt."""
    return next((sentence for sentence in sentences(text) if sentence.endswith("?")), None)


def from_first_question(text: str) -> str:
    """The text from its first question on ("Guten Tag. … Wie kann ich Ihnen helfen?" ->
    "Wie kann ich Ihnen helfen?"); the whole text when it asks nothing."""
    parts = sentences(text)
    for index, sentence in enumerate(parts):
        if sentence.endswith("?"):
            return " ".join(parts[index:])
    return text


def _mentions(text: str, words: Iterable[str]) -> bool:
    lowered = f" {' '.join(_TOKEN.findall(text.lower()))} "
    return any(f" {' '.join(_TOKEN.findall(word.lower()))} " in lowered for word in words if word)


def yes_or_no(text: str, vocabulary: Vocabulary) -> Optional[bool]:
    """True for a yes, False for a no, None when the answer is neither (no wins over yes)."""
    if _mentions(text, vocabulary.no_words):
        return False
    if _mentions(text, vocabulary.yes_words):
        return True
    return None


def mentions(text: str, words: Iterable[str]) -> bool:
    return _mentions(text, words)


def normalise_code_speech(text: str, vocabulary: Vocabulary) -> str:
    """Put a spelled booking code back together: "Ka sieben Emm vier Te Ix" -> "K7M-4TX".

    Only a run of exactly six spelled characters with at least one letter is rewritten, so
    spoken phone numbers and ordinary sentences stay as they are.
    """
    tokens = [(match, _code_character(match.group(0))) for match in _TOKEN.finditer(text)]
    runs: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        end = index
        while end < len(tokens) and tokens[end][1] is not None:
            end += 1
        if end > index:
            runs.append((index, end))
            index = end
        else:
            index += 1
    out = text
    for first, last in reversed(runs):
        characters = "".join(character or "" for _, character in tokens[first:last])
        if len(characters) != 6 or not any(ch.isalpha() for ch in characters):
            continue
        if last - first == 1:  # one token of six characters is already a code or a word
            continue
        span_start, span_end = tokens[first][0].start(), tokens[last - 1][0].end()
        out = out[:span_start] + f"{characters[:3]}-{characters[3:]}" + out[span_end:]
    return out


def _code_character(token: str) -> Optional[str]:
    spelled = code_character(token) or code_character(words_to_digits(token))  # "sieben" -> "7"
    if spelled:
        return spelled
    upper = token.upper()
    # "K7M" as the recogniser may write half a code: letters and digits mixed, all in the alphabet
    if 2 <= len(upper) <= 3 and all(ch in CODE_ALPHABET for ch in upper) and any(ch.isdigit() for ch in upper):
        return upper
    return None


def critical_kind(text: str, vocabulary: Vocabulary, expected: Optional[str] = None) -> Optional[str]:
    """'booking_code', 'date' or 'phone_number' when the utterance carries such a value."""
    if expected in ("booking_code", "date", "phone_number") and text.strip():
        return expected
    if CODE_PATTERN.search(text):
        return "booking_code"
    if len(digit_string(text).lstrip("+")) >= 6 and not _DOTTED_DATE.search(text):
        return "phone_number"
    if _DOTTED_DATE.search(text) or _CLOCK_TIME.search(text) or _mentions(text, vocabulary.date_words):
        return "date"
    return None


def speakable(text: str) -> str:
    """What the caller said, prepared to be read back: codes letter by letter, numbers digit by digit."""
    text = CODE_PATTERN.sub(lambda match: spoken_code(_hyphenated(match.group(0))), text)
    return _DIGIT_RUN.sub(lambda match: _spoken_digits(match.group(0)), text)


def _spoken_digits(run: str) -> str:
    """A phone number as people say it ("null eins sieben sechs, …", never "+ 4 9"); other
    digit runs digit by digit."""
    if normalise_phone(run):
        return spoken_phone(run)
    return " ".join(ch for ch in run if ch.isdigit())


def _hyphenated(code: str) -> str:
    plain = re.sub(r"[-–\s]", "", code.upper())
    return f"{plain[:3]}-{plain[3:]}"
