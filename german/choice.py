"""Which of the offered slots a person means: "den zweiten", "der dritte, nicht der erste", "den
um halb elf", "den am Donnerstag", "den in Altona", "den letzten", "keiner davon".

`choose(offers, text, now)` compares every reference in the answer with the offers: places
(ordinals), clock times, days (dates, weekdays), centre names, "der letzte", "früher/später".
Positive references narrow the offers, negated ones ("nicht der erste") remove offers. An
ordinal is never read as a date ("den ersten" is offer 1, not the 1st of the month); a day and a
month together ("am fünfzehnten dritten") is a date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Optional, Sequence

from german.dates import MONTHS, WEEKDAYS, parse_when
from german.numbers import numbers_in, said_last, words_to_digits

OPTION = "option"
NONE = "none"  # none of them: another day, another time, "keiner davon"
AMBIGUOUS = "ambiguous"  # fits more than one offer
NOT_A_CHOICE = "not_a_choice"


@dataclass(frozen=True)
class Offer:
    day: date
    time: time
    place: str  # the centre's name as offered ("Hamburg Service vor Ort Altona" or "Altona")


@dataclass(frozen=True)
class Choice:
    kind: str
    index: Optional[int] = None  # 0-based, for OPTION
    candidates: tuple[int, ...] = ()  # 0-based, for AMBIGUOUS


_NONE_OF_THEM = re.compile(
    r"\b(?:keine[rnms]?\s+(?:davon|von\s+(?:denen|den|diesen))|keine[rnms]?\s+(?:passt|geht)|nichts\s+(?:davon|dabei|passendes)"
    r"|(?:passt|geht|passen|gehen)\s+(?:mir\s+)?(?:alle[s]?\s+)?(?:leider\s+)?(?:gar\s+)?nicht"
    r"|(?:anderen?|andere[ns]?)\s+(?:tag|termin|zeit|uhrzeit|woche|datum|ort|standort|kundenzentrum|vorschl[aä]ge?)"
    r"|(?:noch\s+)?(?:was|etwas|einen?)\s+(?:anderes?|früher(?:es|en)?|später(?:es|en)?)\b(?!\s+(?:am|um|in))"
    r"|weitere\s+termine|mehr\s+termine|andere\s+termine|sonst\s+noch|alle\s+zu\s+(?:früh|spät)"
    r"|weder\b|none\b|lieber\s+(?:an\s+einem\s+)?(?:anderen|ander)|gar\s+keine[rn]?"
    r"|woche\s+danach|(?:andere|spätere|nächste)\s+woche|nichts\s+(?:früheres|späteres))"
)
_QUESTION_OR_OTHER = re.compile(
    r"\b(?:wie\s+bitte|was\s+kostet|wie\s+lange|wie\s+viel|welche\s+unterlagen|was\s+brauche|was\s+muss"
    r"|wiederholen|nochmal\s+vorlesen|noch\s*mal\s+sagen|hallo|guten\s+tag|tschüss|danke\s+schön\b(?!.*\b(?:den|die|das|nehm))"
    r"|mensch|mitarbeiter|verstehe\s+nicht|nicht\s+verstanden|abbrechen)\b"
)
_EARLIER = re.compile(r"\b(?:frühere[nmrs]?|früheste[nmrs]?|erstmöglich\w*|zeitigere[nmrs]?)\b")
_LATER = re.compile(r"\b(?:spätere[nmrs]?|späteste[nmrs]?)\b")
_WEEKDAY_ONLY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r"|mo|di|mi|do|fr|sa)\b\.?")
_DAY_OF_MONTH = re.compile(r"\b(?:am|vom|den am|der am|dem)\s+(\d{1,2})\.(?!\s*\d)")
_DATE_CUE = re.compile(
    r"\b(?:heute|morgen|übermorgen|" + "|".join(WEEKDAYS) + "|" + "|".join(MONTHS) + r")\b"
    r"|\b\d{1,2}\.\s?\d{1,2}\.?(?!\d)|\b(?:mo|di|mi|do|fr|sa)\.?\s+\d"
)
_TIME_CUE = re.compile(r"\b(?:um|gegen|uhr|halb|viertel)\b|\d{1,2}[:.]\d{2}\b|\d{1,2}\s?h\b")
_AFFIRM_ONLY = re.compile(r"^\W*(?:ja|jawohl|gerne?|ok(?:ay)?|passt|den\s+nehme\s+ich|nehme\s+ich|genau)\W*$")


def _weekday_index(word: str) -> int:
    word = word.rstrip(".")
    return WEEKDAYS.index(word) if word in WEEKDAYS else ["mo", "di", "mi", "do", "fr", "sa"].index(word)


def _place_words(place: str) -> set[str]:
    words = re.findall(r"[a-zäöüß]+", place.lower())
    generic = {"hamburg", "service", "vor", "ort", "kundenzentrum"}
    distinctive = {word for word in words if word not in generic and len(word) > 3}
    if "mobiles" in distinctive:
        distinctive |= {"mobile", "mobil", "mobilen"}
    return distinctive or {word for word in words if len(word) > 3}


_NEGATION = re.compile(r"\b(?:nicht|kein|keine|keinen|statt|anstatt|außer|ausser)\b")


def _clauses(text: str) -> list[str]:
    """The answer cut at commas and contrast words ("nicht der erste, sondern der dritte")."""
    return re.split(r"[,;]|\b(?:sondern|aber|lieber|eher|besser)\b", text)


def _negated_at(clause: str, position: int) -> bool:
    """Is the reference at `position` negated: a negation among the four words before it?"""
    before = re.findall(r"[\wäöüß.]+", clause[:position])[-4:]
    return bool(_NEGATION.search(" ".join(before)))


def choose(offers: Sequence[Offer], text: str, now: datetime) -> Choice:
    if not offers or not text or not text.strip():
        return Choice(NOT_A_CHOICE)
    lowered = text.lower().strip()
    if _NONE_OF_THEM.search(lowered):
        return Choice(NONE)
    if _QUESTION_OR_OTHER.search(lowered):
        return Choice(NOT_A_CHOICE)
    count = len(offers)
    every = set(range(count))
    wanted: Optional[set[int]] = None
    excluded: set[int] = set()

    def narrow(indexes: set[int], negated: bool) -> None:
        nonlocal wanted
        if negated:
            excluded.update(indexes)
        else:
            wanted = indexes if wanted is None else wanted & indexes

    referred = False
    for clause in _clauses(lowered):
        digits = words_to_digits(clause)
        date_cue, time_cue = _DATE_CUE.search(digits), _TIME_CUE.search(digits)
        is_date, is_time = bool(date_cue), bool(time_cue)
        if is_date or is_time:
            cue = min(m.start() for m in (date_cue, time_cue) if m)
            negated = _negated_at(digits, cue)
            when = parse_when(clause, now)
            weekday_names = {_weekday_index(m.group(1)) for m in _WEEKDAY_ONLY.finditer(digits)}
            explicit_day = re.search(r"\d{1,2}\.\s?(?:\d|" + "|".join(MONTHS) + r")|heute|morgen", digits)
            if when is not None:
                matches = set(every)
                if weekday_names and not explicit_day:  # "den am Mittwoch": the offered Wednesday, any week
                    matches &= {i for i, offer in enumerate(offers) if offer.day.weekday() in weekday_names}
                elif is_date and not when.asap:
                    matches &= {i for i, offer in enumerate(offers)
                                if when.first_day <= offer.day <= when.last_day
                                and (not when.weekdays or offer.day.weekday() in when.weekdays)}
                if when.exact_time is not None:
                    matches &= {i for i, offer in enumerate(offers) if offer.time == when.exact_time}
                elif when.time_from or when.time_to:
                    matches &= {i for i, offer in enumerate(offers)
                                if (when.time_from is None or offer.time >= when.time_from)
                                and (when.time_to is None or offer.time < when.time_to)}
                referred = True
                narrow(matches, negated)
        day_of_month = _DAY_OF_MONTH.search(digits)
        if day_of_month and not is_date:  # "den am 10.": the offer on the 10th
            referred = True
            narrow({i for i, offer in enumerate(offers) if offer.day.day == int(day_of_month.group(1))},
                   _negated_at(digits, day_of_month.start()))
        elif not is_date:
            for number in numbers_in(clause):
                if is_time and not number.ordinal:
                    continue  # "um 10 uhr 30": read as a time above
                if 1 <= number.value <= count:
                    referred = True
                    narrow({number.value - 1}, number.negated)
                elif number.ordinal:
                    referred = True
                    narrow(set(), number.negated)  # "der sechste" of five: nothing fits
        for word in re.finditer(r"[a-zäöüß]+", clause):
            places = {i for i, offer in enumerate(offers) if word.group(0) in _place_words(offer.place)}
            if places:
                referred = True
                narrow(places, _negated_at(clause, word.start()))
        if re.search(r"\bvorletzte[nrs]?\b", clause) and count >= 2:
            referred = True
            narrow({count - 2}, _negated_at(clause, clause.index("vorletzte")))
            continue
        last = said_last(clause)
        if last is not None and not re.search(r"\bletzte[nrs]?\s+(?:woche|monat|jahr)", clause):
            referred = True
            narrow({count - 1}, not last)

    candidates = (every if wanted is None else wanted) - excluded
    if _EARLIER.search(lowered) and candidates:
        candidates = {min(candidates, key=lambda i: (offers[i].day, offers[i].time))}
        referred = True
    elif _LATER.search(lowered) and candidates:
        candidates = {max(candidates, key=lambda i: (offers[i].day, offers[i].time))}
        referred = True
    if not referred:
        if count == 1 and _AFFIRM_ONLY.match(lowered):
            return Choice(OPTION, 0)
        return Choice(NOT_A_CHOICE)
    if len(candidates) == 1:
        return Choice(OPTION, candidates.pop())
    if not candidates:
        return Choice(NONE)
    if wanted is None and not excluded:
        return Choice(NOT_A_CHOICE)
    return Choice(AMBIGUOUS, candidates=tuple(sorted(candidates)))
