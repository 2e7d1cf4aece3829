"""German date and time expressions, as typed in a chat or heard by a speech recogniser.

`parse_when("übermorgen nachmittag", now)` -> a day or a range of days plus an optional time
window, relative to `now` (the ASSISTANT_NOW clock). Conventions (see docs/dates.md):

- A result is never silently in the past: an expression that can only mean past days keeps those
  days and sets `in_past=True`; a range that began earlier is clipped to today.
- Day and month without a year roll forward to next year, unless the day lies at most 31 days
  back (then it is taken as meant and reported `in_past`).
- A bare weekday is its next occurrence after today ("Montag" said on a Monday is in 7 days);
  "nächsten Dienstag" is the same day, "übernächsten" one week later, "letzten" the past one.
- Hours 1–6 without a morning word mean the afternoon ("um 3" -> 15:00, "halb drei" -> 14:30),
  because the service centres open 7–19. "dreiviertel zehn" is 9:45, "viertel zehn" 9:15.
- Only a time or part of the day, no day: today and the next 13 days.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable, Optional

from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

from common.clock import BERLIN
from german.numbers import words_to_digits

# Hamburg's summer school holidays (Behörde für Schule und Berufsbildung); the booking store's
# passport priority uses the same dates (booking_adapter/data/calendar.yml). Add years as published.
SUMMER_HOLIDAYS_HH = {
    2025: (date(2025, 7, 24), date(2025, 9, 3)),
    2026: (date(2026, 7, 9), date(2026, 8, 19)),
    2027: (date(2027, 7, 1), date(2027, 8, 11)),
}
HORIZON_DAYS = 14  # a time without a day: today and the next 13 days
ASAP_DAYS = 90  # "so bald wie möglich": today and the next 90 days
RECENT_PAST_DAYS = 31  # day-month up to this far back is taken as meant (in_past), not next year
PAST_LOOKAHEAD_DAYS = 60  # with prefer_past, a day-month further ahead than this is last year's
OPENING_HOUR = 7  # hours below this are read as afternoon ("um 3" -> 15:00)

WEEKDAYS = ["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"]
_WD_ABBR = ["mo", "di", "mi", "do", "fr", "sa", "so"]
MONTHS = ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
          "oktober", "november", "dezember"]
_MONTH_ALIASES = {
    "jänner": 1, "jan": 1, "feb": 2, "febr": 2, "mär": 3, "mrz": 3, "apr": 4, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "sept": 9, "okt": 10, "nov": 11, "dez": 12,
}
_MONTH_WORDS = {name: index + 1 for index, name in enumerate(MONTHS)} | _MONTH_ALIASES
_MONTH_RE = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))

PARTS_OF_DAY: dict[str, tuple[time, time]] = {
    "früh": (time(7), time(10)),
    "morgens": (time(7), time(10)),
    "vormittags": (time(7), time(12)),
    "mittags": (time(12), time(14)),
    "nachmittags": (time(12), time(18)),
    "spätnachmittags": (time(15), time(18)),
    "abends": (time(17), time(19)),
}
_MORNING_PARTS = {"früh", "morgens", "vormittags"}
_LATE_PARTS = {"nachmittags", "spätnachmittags", "abends"}

_FILLERS = {
    "äh", "ähm", "öhm", "ehm", "hm", "hmm", "mhm", "also", "naja", "na", "halt", "mal", "eben",
    "bitte", "gerne", "gern", "vielleicht", "eventuell", "so", "ja", "ok", "okay", "ne", "nee",
    "irgendwie", "sozusagen", "quasi", "genau", "ach", "oh", "denn", "doch", "liebsten", "lieber",
    "eher", "wenn", "möglich", "geht", "das", "es", "ich", "würde", "hätte", "einen", "wäre", "gut",
    "super", "passt", "mir",
}
_UMLAUT_VOCAB = {
    "nächste", "nächsten", "nächster", "nächstes", "übernächste", "übernächsten", "übernächster",
    "übernächstes", "übermorgen", "märz", "früh", "frühestens", "möglich", "schnellstmöglich",
    "frühestmöglich", "spätestens", "später", "spätnachmittags", "spätnachmittag", "für", "über",
    "außer", "möglichst", "jänner", "mär", "nächstmöglich", "nächstmöglichen", "baldmöglichst",
    "frühesten", "früheste", "frühestmöglichen", "wäre", "hätte", "würde", "äh", "ähm",
}
_ASAP = re.compile(
    r"so\s*(?:bald|schnell|früh|zeitnah)\s*(?:wie|als)\s*möglich|schnellst\s*möglich|schnellstens"
    r"|baldmöglichst|baldigst|frühest\s*möglich\w*|nächstmöglich\w*|möglichst\s+(?:bald|schnell|früh|zeitnah)"
    r"|\basap\b|a\.s\.a\.p|egal\s+wann|egal\s+(?:an\s+)?welche[mnrs]?\s+(?:tag|zeit|uhrzeit|termin|datum|wochentag)|wann\s+(?:ist\s+)?(?:mir\s+)?egal|wann\s+(?:auch\s+)?immer"
    r"|jederzeit|zu\s+jeder\s+zeit|zeitlich\s+(?:ist\s+)?(?:mir\s+)?egal|tag\s+(?:ist\s+)?(?:mir\s+)?egal"
    r"|(?:der|den|die|einen?|ersten?|nächste[nrs]?)\s+(?:nächste[nrs]?\s+)?(?:früheste[nrs]?|freie[nrs]?|verfügbare[nrs]?|mögliche[nrs]?)\s+(?:freie[nrs]?\s+)?termin"
    r"|was\s+als\s+(?:nächstes|erstes)\s+frei"
    r"|erstbeste\w*|\bsofort\b|\bumgehend\b|\bzeitnah\b|wann\s+es\s+(?:am\s+schnellsten\s+)?geht"
    r"|am\s+schnellsten|so\s+früh\s+es\s+geht|\bdringend\b|hauptsache\s+(?:bald|schnell)"
)
_EGAL = re.compile(r"\begal\b")
_EGAL_PLACE = re.compile(r"\b(?:wo|wohin|welche[rsnm]?|standort|ort|filiale|kundenzentrum|bezirk|amt)\b")


_DAY_OR_TIME = (r"(?:(?:" + "|".join(WEEKDAYS) + r")s?|heute|morgen|übermorgen|(?:um\s+)?(?:halb|viertel(?:\s+nach|\s+vor)?)\s+\d{1,2}"
                r"|(?:um\s+)?\d{1,2}(?::\d{2})?\s*uhr|um\s+\d{1,2}(?::\d{2})?|\d{1,2}\.\s?\d{1,2}\.?)")
_REPLACED = re.compile(r"\b(?:statt|anstatt|anstelle\s+von)\s+(?:am\s+|den\s+)?" + _DAY_OR_TIME + r"(?![\w:])"
                       r"|\bnicht\s+(?:am\s+|den\s+)?(?:heute|morgen|übermorgen|(?:um\s+)?(?:halb|viertel(?:\s+nach|\s+vor)?)\s+\d{1,2}"
                       r"|(?:um\s+)?\d{1,2}(?::\d{2})?\s*uhr|um\s+\d{1,2}(?::\d{2})?)(?![\w:])")


@dataclass(frozen=True)
class When:
    first_day: date
    last_day: date
    time_from: Optional[time] = None
    time_to: Optional[time] = None
    exact_time: Optional[time] = None
    weekdays: Optional[frozenset[int]] = None
    asap: bool = False
    in_past: bool = False
    text: str = ""
    weekday_conflict: bool = False  # a weekday was named that the given date does not fall on
    alternative: Optional[date] = None  # a second plausible day ("nächsten Mittwoch" on Monday: +7)
    time_only: bool = False  # a time of day and no day at all ("nach 17 Uhr"): the day is open


@dataclass
class _Item:
    """One date expression found in the text: a day or a range of days, with its preposition."""

    first: date
    last: date
    start: int
    kind: str  # day | rel (heute, gestern) | ahead (in 3 Tagen) | week | month | weekend | range
    pre: str = ""  # the text just before it, for its preposition ("ab dem", "bis zum")
    weeks_ahead: bool = False  # "in zwei Wochen": a weekday beside it picks that week


@dataclass
class _Found:
    items: list[_Item] = field(default_factory=list)
    weekdays: list[tuple[int, str, bool, int]] = field(default_factory=list)  # day, qualifier, plural, pos
    excluded: set[int] = field(default_factory=set)
    workdays: bool = False
    parts: list[str] = field(default_factory=list)
    exact: Optional[tuple[int, int]] = None
    bound_from: Optional[tuple[int, int]] = None
    bound_to: Optional[tuple[int, int]] = None
    asap: bool = False


# ---------------------------------------------------------------- normalising the text


def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFC", text).lower()
    tokens = re.split(r"(\s+)", s)
    for i, token in enumerate(tokens):
        bare = token.strip(".,;:!?")
        if any(pair in bare for pair in ("ae", "oe", "ue")):
            guess = bare.replace("ae", "ä").replace("oe", "ö").replace("ue", "ü")
            if guess in _UMLAUT_VOCAB:
                tokens[i] = token.replace(bare, guess)
        elif len(bare) >= 6 and bare.isalpha() and bare not in _KNOWN_WORDS:
            fixed = _typo_fix(bare)
            if fixed:
                tokens[i] = token.replace(bare, fixed)
    s = "".join(tokens)
    s = re.sub(r"\bzw\.?(?=\s)", "zwischen", s)
    s = re.sub(r"\b(ca|zirka)\.?(?=\s)", "ca", s)
    s = re.sub(r"[^\w\s.:/\-]", " ", s)  # emojis, commas, quotes, brackets
    s = re.sub(r"(\d[:.]\d\d)\.(?=\s|$)", r"\1", s)  # "um 9.30." ends a sentence
    s = re.sub(r"\bheiligen abend\b", "heiligabend", s)
    s = re.sub(r"\b(?:in der |die )?woche (?:vom|ab dem|ab|um den|des) ", " wochevom ", s)
    s = re.sub(r"(?<=\w)-(?=(?:vormittag|nachmittag|mittag|abend|morgen|früh))", " ", s)  # "Dienstag-Vormittag"
    s = re.sub(r"\b(übermorgen|morgen|heute|" + "|".join(WEEKDAYS) + r")(vormittag|nachmittag|mittag|abend|früh|morgen)(s?)\b",
               r"\1 \2\3", s)
    s = re.sub(r"\bspäte[nr]?\s+nachmittags?\b", "spätnachmittags", s)
    s = re.sub(r"\bspätnachmittag\b", "spätnachmittags", s)
    return re.sub(r"\s+", " ", s).strip()


_TYPO_TARGETS = WEEKDAYS + [d + "s" for d in WEEKDAYS] + [
    "januar", "februar", "august", "september", "oktober", "november", "dezember", "vormittag",
    "vormittags", "nachmittag", "nachmittags", "übermorgen", "wochenende", "nächste", "nächsten",
    "übernächste", "übernächsten", "schnellstmöglich", "morgen",
]
_KNOWN_WORDS = set(_TYPO_TARGETS) | {"montage", "sorgen", "morgens", "abends", "freitage", "sonntage", "wochen",
                                     "nachmittage", "vormittage", "dienste", "mittags"}


def _edit_distance_one(a: str, b: str) -> bool:
    """True when b is a (one insertion, deletion, substitution or swap of neighbours) away from a."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _typo_fix(word: str) -> Optional[str]:
    """The date word a typed word is one slip away from ("Dienstg" -> "dienstag"), if exactly one."""
    hits = {target for target in _TYPO_TARGETS if _edit_distance_one(word, target)}
    return hits.pop() if len(hits) == 1 else None


