"""Alembic environment of the booking store.

The database comes from the caller: `booking_adapter.migrate.upgrade()` passes an open
connection in `config.attributes["connection"]`. Run by hand (`alembic -c ...`), the URL is
taken from Settings (BOOKING_DATABASE_URL), never from a secrets-bearing alembic.ini.
"""
from __future__ import annotations

from alembic import context

from booking_adapter.models import Base

config = context.config
target_metadata = Base.metadata
VERSION_TABLE = "booking_alembic_version"


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    from booking_adapter.db import create_engines
    from common.settings import Settings

    engines = create_engines(Settings.from_env().booking_database_url)
    try:
        with engines.write.connect() as connection:
            _configure(connection)
    finally:
        engines.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `python -m booking_adapter seed`")
run_migrations_online()
