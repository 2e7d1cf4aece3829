"""The one place the booking store is wired: engines, catalogue, clock and policies.

Nothing connects at import time; call `build_booking_port(settings)` at start-up.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

from booking_adapter.catalogue import Catalogue, default_catalogue, load_catalogue
from booking_adapter.db import create_engines
from booking_adapter.policies import Policies
from booking_adapter.sqlalchemy_port import SqlAlchemyBookingPort
from common.settings import Settings

if TYPE_CHECKING:
    from booking_adapter.seed import SeedReport


def _catalogue(data_dir: Optional[Path]) -> Catalogue:
    return load_catalogue(data_dir) if data_dir is not None else default_catalogue()


def build_booking_port(settings: Settings, data_dir: Optional[Path] = None) -> SqlAlchemyBookingPort:
    """The SQLAlchemy booking port for `settings.booking_database_url` (SQLite file or
    PostgreSQL). Run `seed_store` (or `python -m booking_adapter seed`) once before use."""
    return SqlAlchemyBookingPort(
        engines=create_engines(settings.booking_database_url),
        catalogue=_catalogue(data_dir),
        clock=settings.clock(),
        policies=Policies.from_settings(settings),
    )


def seed_store(settings: Settings, data_dir: Optional[Path] = None) -> SeedReport:
    """Bring the schema to the newest revision and upsert the catalogue. Safe at every start."""
    from booking_adapter.seed import seed  # Alembic is only needed here

    engines = create_engines(settings.booking_database_url)
    try:
        return seed(engines, _catalogue(data_dir))
    finally:
        engines.dispose()