def _drop_fillers(s: str) -> str:
    kept = [tok for tok in s.split(" ") if tok.strip(".") not in _FILLERS or re.fullmatch(r"\d+\.?", tok)]
    return " ".join(kept)


# ---------------------------------------------------------------- helpers


def _safe_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_end(day: date) -> date:
    end: date = day + relativedelta(day=31)
    return end


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _hour(h: int, m: int, parts: list[str]) -> Optional[tuple[int, int]]:
    """A clock time as said; hours before opening mean the afternoon unless a morning word is there."""
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        return None
    if h == 24:
        h = 0
    late = any(p in _LATE_PARTS for p in parts)
    morning = any(p in _MORNING_PARTS for p in parts) or "nachts" in parts
    if (late and h < 12) or (h < OPENING_HOUR and not morning):
        h += 12
    return (h, m) if h < 24 else None


def _clock_to_time(value: Optional[tuple[int, int]]) -> Optional[time]:
    return time(*value) if value is not None else None


# ---------------------------------------------------------------- the extractor


class _Parser:
    def __init__(self, text: str, now: datetime, prefer_past: bool) -> None:
        self.today = (now.astimezone(BERLIN) if now.tzinfo is not None else now).date()
        self.prefer_past = prefer_past
        self.raw = _normalise(text)
        self.found = _Found()
        self.has_day = False
        self._weekday_pre = ""
        self.s = ""
        self.now = now.astimezone(BERLIN) if now.tzinfo is not None else now
        self.alternative: Optional[date] = None

    # -- consuming matched text so no expression is read twice
    def _take(self, pattern: str, handler: Callable[[re.Match[str]], Optional[bool]]) -> None:
        """Hand every match to handler and blank it out, unless the handler returns False."""
        out = []
        last = 0
        for match in re.finditer(pattern, self.s):
            if handler(match) is False:
                continue
            out.append(self.s[last:match.start()])
            out.append(" " * (match.end() - match.start()))
            last = match.end()
        out.append(self.s[last:])
        self.s = "".join(out)

    def _pre(self, match: re.Match[str]) -> str:
        return self.s[max(0, match.start() - 24):match.start()]

    def parse(self) -> Optional[When]:
        s = self.raw
        f = self.found
        egal = _EGAL.search(s) and not _EGAL_PLACE.search(s)
        if _ASAP.search(s) or egal:
            f.asap = True
            s = _ASAP.sub(" ", s)
            s = _EGAL.sub(" ", s)
        s = re.sub(r"\b(?:guten|schönen|schönes|schöne|einen|ein)\s+(?:morgen|tag|abend|wochenende|nachmittag|feierabend)\b"
                   r"|\bn abend\b|\bmoin\b", " ", s)
        s = words_to_digits(s)
        s = re.sub(r"\b(" + "|".join(WEEKDAYS) + r")\s+nach\s+dem\s+nächsten\b", r"übernächsten \1", s)
        s = re.sub(r"\b(\d{1,2})\s?h\s?(\d{2})\b", r"\1:\2", s)  # "17h10"
        s = re.sub(r"\bnä\.?\s|\bnächst\.?\s|\bnaechste\s", "nächste ", s)
        s = self._in_hours(s)
        s = _drop_fillers(s)
        s = re.sub(r"\b(heute|morgen|übermorgen)\s+nicht\b(?!\s+(?:vor|nach|ab|bis)\b)", " ", s)  # "heute nicht, aber morgen"
        s = re.sub(r"\b(" + "|".join(WEEKDAYS) + r")(s?)\s+nicht\b(?!\s+(?:vor|nach|ab|bis)\b)", r"nicht \1\2", s)
        s = _REPLACED.sub(" ", s)  # "Dienstag statt Montag", "nicht morgen, übermorgen"
        s = re.sub(r"\b(" + "|".join(WEEKDAYS) + r"|heute|morgen|übermorgen|gestern)\s+(morgen|früh)\b", r"\1 morgens", s)
        s = re.sub(r"\b(?:am|jeden|in der|am frühen) (morgen|früh)\b", "morgens", s)
        s = re.sub(r"\b(?:am|jeden|gegen) (vormittag|nachmittag|mittag|abend)\b", r"\1s", s)
        self.s = " " + s + " "
        self._parts()
        self._dates()
        self._times()
        self._relative()
        self._weeks()
        self._months()
        self._weekdays()
        self._day_of_month()
        return self._combine()

    def _in_hours(self, s: str) -> str:
        """"in zwei Stunden", "in einer halben Stunde", "in 30 Minuten": today (or tomorrow) at that time."""
        def relative(match: re.Match[str]) -> str:
            amount = match.group(1)
            n = 1.5 if amount in ("anderthalb", "eineinhalb") else (0.5 if "halb" in amount else
                                                                       (int(amount) if amount.isdigit() else 1))
            minutes = n * 60 if match.group(2).startswith(("stunde", "std")) else n
            if minutes > 12 * 60:
                return match.group(0)
            moment = self.now + timedelta(minutes=minutes)
            self.found.exact = (moment.hour, moment.minute)  # as computed: no afternoon rule
            return " heute " if moment.date() == self.today else f" {moment.day}.{moment.month}.{moment.year} "
        return re.sub(r"\b(?:in|innerhalb von|binnen)\s+(\d{1,3}|einer halben|einer|einem|ein|anderthalb|eineinhalb)\s+"
                      r"(stunden?|std\.?|minuten?|min\.?)(?!\w)", relative, s)

    # -- parts of the day
    def _parts(self) -> None:
        f = self.found

        def part(match: re.Match[str]) -> None:
            word = match.group(1)
            key = {"früh": "früh", "morgens": "morgens", "vormittag": "vormittags", "vormittags": "vormittags",
                   "mittag": "mittags", "mittags": "mittags", "mittagszeit": "mittags", "mittagspause": "mittags",
                   "nachmittag": "nachmittags", "nachmittags": "nachmittags", "spätnachmittags": "spätnachmittags",
                   "abend": "abends", "abends": "abends", "nachts": "nachts"}[word]
            f.parts.append(key)

        def from_noon(match: re.Match[str]) -> None:
            f.bound_from = (12, 0)

        def until_noon(match: re.Match[str]) -> None:
            f.bound_to = (12, 0)

        self._take(r"\b(?:ab|nach)\s+(?:dem\s+)?mittag\b", from_noon)
        self._take(r"\b(?:bis|vor)\s+(?:zum\s+|dem\s+)?mittag\b", until_noon)
        self._take(r"\b(früh|morgens|vormittags?|mittags?|mittagszeit|mittagspause|nachmittags?|spätnachmittags"
                   r"|abends?|nachts)\b", part)

        def after_work(match: re.Match[str]) -> None:
            f.bound_from = (17, 0)

        self._take(r"\bnach (?:dem |der )?(?:feierabend|arbeit)\b", after_work)

    # -- explicit calendar dates
    def _dates(self) -> None:
        f = self.found

        def add(day: Optional[date], match: re.Match[str], kind: str = "day") -> bool:
            if day is None:
                return False
            f.items.append(_Item(day, day, match.start(), kind, self._pre(match)))
            return True

        def iso(match: re.Match[str]) -> bool:
            return add(_safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3))), match)

        self._take(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", iso)

        def nth_weekday(match: re.Match[str]) -> bool:
            nth = match.group(1)
            weekday = WEEKDAYS.index(match.group(2)) if match.group(2) != "tag" else None
            month = _MONTH_WORDS.get(match.group(3)) if match.group(3) not in ("monats", "monat") else None
            year = self._year(match.group(4))
            day = self._nth_weekday(nth, weekday, month, year)
            return add(day, match)

        def month_half(match: re.Match[str]) -> bool:
            second = match.group(1).startswith(("2", "zweit"))
            name = match.group(2) or match.group(3)
            month = _MONTH_WORDS.get(name) if name and name not in ("monats", "monat") else self.today.month
            if month is None:
                return False
            first_day = self._day_month(16 if second else 1, month, None)
            if first_day is None:
                return False
            last_day = _month_end(first_day) if second else first_day.replace(day=15)
            if last_day < self.today and not self.prefer_past:  # this month's half is over: next year's
                first_day, last_day = first_day.replace(year=first_day.year + 1), last_day.replace(year=last_day.year + 1)
            f.items.append(_Item(first_day, last_day, match.start(), "month", self._pre(match)))
            return True

        self._take(r"\b(1\.|2\.|erste[nr]?|zweite[nr]?)\s+(?:(" + _MONTH_RE + r")\s*)?hälfte\b(?:\s+(?:(?:des|im|vom|von)\s+)?(" + _MONTH_RE
                   + r"|monats|monat)\b)?", month_half)
        self._take(r"\b(1\.|2\.|erste[nr]?|zweite[nr]?)\s+(" + _MONTH_RE + r")hälfte\b()", month_half)

        months_or_this = _MONTH_RE + r"|monats|monat"
        self._take(r"\b(\d\.|letzte[nrs]?|vorletzte[nrs]?)\s+(" + "|".join(WEEKDAYS) + r"|tag)\s+(?:im|in|des|vom|diese[ns]?)\s+(?:monat\s+)?("
                   + months_or_this + r")\b\.?(?:\s*(\d{4}))?", nth_weekday)

        def full(match: re.Match[str]) -> bool:
            year = int(match.group(3))
            year += 2000 if year < 100 else 0
            return add(_safe_date(year, int(match.group(2)), int(match.group(1))), match)

        self._take(r"(?<![\d:])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})\b(?!\s*uhr)(?![:.]\d)", full)

        def two_days_one_month(match: re.Match[str]) -> bool:
            month = _MONTH_WORDS[match.group(4)]
            a = self._day_month(int(match.group(1)), month, None)
            b = self._day_month(int(match.group(3)), month, None)
            if a is None or b is None:
                return False
            f.items.append(_Item(a, a, match.start(), "day", self._pre(match)))
            f.items.append(_Item(b, b, match.start() + 1, "day", f" {match.group(2)} "))
            return True

        self._take(r"(?<![\d:])(\d{1,2})\.?\s*(oder|und|bis|-)\s*(?:zum\s+|den\s+|dem\s+)?(\d{1,2})\.?\s*(" + _MONTH_RE + r")\b\.?",
                   two_days_one_month)

        def with_month_name(match: re.Match[str]) -> bool:
            month = _MONTH_WORDS[match.group(2)]
            year = self._year(match.group(3))
            return add(self._day_month(int(match.group(1)), month, year), match)

        self._take(r"(?<![\d:])(\d{1,2})\.?\s*(?:de[nrs]\s+)?(" + _MONTH_RE + r")\b\.?(?:\s*(\d{4}|nächste[ns]? jahr(?:es)?"
                   r"|\d{2}(?![\d:.])(?!\s*(?:uhr|h\b|bis|-|und|oder))))?", with_month_name)

        def month_first(match: re.Match[str]) -> bool:
            return add(self._day_month(int(match.group(2)), _MONTH_WORDS[match.group(1)], self._year(match.group(3))), match)

        self._take(r"\b(" + _MONTH_RE + r")\s+(?:de[nrm]\s+)?(\d{1,2})\b\.?(?![:.]?\d)(?!\s*(?:uhr|h\b|termin|leute|personen|mal))"
                   r"(?:\s*(\d{4}))?", month_first)

        def day_month(match: re.Match[str]) -> bool:
            if re.search(r"\b(?:um|gegen)\s*$", self._pre(match)):
                return False
            return add(self._day_month(int(match.group(1)), int(match.group(2)), None), match)

        self._take(r"(?<![\d:])(\d{1,2})\.\s?(\d{1,2})(?:\.|\b)(?!\s*uhr)(?![:.]?\d)", day_month)

        def slash(match: re.Match[str]) -> bool:
            return add(self._day_month(int(match.group(1)), int(match.group(2)), None), match)

        self._take(r"(?<![\d:/])(\d{1,2})/(\d{1,2})\b(?!/)", slash)

        holidays: dict[str, Callable[[int], Optional[tuple[date, date]]]] = {
            "heiligabend": lambda y: (date(y, 12, 24), date(y, 12, 24)),
            "heiligen abend": lambda y: (date(y, 12, 24), date(y, 12, 24)),
            "weihnachten": lambda y: (date(y, 12, 24), date(y, 12, 26)),
            "silvester": lambda y: (date(y, 12, 31), date(y, 12, 31)),
            "neujahr": lambda y: (date(y, 1, 1), date(y, 1, 1)),
            "zwischen den jahren": lambda y: (date(y, 12, 27), date(y, 12, 30)),
            "ostern": lambda y: (easter(y) - timedelta(days=2), easter(y) + timedelta(days=1)),
            "pfingsten": lambda y: (easter(y) + timedelta(days=49), easter(y) + timedelta(days=50)),
            "sommerferien": SUMMER_HOLIDAYS_HH.get,
        }

        def holiday(match: re.Match[str]) -> bool:
            make = holidays[match.group(1)]
            found = make(self.today.year)
            if (found is None or found[1] < self.today) and not self.prefer_past:
                found = make(self.today.year + 1)
            if found is None:
                return False
            first, last = found
            f.items.append(_Item(first, last, match.start(), "range" if first != last else "day", self._pre(match)))
            return True

        self._take(r"\b(heiligabend|heiligen abend|weihnachten|silvester|neujahr|zwischen den jahren|ostern|pfingsten|sommerferien)\b", holiday)

    def _year(self, text: Optional[str]) -> Optional[int]:
        if not text:
            return None
        if text.startswith("nächst"):
            return self.today.year + 1
        year = int(text)
        return year + 2000 if year < 100 else year

    def _nth_weekday(self, nth: str, weekday: Optional[int], month: Optional[int], year: Optional[int]) -> Optional[date]:
        """"dritter Dienstag im September", "letzter Montag im März", "letzter Tag im Oktober"."""
        def in_month(y: int, m: int) -> Optional[date]:
            days = [date(y, m, d) for d in range(1, _month_end(date(y, m, 1)).day + 1)]
            if weekday is not None:
                days = [d for d in days if d.weekday() == weekday]
            if nth.startswith("letzt"):
                return days[-1]
            if nth.startswith("vorletzt"):
                return days[-2]
            n = int(nth.rstrip("."))
            return days[n - 1] if 1 <= n <= len(days) else None

        if month is None:  # "des Monats": this month, or next month once it has passed
            month, year = self.today.month, self.today.year
            day = in_month(year, month)
            if day is not None and day < self.today and not self.prefer_past:
                following = self.today.replace(day=1) + relativedelta(months=1)
                day = in_month(following.year, following.month)
            return day
        if year is not None:
            return in_month(year, month)
        day = in_month(self.today.year, month)
        if day is not None and day < self.today and not self.prefer_past:
            day = in_month(self.today.year + 1, month)
        return day

    def _day_month(self, day: int, month: int, year: Optional[int]) -> Optional[date]:
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        if year is not None:
            return _safe_date(year, month, day)
        this = _safe_date(self.today.year, month, day)
        if this is None:
            return _safe_date(self.today.year + 1, month, day)
        if self.prefer_past:
            return this if this <= self.today + timedelta(days=PAST_LOOKAHEAD_DAYS) else _safe_date(self.today.year - 1, month, day)
        if this >= self.today - timedelta(days=RECENT_PAST_DAYS):
            return this
        return _safe_date(self.today.year + 1, month, day)

    # -- clock times and time windows
    def _times(self) -> None:
        f = self.found
        parts = f.parts

        def spoken(pattern: str, build: Callable[[re.Match[str]], Optional[tuple[int, int]]]) -> None:
            out, last = [], 0
            for match in re.finditer(pattern, self.s):
                value = build(match)
                if value is None:
                    continue
                h, m = value
                replacement = f"{h}:{m:02d}"
                out.append(self.s[last:match.start()])
                out.append(replacement.ljust(match.end() - match.start()))
                last = match.end()
            out.append(self.s[last:])
            self.s = "".join(out)

        def hour_of(text: str) -> Optional[int]:
            h = int(text)
            return h if 1 <= h <= 24 else None

        def minus(h: int, minutes: int) -> tuple[int, int]:
            total = (h * 60 - minutes) % (24 * 60)
            return total // 60, total % 60

        def around_half(match: re.Match[str]) -> Optional[tuple[int, int]]:
            h = hour_of(match.group(3))
            m = int(match.group(1))
            if h is None or not 1 <= m <= 14:
                return None
            h, base = minus(h, 30)
            total = h * 60 + base + (m if match.group(2) == "nach" else -m)
            return total // 60, total % 60

        spoken(r"\b(\d{1,2}) (nach|vor) halb (\d{1,2})\b(?!\.\d|:)", around_half)
        spoken(r"\bhalb (\d{1,2})\b(?!\.\d|:)", lambda m: minus(int(m.group(1)), 30) if hour_of(m.group(1)) else None)
        spoken(r"\b3 ?viertel (\d{1,2})\b(?!\.\d|:)", lambda m: minus(int(m.group(1)), 15) if hour_of(m.group(1)) else None)
        spoken(r"\bviertel nach (\d{1,2})\b(?!\.\d|:)", lambda m: (int(m.group(1)), 15) if hour_of(m.group(1)) else None)
        spoken(r"\bviertel vor (\d{1,2})\b(?!\.\d|:)", lambda m: minus(int(m.group(1)), 15) if hour_of(m.group(1)) else None)
        spoken(r"\bviertel (\d{1,2})\b(?!\.\d|:)", lambda m: minus(int(m.group(1)), 45) if hour_of(m.group(1)) else None)

        def minutes_around(match: re.Match[str]) -> Optional[tuple[int, int]]:
            m, h = int(match.group(1)), hour_of(match.group(3))
            if h is None or not 1 <= m <= 29 or h > 12:
                return None
            return (h, m) if match.group(2) == "nach" else minus(h, m)

        spoken(r"(?<![\d.:])(\d{1,2}) (?:minuten )?(nach|vor) (\d{1,2})\b(?!\.\d|:|\s*(?:tag|woche|monat|jahr|minute))", minutes_around)

        clock = r"(\d{1,2})(?:[:.](\d{2})(?:\s*(?:uhr|h)\b)?|\s*uhr(?:\s+(\d{1,2})\b(?!\.))?|\s*h\b)?"

        def value(match: re.Match[str], offset: int) -> Optional[tuple[int, int]]:
            h = int(match.group(offset))
            m = match.group(offset + 1) or match.group(offset + 2)
            return _hour(h, int(m) if m else 0, parts)

        not_a_unit = r"(?!\s*(?:tag|woche|monat|jahr|minute|stunde|person|termin|leute)|\.\s?\d|\d|:)"

        def between(match: re.Match[str]) -> bool:
            a, b = value(match, 1), value(match, 4)
            if a is None or b is None:
                return False
            if b <= a and b[0] + 12 < 24 and b[0] < 12:
                b = (b[0] + 12, b[1])
            f.bound_from, f.bound_to = a, b
            return True

        self._take(r"\b(?:zwischen|von)\s+" + clock + r"\s+(?:und|bis)\s+" + clock + not_a_unit, between)
        self._take(r"(?<![\d.:])(\d{1,2})(?:[:.](\d{2}))?()\s*(?:-|bis)\s*(\d{1,2})(?:[:.](\d{2}))?()\s*uhr\b", between)

        def lower(match: re.Match[str]) -> bool:
            v = value(match, 1)
            if v is None:
                return False
            f.bound_from = v
            return True

        self._take(r"\b(?:ab|nach|frühestens(?: um| ab)?|nicht vor|später als|ab etwa|ab ca)\s+" + clock + not_a_unit, lower)

        def upper(match: re.Match[str]) -> bool:
            v = value(match, 1)
            if v is None:
                return False
            f.bound_to = v
            return True

        self._take(r"\b(?:vor|bis|spätestens(?: um| bis)?|bis spätestens(?: um)?|nicht nach|früher als|bis etwa|bis ca)\s+"
                   + clock + not_a_unit, upper)

        def exact(match: re.Match[str]) -> bool:
            v = value(match, 1)
            if v is None:
                return False
            f.exact = v
            return True

        self._take(r"\b(?:um|gegen|so gegen|ca|circa|etwa)\s+" + clock + not_a_unit, exact)
        self._take(r"(?<![\d.:])(\d{1,2})(?::(\d{2})(?:\s*uhr)?|\s*uhr(?:\s+(\d{1,2})\b)?)(?!\d|\.\d)", exact)
        self._take(r"(?<![\d.:])(\d{1,2})\.(\d{2})(?:\s*uhr)(?![\d])()", exact)

    # -- heute, morgen, in drei Tagen, vor einer Woche
    def _relative(self) -> None:
        f = self.found
        offsets = {"vorgestern": -2, "gestern": -1, "heute": 0, "morgen": 1, "übermorgen": 2, "überübermorgen": 3}

        def word(match: re.Match[str]) -> bool:
            n = offsets[match.group(1)]
            day = self.today + timedelta(days=n)
            f.items.append(_Item(day, day, match.start(), "rel", self._pre(match)))
            return True

        self._take(r"\b(vorgestern|gestern|heute|übermorgen|überübermorgen|morgen)\b", word)

        count = r"(\d{1,3}|ein|eine|einer|einem|einen|paar|ein paar|zwei|anderthalb|eineinhalb)"

        def amount(text: str) -> Optional[float]:
            if text.isdigit():
                return int(text)
            return {"anderthalb": 1.5, "eineinhalb": 1.5}.get(text, 1 if text.startswith("ein") else None)

        def delta(n: float, unit: str) -> Optional[relativedelta]:
            if unit.startswith("tag"):
                return relativedelta(days=int(n))
            if unit.startswith("woche"):
                return relativedelta(days=round(n * 7))
            if unit.startswith("monat"):
                return relativedelta(months=int(n), days=15 if n % 1 else 0)
            return None

        def ahead(match: re.Match[str]) -> bool:
            if match.group(1) in ("paar", "ein paar"):
                f.items.append(_Item(self.today + timedelta(days=2), self.today + timedelta(days=4), match.start(),
                                     "range", self._pre(match)))
                return True
            n = amount(match.group(1))
            step = delta(n, match.group(2)) if n is not None else None
            if n is None or step is None or n > 400:
                return False
            day = self.today + step
            f.items.append(_Item(day, day, match.start(), "ahead", self._pre(match),
                                 weeks_ahead=match.group(2).startswith("woche")))
            return True

        def within(match: re.Match[str]) -> bool:
            text = match.group(1)
            n = amount(text) if text else None
            unit = match.group(2)
            if text is None:
                last = self.today + timedelta(days=3 if unit.startswith("tag") else 13)
            else:
                step = delta(n, unit) if n is not None else None
                if n is None or step is None or n > 400:
                    return False
                last = self.today + step
            f.items.append(_Item(self.today, last, match.start(), "range", ""))
            return True

        self._take(r"\b(?:in|innerhalb|während)\s+(?:der|den|dem)\s+(?:nächsten|kommenden)\s+(?:" + count + r"\s+)?(tagen?|wochen|monaten?)\b", within)
        self._take(r"\b(?:in|innerhalb von|binnen)\s+" + count + r"\s+(tage[n]?|tag|wochen?|monate?n?)\b", ahead)
        self._take(r"\b" + count + r"\s+(tage[n]?|tag|wochen?|monate?n?)\s+später\b", ahead)

        def ago(match: re.Match[str]) -> bool:
            n = amount(match.group(1))
            step = delta(n, match.group(2)) if n is not None else None
            if n is None or step is None or n > 400:
                return False
            day = self.today - step
            f.items.append(_Item(day, day, match.start(), "rel", ""))
            return True

        self._take(r"\bvor\s+" + count + r"\s+(tage[n]?|wochen?|monate?n?)\b", ago)

    # -- weeks, weekends, calendar weeks
    def _weeks(self) -> None:
        f = self.found
        this_monday = _week_start(self.today)
        qualifier = r"(diese[rsn]?|kommende[rsn]?|nächste[rsn]?|übernächste[rsn]?|letzte[rsn]?|vorige[rsn]?|vergangene[rsn]?|folgende[rsn]?)"

        def offset(word: Optional[str]) -> int:
            if not word:
                return 0
            if word.startswith("über"):
                return 2
            if word.startswith(("nächst", "kommend", "folgend")):
                return 1
            if word.startswith(("letzt", "vorig", "vergangen")):
                return -1
            return 0

        def workdays(match: re.Match[str]) -> bool:
            f.workdays = True
            return True

        self._take(r"\b(?:werktags|wochentags|unter der woche|an einem werktag|an einem wochentag|montags? bis freitags?)\b", workdays)

        def week(match: re.Match[str]) -> bool:
            part, word = match.group(1), match.group(2)
            k = offset(word)
            monday = this_monday + timedelta(days=7 * k)
            first, last = monday, monday + timedelta(days=6)
            if part:
                first, last = {"anfang": (monday, monday + timedelta(days=1)),
                               "mitte": (monday + timedelta(days=1), monday + timedelta(days=3)),
                               "ende": (monday + timedelta(days=3), monday + timedelta(days=4))}[part]
            f.items.append(_Item(first, last, match.start(), "week", self._pre(match)))
            return True

        self._take(r"\b(?:(anfang|mitte|ende)\s+(?:der\s+|dieser\s+)?)?(?:(?:in|im laufe|im lauf)\s+(?:der\s+)?)?" + qualifier
                   + r"?\s*woche\b(?!nende)", week)

        def weekend(match: re.Match[str]) -> bool:
            k = offset(match.group(1))
            saturday = this_monday + timedelta(days=5)
            if (self.today.weekday() == 6 and k != -1) or (self.today.weekday() == 5 and k == 1):
                saturday += timedelta(days=7)
            if k == 2:
                saturday += timedelta(days=7)
            if k == -1:
                saturday -= timedelta(days=7) if self.today.weekday() < 6 else timedelta(days=0)
            f.items.append(_Item(saturday, saturday + timedelta(days=1), match.start(), "weekend", self._pre(match)))
            return True

        self._take(r"\b(?:am\s+|übers?\s+)?" + qualifier + r"?\s*wochenende\b", weekend)

        def calendar_week(match: re.Match[str]) -> bool:
            number = int(match.group(1) or match.group(2))
            try:
                monday = date.fromisocalendar(self.today.year, number, 1)
                if monday + timedelta(days=6) < self.today:
                    monday = date.fromisocalendar(self.today.year + 1, number, 1)
            except ValueError:
                return False
            f.items.append(_Item(monday, monday + timedelta(days=6), match.start(), "week", self._pre(match)))
            return True

        self._take(r"\b(?:kw|kalenderwoche)\s*(\d{1,2})\b|\b(\d{1,2})\.\s*(?:kw|kalenderwoche)\b", calendar_week)

    # -- months and parts of months
    def _months(self) -> None:
        f = self.found
        this_first = self.today.replace(day=1)

        def part_range(first: date, part: Optional[str]) -> tuple[date, date]:
            if part == "anfang":
                return first, first.replace(day=10)
            if part == "mitte":
                return first.replace(day=11), first.replace(day=20)
            if part == "ende":
                return first.replace(day=21), _month_end(first)
            return first, _month_end(first)

        def relative_month(match: re.Match[str]) -> bool:
            part, word = match.group(1), match.group(2) or ""
            k = 2 if word.startswith("über") else 1 if word.startswith(("nächst", "kommend", "folgend")) else \
                -1 if word.startswith(("letzt", "vorig", "vergangen")) else 0
            first = this_first + relativedelta(months=k)
            a, b = part_range(first, part)
            f.items.append(_Item(a, b, match.start(), "month", self._pre(match)))
            return True

        self._take(r"\b(?:(anfang|mitte|ende)\s+)?(?:des\s+|im\s+|in\s+)?"
                   r"(diese[nms]?|kommende[nms]?|nächste[nms]?|übernächste[nms]?|letzte[nms]?|vorige[nms]?|vergangene[nms]?|folgende[nms]?)?\s*"
                   r"monat(?:e?s)?\b", lambda m: ((m.group(1) or m.group(2)) and relative_month(m)) or False)
        self._take(r"\b(anfang|mitte|ende)\s+(?:des\s+)?monats\b|\bmonats(ende|anfang|mitte)\b()",
                   lambda m: self._month_part_word(m, part_range))

        def named_month(match: re.Match[str]) -> bool:
            part, month = match.group(1), _MONTH_WORDS[match.group(2)]
            year = self._year(match.group(3))
            if year is None:
                year = self.today.year
                a, b = part_range(date(year, month, 1), part)
                if self.prefer_past:
                    if a > self.today + timedelta(days=PAST_LOOKAHEAD_DAYS):
                        year -= 1
                elif b < self.today - timedelta(days=RECENT_PAST_DAYS):
                    year += 1
            a, b = part_range(date(year, month, 1), part)
            f.items.append(_Item(a, b, match.start(), "month", self._pre(match)))
            return True

        self._take(r"\b(?:(anfang|mitte|ende)\s+)?(?:(?:im|in|den|der)\s+)?(" + "|".join([*MONTHS, "jänner"])
                   + r")\b(?:\s*(\d{4}|nächste[ns]? jahr(?:es)?))?", named_month)
        abbreviations = "|".join(sorted(_MONTH_ALIASES, key=len, reverse=True))
        self._take(r"\b(?:(anfang|mitte|ende)\s+|(?:im|in)\s+)(?:(?:im|in)\s+)?(" + abbreviations
                   + r")\b\.?(?:\s*(\d{4}))?", named_month)

    def _month_part_word(self, match: re.Match[str], part_range: Callable[[date, str], tuple[date, date]]) -> bool:
        part = match.group(1) or {"ende": "ende", "anfang": "anfang", "mitte": "mitte"}[match.group(2)]
        a, b = part_range(self.today.replace(day=1), part)
        self.found.items.append(_Item(a, b, match.start(), "month", self._pre(match)))
        return True

    # -- weekdays ("Dienstag", "Di.", "dienstags", "nächsten Donnerstag", "nicht am Montag")
    def _weekdays(self) -> None:
        f = self.found
        names = "|".join(WEEKDAYS)
        abbr = r"(?:mo|di|mi|do|fr|sa|so)\.|(?:mo|di|mi|do|fr|sa)\b|so(?=\s*\d)"
        qualifier = r"(?:(diese[nmr]?|kommende[nmr]?|nächste[nmr]?|übernächste[nmr]?|letzte[nmr]?|vorige[nmr]?|vergangene[nmr]?)\s+)?"

        def index(word: str) -> int:
            word = word.strip(".").strip()
            if word in _WD_ABBR:
                return _WD_ABBR.index(word)
            return WEEKDAYS.index(re.sub(r"s$", "", word))

        def ranged(match: re.Match[str]) -> bool:
            a, b = index(match.group(1)), index(match.group(2))
            if b < a:
                return False
            for d in range(a, b + 1):
                f.weekdays.append((d, "", False, match.start()))
            f.weekdays.append((-1, "span", False, match.start()))
            return True

        either = names + r"|mo|di|mi|do|fr|sa|so"
        self._take(r"\b(?:von\s+|vom\s+)?(" + either + r")\.?(?:\s+bis\s+|\s*-\s*)(" + either + r")\b\.?", ranged)

        def negated(match: re.Match[str]) -> bool:
            for word in re.findall(names + r"|" + abbr, match.group(0)):
                f.excluded.add(index(word.rstrip("s") if word.rstrip("s") in WEEKDAYS else word))
            return True

        self._take(r"\b(?:nicht|außer|kein(?:en)?|ohne)\s+(?:am\s+|an\s+einem\s+|den\s+|die\s+|an\s+)?(?:(?:" + names
                   + r")s?(?:\s+(?:und|oder|,)\s+)?)+", negated)

        def weekday(match: re.Match[str]) -> bool:
            word = match.group(2)
            plural = (word.endswith("s") and word.rstrip("s") in WEEKDAYS and not word.endswith(".")) or bool(
                re.search(r"\b(?:jeden|immer|an einem|an einen|nur)\s*$", self._pre(match)))
            f.weekdays.append((index(word), match.group(1) or "", plural, match.start()))
            self._weekday_pre = self._pre(match)
            return True

        self._take(r"\b" + qualifier + r"(" + names.replace("|", "s?|") + r"s?|" + abbr + r")(?![a-zäöü])", weekday)

    # -- "am 15." (day of month only)
    def _day_of_month(self) -> None:
        f = self.found

        def day_only(match: re.Match[str]) -> bool:
            n = int(match.group(1))
            if not 1 <= n <= 31:
                return False
            # the next such day (with prefer_past: the latest one up to today); skips months without it
            cursor = self.today.replace(day=1)
            step = relativedelta(months=-1 if self.prefer_past else 1)
            for _ in range(3):
                candidate = _safe_date(cursor.year, cursor.month, n)
                if candidate is not None and (candidate <= self.today if self.prefer_past else candidate >= self.today):
                    break
                cursor += step
            else:
                return False
            f.items.append(_Item(candidate, candidate, match.start(), "day", self._pre(match) + " " + match.group(0)[:match.start(1) - match.start()]))
            return True

        self._take(r"\b(?:am|den|dem|zum|vom|ab dem|an dem|bis zum|bis zu dem)\s+(\d{1,2})(?:\.|\b(?!\s*(?:uhr|:|\.\d)))"
                   r"(?!\.?\s*(?:termin|vorschlag|option|angebot|möglichkeit|slot|uhrzeit))", day_only)

    # ------------------------------------------------------------ combining what was found
    def _combine(self) -> Optional[When]:
        f = self.found
        today = self.today
        items = sorted(f.items, key=lambda item: item.start)
        named = [w for w in f.weekdays if w[0] >= 0]
        span = any(w[0] == -1 for w in f.weekdays)
        has_time = bool(f.parts or f.exact or f.bound_from or f.bound_to)
        self.has_day = bool(items or named or f.excluded or f.workdays)
        if not self.has_day and not has_time and not f.asap:
            return None

        first: Optional[date] = None
        last: Optional[date] = None
        conflict = False
        weekdays: Optional[set[int]] = None
        if items:
            first, last, weeks_ahead = self._resolve_items(items)
            if named and weeks_ahead:  # "Dienstag in zwei Wochen": that week's Tuesday
                first = _week_start(first)
                last = first + timedelta(days=6)
        if named:
            days = sorted({w[0] for w in named})
            plural = any(w[2] for w in named)
            qualifier = next((w[1] for w in named if w[1]), "")
            if first is not None and last is not None:
                joined = re.compile(r"\b(?:oder|und)\s*(?:am\s+|den\s+)?$")
                outside = not any((first + timedelta(days=i)).weekday() in days
                                  for i in range(min((last - first).days + 1, 7)))
                if outside and (joined.search(self._weekday_pre) or any(joined.search(item.pre) for item in items)):
                    # "morgen oder Mittwoch", "am Wochenende oder Montag": either
                    chosen = sorted({first + timedelta(days=i) for i in range((last - first).days + 1)}
                                    | {self._weekday_day(d, qualifier) for d in days})
                    first, last = chosen[0], chosen[-1]
                    if (last - first).days + 1 != len(chosen):
                        weekdays = {d.weekday() for d in chosen}
                elif first == last:
                    conflict = first.weekday() not in days
                else:
                    weekdays = set(days)
            elif span:
                start = self._weekday_day(days[0], qualifier)
                first, last = start, start + timedelta(days=days[-1] - days[0])
            elif plural:
                first, last = today, today + timedelta(days=HORIZON_DAYS - 1)
                weekdays = set(days)
            else:
                resolved = sorted(self._weekday_day(d, qualifier) for d in days)
                first, last = resolved[0], resolved[-1]
                if len(resolved) > 1:
                    weekdays = set(days)
            if span and weekdays is not None and len(days) == days[-1] - days[0] + 1:
                weekdays_span = True
            else:
                weekdays_span = False
        else:
            weekdays_span = False
        if f.workdays:
            weekdays = (weekdays or set(range(5))) & set(range(5))
        if f.excluded:
            weekdays = (weekdays or set(range(7))) - f.excluded
        asap = False
        no_day = first is None or last is None
        if first is None or last is None:
            first, last = today, today + timedelta(days=HORIZON_DAYS - 1)
            if f.asap and not self.has_day:
                asap = True
                last = today + timedelta(days=ASAP_DAYS)
        if last < first:
            first, last = last, first

        if weekdays is not None and first != last:
            matching = [first + timedelta(days=i) for i in range((last - first).days + 1)
                        if (first + timedelta(days=i)).weekday() in weekdays]
            if not matching:  # a weekday the range does not contain: keep the range, flag it
                matching = [first + timedelta(days=i) for i in range((last - first).days + 1)]
                weekdays, conflict = None, True
            future = [d for d in matching if d >= today]
            if future and not self.prefer_past:
                matching = future
            first, last = matching[0], matching[-1]
            if weekdays is not None and (len(weekdays) == 7 or weekdays_span):
                weekdays = None
        if first == last:
            weekdays = None
            if len(named) == 1 and not named[0][2] and not span:
                first, last = self._apply_operator(self._operator(self._weekday_pre), first)

        if not self.prefer_past and first < today <= last:
            first = today
        time_from, time_to, exact = self._time_window()
        alternative = self.alternative if first == last and not items and self.alternative not in (None, first) else None
        time_only = no_day and not f.asap and not weekdays and any((time_from, time_to, exact))
        return When(first, last, time_from=time_from, time_to=time_to, exact_time=exact,
                    weekdays=frozenset(weekdays) if weekdays else None, asap=asap, in_past=first < today,
                    weekday_conflict=conflict, alternative=alternative, time_only=time_only)

    def _resolve_items(self, items: list[_Item]) -> tuple[date, date, bool]:
        today = self.today
        weeks_ahead = any(item.weeks_ahead for item in items)
        if len(items) >= 2 and all(i.kind in ("rel", "ahead") for i in items) and any(i.kind == "ahead" for i in items):
            # "morgen in einer Woche": the offsets add up
            total = sum(((item.first - today).days for item in items), 0)
            day = today + timedelta(days=total)
            return day, day, False
        chosen = items[0]
        if len(items) >= 2:
            head, second = items[0], items[1]
            op = self._operator(head.pre)
            if re.search(r"\b(?:bis|und)\s*(?:zum|zur|den|dem|einschließlich)?\s*$|-\s*$", second.pre) and (
                    op in ("zwischen", "von") or re.search(r"\bbis\s*(?:zum|zur|den|dem)?\s*$|-\s*$", second.pre)):
                return head.first, max(second.last, head.first), weeks_ahead
            if re.search(r"\b(?:oder|und)\s*(?:am|den|dem)?\s*$", second.pre):
                return min(head.first, second.first), max(head.last, second.last), weeks_ahead
            chosen = min(items, key=lambda item: ((item.last - item.first).days, item.start))
        first, last = chosen.first, chosen.last
        if chosen.pre.endswith("wochevom "):
            first = _week_start(first)
            return first, first + timedelta(days=6), weeks_ahead
        op = self._operator(chosen.pre)
        if op == "ab":
            return first, first + timedelta(days=HORIZON_DAYS - 1), weeks_ahead
        if op == "nach" and chosen.kind != "rel":
            return last + timedelta(days=1), last + timedelta(days=HORIZON_DAYS), weeks_ahead
        if op == "bis":
            return min(today, last), last, weeks_ahead
        if op == "vor" and chosen.kind != "rel":
            end = first - timedelta(days=1)
            return min(today, end), end, weeks_ahead
        return first, last, weeks_ahead

    def _apply_operator(self, op: str, day: date) -> tuple[date, date]:
        """A single weekday with a preposition: "ab Mittwoch", "bis Freitag", "vor Donnerstag"."""
        if op == "ab":
            return day, day + timedelta(days=HORIZON_DAYS - 1)
        if op == "bis":
            return min(self.today, day), day
        if op == "vor":
            return min(self.today, day - timedelta(days=1)), day - timedelta(days=1)
        if op == "nach":
            return day + timedelta(days=1), day + timedelta(days=HORIZON_DAYS)
        return day, day

    @staticmethod
    def _operator(pre: str) -> str:
        match = re.search(r"\b(nicht vor|nicht nach|ab|frühestens|nach|bis|spätestens|vor|zwischen|von|vom)\s*"
                          r"(?:dem|den|der|zum|zur|am|einschließlich)?\s*$", pre)
        if not match:
            return ""
        word = match.group(1)
        return {"frühestens": "ab", "nicht vor": "ab", "spätestens": "bis", "nicht nach": "bis", "vom": "von"}.get(word, word)

    def _weekday_day(self, weekday: int, qualifier: str) -> date:
        today = self.today
        ahead = (weekday - today.weekday()) % 7
        if qualifier.startswith(("letzt", "vorig", "vergangen")) or (self.prefer_past and not qualifier.startswith(("nächst", "kommend", "über"))
                                                                   and not qualifier.startswith("dies")):
            back = (today.weekday() - weekday) % 7 or 7
            return today - timedelta(days=back)
        if qualifier.startswith("dies"):  # "diesen Montag" said on Tuesday: the coming one, never the past
            return today + timedelta(days=ahead)
        day = today + timedelta(days=ahead or 7)
        if qualifier.startswith("über"):
            day += timedelta(days=7)
        elif qualifier.startswith(("nächst", "kommend")) and _week_start(day) == _week_start(today):
            # "nächsten Mittwoch" on Monday: this week's to some, next week's to others; ask back
            self.alternative = day + timedelta(days=7)
        return day

    def _time_window(self) -> tuple[Optional[time], Optional[time], Optional[time]]:
        f = self.found
        exact = _clock_to_time(f.exact)
        if exact is not None and not (f.bound_from or f.bound_to):
            return None, None, exact
        lo, hi = f.bound_from, f.bound_to
        window = [PARTS_OF_DAY[p] for p in f.parts if p in PARTS_OF_DAY]
        if window:
            part_lo = min(w[0] for w in window)
            part_hi = max(w[1] for w in window)
            plo, phi = (part_lo.hour, part_lo.minute), (part_hi.hour, part_hi.minute)
            new_lo = max(lo, plo) if lo else plo
            new_hi = min(hi, phi) if hi else phi
            if new_lo < new_hi:
                lo, hi = new_lo, new_hi
        if lo is not None and hi is not None and lo >= hi:  # contradictory bounds: keep the lower one
            hi = None
        return _clock_to_time(lo), _clock_to_time(hi), exact


def parse_when(text: str, now: datetime) -> Optional[When]:
    """The day or days and the time window a German expression means, relative to `now`."""
    if not text or not text.strip():
        return None
    try:
        found = _Parser(text[:500], now, prefer_past=False).parse()
    except (ValueError, OverflowError, IndexError):
        return None
    if found is None:
        return None
    return When(found.first_day, found.last_day, found.time_from, found.time_to, found.exact_time, found.weekdays,
                found.asap, found.in_past, text, found.weekday_conflict, found.alternative, found.time_only)


def parse_date(text: str, now: datetime, prefer_past: bool = False) -> Optional[date]:
    """A single calendar day; with prefer_past a weekday or day-month without year is the past one."""
    if not text or not text.strip():
        return None
    parser = _Parser(text[:500], now, prefer_past=prefer_past)
    try:
        found = parser.parse()
    except (ValueError, OverflowError, IndexError):
        return None
    if found is None or found.asap or not parser.has_day:
        return None
    return found.first_day


_CLOCK_NOW = datetime(2026, 1, 5, 12, 0, tzinfo=BERLIN)  # any weekday noon: times without a day don't depend on it


def read_time(text: str, now: Optional[datetime] = None) -> Optional[time]:
    """The clock time an answer names ("halb elf" -> 10:30, "vierzehn uhr dreißig", "17h10"),
    with the project's conventions (hours 1–6 are afternoon); None without an exact time."""
    when = parse_when(text, now or _CLOCK_NOW)
    return when.exact_time if when is not None else None
