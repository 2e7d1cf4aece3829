"""The catalogue: services, locations, opening hours and the city calendar, read from YAML.

The YAML files in `booking_adapter/data/` are the one editable source. `seed` copies the
services and locations into the store (for foreign keys and reports); the ports read the
catalogue object built here.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from booking_adapter.port import Location, OpeningInterval, Service

DATA_DIR = Path(__file__).resolve().parent / "data"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GRID_MINUTES = 5  # every duration is a multiple of this


class CatalogueError(ValueError):
    """The YAML data is inconsistent (raised at load time, never at booking time)."""


@dataclass(frozen=True)
class DayException:
    day: date
    intervals: tuple[OpeningInterval, ...]  # empty = closed
    reason: str


@dataclass(frozen=True)
class LocationDef:
    location: Location
    counters: int
    hours: Mapping[int, tuple[OpeningInterval, ...]]  # weekday (0 = Monday) -> intervals
    exceptions: Mapping[date, DayException] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.location.key


@dataclass(frozen=True)
class PassportPriority:
    windows: tuple[tuple[date, date], ...]  # [first day, last day] of each priority window
    percent: int
    service_keys: frozenset[str]

    def active_on(self, day: date) -> bool:
        return any(first <= day <= last for first, last in self.windows)


@dataclass(frozen=True)
class Catalogue:
    services: Mapping[str, Service]
    locations: Mapping[str, LocationDef]
    closures: Mapping[date, str]
    priority: PassportPriority
    sources: Mapping[str, str] = field(default_factory=dict)


def _interval(text: str) -> OpeningInterval:
    try:
        start, end = (part.strip() for part in str(text).split("-"))
        interval = OpeningInterval(time.fromisoformat(start), time.fromisoformat(end))
    except ValueError as exc:
        raise CatalogueError(f"bad opening interval {text!r}; expected 'HH:MM-HH:MM'") from exc
    if interval.end <= interval.start:
        raise CatalogueError(f"opening interval {text!r} ends before it starts")
    for moment in (interval.start, interval.end):
        if moment.minute % GRID_MINUTES or moment.second:
            raise CatalogueError(f"opening interval {text!r} is not on the {GRID_MINUTES}-minute grid")
    return interval


def _intervals(items: Any) -> tuple[OpeningInterval, ...]:
    result = tuple(sorted((_interval(item) for item in items or ()), key=lambda i: i.start))
    for earlier, later in itertools.pairwise(result):
        if later.start < earlier.end:
            raise CatalogueError(f"overlapping opening intervals {result}")
    return result


def _hours(raw: Mapping[str, Any]) -> dict[int, tuple[OpeningInterval, ...]]:
    unknown = set(raw) - set(WEEKDAYS)
    if unknown:
        raise CatalogueError(f"unknown weekdays {sorted(unknown)}; use {WEEKDAYS}")
    return {WEEKDAYS.index(name): _intervals(items) for name, items in raw.items() if items}


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _read(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    for required in ("source", "as_of"):
        if not data.get(required):
            raise CatalogueError(f"{path.name} needs a `{required}:` entry")
    return data


def _service(key: str, raw: Mapping[str, Any]) -> Service:
    duration = int(raw["duration_minutes"])
    if duration <= 0 or duration % GRID_MINUTES:
        raise CatalogueError(f"service {key}: duration must be a positive multiple of {GRID_MINUTES}")
    return Service(
        key=key,
        name=str(raw["name"]),
        duration_minutes=duration,
        fee=str(raw["fee"]),
        documents=tuple(str(d) for d in raw.get("documents") or ()),
        online_url=raw.get("online_url"),
        online_note=" ".join(str(raw["online_note"]).split()) if raw.get("online_note") else None,
        walk_in=bool(raw.get("walk_in", False)),
        express=bool(raw.get("express", False)),
        synonyms=tuple(str(s) for s in raw.get("synonyms") or ()),
        note=" ".join(str(raw["note"]).split()) if raw.get("note") else None,
        spoken_name=str(raw["spoken_name"]) if raw.get("spoken_name") else None,
    )


def load_catalogue(data_dir: Optional[Path] = None) -> Catalogue:
    """Read and check services.yml, locations.yml and calendar.yml."""
    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    services_raw = _read(folder / "services.yml")
    locations_raw = _read(folder / "locations.yml")
    calendar_raw = _read(folder / "calendar.yml")

    services = {key: _service(key, raw) for key, raw in (services_raw.get("services") or {}).items()}
    passport_keys = frozenset(
        key for key, raw in services_raw["services"].items() if raw.get("passport", False)
    )

    defaults = locations_raw.get("defaults") or {}
    default_services = tuple(defaults.get("services") or ())
    default_hours = _hours(defaults.get("hours") or {})
    locations: dict[str, LocationDef] = {}
    for key, raw in (locations_raw.get("locations") or {}).items():
        offered = tuple(raw.get("services") or default_services) + tuple(raw.get("extra_services") or ())
        missing = [s for s in offered if s not in services]
        if missing:
            raise CatalogueError(f"location {key} offers unknown services {missing}")
        counters = int(raw.get("counters", 1))
        if counters < 1:
            raise CatalogueError(f"location {key} needs at least one counter")
        exceptions = {}
        for item in raw.get("exceptions") or ():
            day = _day(item["date"])
            intervals = () if item.get("closed") else _intervals(item.get("hours"))
            exceptions[day] = DayException(day, intervals, str(item.get("reason") or ""))
        note = raw.get("note")
        locations[key] = LocationDef(
            location=Location(
                key=key,
                name=str(raw["name"]),
                district=str(raw["district"]),
                address=str(raw["address"]),
                service_keys=tuple(dict.fromkeys(offered)),
                mobile_team=bool(raw.get("mobile_team", False)),
                note=" ".join(str(note).split()) if note else None,
            ),
            counters=counters,
            hours=_hours(raw["hours"]) if "hours" in raw else dict(default_hours),
            exceptions=exceptions,
        )

    closures = {_day(item["date"]): str(item.get("reason") or "") for item in calendar_raw.get("closures") or ()}
    priority_raw = calendar_raw.get("passport_priority") or {}
    weeks = int(priority_raw.get("weeks_before", 0))
    windows = []
    for holiday in calendar_raw.get("summer_holidays") or ():
        start = _day(holiday["start"])
        if weeks > 0:
            windows.append((start - timedelta(weeks=weeks), start - timedelta(days=1)))
    priority = PassportPriority(
        windows=tuple(windows), percent=int(priority_raw.get("percent", 0)), service_keys=passport_keys
    )
    sources = {
        "services": f"{services_raw['source']} (as of {services_raw['as_of']})",
        "locations": f"{locations_raw['source']} (as of {locations_raw['as_of']})",
        "calendar": f"{calendar_raw['source']} (as of {calendar_raw['as_of']})",
    }
    return Catalogue(services=services, locations=locations, closures=closures, priority=priority,
                     sources=sources)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The catalogue from the package's own YAML files, read once per process."""
    return load_catalogue(DATA_DIR)
