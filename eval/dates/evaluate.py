"""Measure the German date/time parser (german/dates.py) on the hand-written cases, beside `dateparser`.

    .venv/bin/python eval/dates/evaluate.py              # both parsers, failures of ours listed
    .venv/bin/python eval/dates/evaluate.py --no-dateparser
    .venv/bin/python eval/dates/evaluate.py --show-dateparser-failures

Ours is correct on a case when first_day, last_day, time_from, time_to, exact_time, the weekday
filter, asap and in_past all equal the expectation (for a `none` case: when it returns None).

`dateparser` (languages=['de'], RELATIVE_BASE=now, PREFER_DATES_FROM='future') returns one
datetime or None. It gets two tries: `dateparser.parse` on the whole text and, when that finds
nothing, the first hit of `dateparser.search.search_dates` (dates inside a sentence). Its one
datetime is scored by a fairness rule that asks less of it than of ours:
- expected a single day: its date must be that day;
- expected a range (week, month, weekday set, asap window): its date must lie inside the range;
- an expected exact time must also match its time (time windows such as "nachmittags" or
  "ab 16 Uhr" are not asked of it: it cannot express them);
- a `none` case is correct when it returns None.
Exit code 1 when our accuracy is below the target (97 %).
"""
from __future__ import annotations

import argparse
import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common.clock import parse_now  # noqa: E402
from german.dates import When, parse_when  # noqa: E402

CASES = Path(__file__).with_name("cases.yml")
TARGET = 0.97


@dataclass(frozen=True)
class Case:
    text: str
    style: str
    now: datetime
    none: bool
    first: Optional[date]
    last: Optional[date]
    time_from: Optional[time]
    time_to: Optional[time]
    exact: Optional[time]
    weekdays: Optional[frozenset[int]]
    asap: bool
    past: bool


def _time(value: Any) -> Optional[time]:
    if value is None:
        return None
    hours, minutes = str(value).split(":")
    return time(int(hours), int(minutes))


def load_cases(path: Path = CASES) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    nows = {key: parse_now(value) for key, value in data["nows"].items()}
    cases = []
    for raw in data["cases"]:
        first = raw.get("first")
        cases.append(Case(
            text=str(raw["text"]),
            style=raw["style"],
            now=nows[raw.get("now", "mon")],
            none=bool(raw.get("none", False)),
            first=first,
            last=raw.get("last", first),
            time_from=_time(raw.get("from")),
            time_to=_time(raw.get("to")),
            exact=_time(raw.get("at")),
            weekdays=frozenset(raw["w"]) if raw.get("w") else None,
            asap=bool(raw.get("asap", False)),
            past=bool(raw.get("past", False)),
        ))
    return cases


def describe(when: Optional[When]) -> str:
    if when is None:
        return "None"
    parts = [f"{when.first_day}" + (f"..{when.last_day}" if when.last_day != when.first_day else "")]
    if when.time_from or when.time_to:
        parts.append(f"{when.time_from or ''}-{when.time_to or ''}")
    if when.exact_time:
        parts.append(f"@{when.exact_time}")
    if when.weekdays:
        parts.append(f"w={sorted(when.weekdays)}")
    if when.asap:
        parts.append("asap")
    if when.in_past:
        parts.append("past")
    return " ".join(parts)


def expected_text(case: Case) -> str:
    if case.none:
        return "None"
    return describe(When(case.first, case.last, case.time_from, case.time_to, case.exact, case.weekdays,
                         case.asap, case.past))


def ours_result(case: Case) -> Optional[When]:
    return parse_when(case.text, case.now)


def ours_correct(case: Case, when: Optional[When]) -> bool:
    if case.none or when is None:
        return case.none and when is None
    return (when.first_day, when.last_day, when.time_from, when.time_to, when.exact_time, when.weekdays,
            when.asap, when.in_past) == (case.first, case.last, case.time_from, case.time_to, case.exact,
                                         case.weekdays, case.asap, case.past)


def dateparser_result(case: Case) -> Optional[datetime]:
    """dateparser.parse on the whole text; when that finds nothing, the first hit of its search_dates."""
    import dateparser
    from dateparser.search import search_dates

    base = case.now.replace(tzinfo=None)
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            moment = dateparser.parse(case.text, languages=["de"], settings=settings)
            if moment is None:
                hits = search_dates(case.text, languages=["de"], settings=settings)
                moment = hits[0][1] if hits else None
            return moment
        except Exception:  # a crash counts as no answer
            return None


def dateparser_correct(case: Case, moment: Optional[datetime]) -> bool:
    if case.none or moment is None:
        return case.none and moment is None
    day = moment.date()
    if case.first == case.last:
        on_day = day == case.first
    else:
        on_day = case.first <= day <= case.last
    if case.exact is not None:
        return on_day and moment.time().replace(second=0, microsecond=0) == case.exact
    return on_day


def kind(case: Case) -> str:
    """A coarse class of the expected answer, for the breakdown."""
    if case.none:
        return "no date"
    if case.asap:
        return "asap"
    return "one day" if case.first == case.last else "range"


def _rate(hits: list[bool]) -> str:
    return f"{sum(hits) / len(hits):6.1%} ({sum(hits)}/{len(hits)})" if hits else "   n/a"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-dateparser", action="store_true", help="measure only our parser")
    parser.add_argument("--show-dateparser-failures", action="store_true")
    args = parser.parse_args(argv)

    cases = load_cases()
    ours: dict[str, list[bool]] = defaultdict(list)
    theirs: dict[str, list[bool]] = defaultdict(list)
    failures, their_failures = [], []
    for case in cases:
        when = ours_result(case)
        ok = ours_correct(case, when)
        for key in ("all", case.style, kind(case)):
            ours[key].append(ok)
        if not ok:
            failures.append((case, describe(when)))
        if not args.no_dateparser:
            moment = dateparser_result(case)
            good = dateparser_correct(case, moment)
            for key in ("all", case.style, kind(case)):
                theirs[key].append(good)
            if not good:
                their_failures.append((case, str(moment)))

    print(f"German date/time expressions: {len(cases)} cases "
          f"({len(ours['chat'])} chat, {len(ours['speech'])} speech), file {CASES.relative_to(ROOT)}")
    print(f"{'':10} {'ours':>20} {'dateparser':>20}")
    for key in ("all", "chat", "speech", "one day", "range", "asap", "no date"):
        print(f"{key:10} {_rate(ours[key]):>20} {_rate(theirs[key]) if theirs else 'skipped':>20}")
    if failures:
        print(f"\nOur failures ({len(failures)}):")
        for case, got in failures:
            print(f"  [{case.style}] {case.text!r} (now {case.now:%a %d.%m.%Y %H:%M})\n"
                  f"      expected {expected_text(case)}\n      got      {got}")
    if args.show_dateparser_failures and their_failures:
        print(f"\ndateparser failures ({len(their_failures)}):")
        for case, got in their_failures:
            print(f"  [{case.style}] {case.text!r}: expected {expected_text(case)}, got {got}")
    accuracy = sum(ours["all"]) / len(ours["all"])
    if accuracy < TARGET:
        print(f"\nTARGET MISSED: accuracy {accuracy:.1%} < {TARGET:.0%}")
        return 1
    print(f"\ntarget met: {accuracy:.1%} >= {TARGET:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
