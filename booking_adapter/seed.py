"""`seed`: schema to the newest revision, then the catalogue into the store. Idempotent."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from booking_adapter.catalogue import Catalogue
from booking_adapter.db import Engines
from booking_adapter.migrate import head_revision, upgrade
from booking_adapter.models import LocationRow, ServiceRow
from common.sql import rowcount


@dataclass(frozen=True)
class SeedReport:
    revision: str | None
    locations: int
    services: int
    retired_locations: int
    retired_services: int


def _location_definition(catalogue: Catalogue, key: str) -> dict[str, Any]:
    defn = catalogue.locations[key]
    return {
        "service_keys": list(defn.location.service_keys),
        "mobile_team": defn.location.mobile_team,
        "note": defn.location.note,
        "hours": {str(day): [f"{i.start:%H:%M}-{i.end:%H:%M}" for i in ivs] for day, ivs in defn.hours.items()},
        "exceptions": {d.isoformat(): {"hours": [f"{i.start:%H:%M}-{i.end:%H:%M}" for i in e.intervals],
                                       "reason": e.reason} for d, e in defn.exceptions.items()},
        "source": catalogue.sources.get("locations"),
    }


def upsert_catalogue(session: Session, catalogue: Catalogue) -> tuple[int, int]:
    now = datetime.now(UTC)
    for key, defn in catalogue.locations.items():
        row = session.get(LocationRow, key) or LocationRow(key=key)
        row.name, row.district, row.address = defn.location.name, defn.location.district, defn.location.address
        row.counters, row.active, row.updated_at = defn.counters, True, now
        row.definition = _location_definition(catalogue, key)
        session.add(row)
    for key, service in catalogue.services.items():
        service_row = session.get(ServiceRow, key) or ServiceRow(key=key)
        service_row.name, service_row.duration_minutes = service.name, service.duration_minutes
        service_row.fee, service_row.active = service.fee, True
        service_row.definition = {**{k: list(v) if isinstance(v, tuple) else v for k, v in asdict(service).items()},
                                  "source": catalogue.sources.get("services")}
        service_row.updated_at = now
        session.add(service_row)
    # rows no longer in the YAML stay (old appointments refer to them) but are retired
    retired_locations = rowcount(session.execute(
        update(LocationRow).where(LocationRow.key.not_in(list(catalogue.locations)), LocationRow.active.is_(True))
        .values(active=False)))
    retired_services = rowcount(session.execute(
        update(ServiceRow).where(ServiceRow.key.not_in(list(catalogue.services)), ServiceRow.active.is_(True))
        .values(active=False)))
    return retired_locations, retired_services


def seed(engines: Engines, catalogue: Catalogue) -> SeedReport:
    upgrade(engines.write)
    with Session(engines.write) as session, session.begin():
        retired = upsert_catalogue(session, catalogue)
    with Session(engines.read) as session:
        locations = len(session.scalars(select(LocationRow.key).where(LocationRow.active.is_(True))).all())
        services = len(session.scalars(select(ServiceRow.key).where(ServiceRow.active.is_(True))).all())
    return SeedReport(head_revision(), locations, services, *retired)
