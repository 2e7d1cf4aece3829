"""Telephony integration fixtures: real SQLite files and a throwaway PostgreSQL database.

The throwaway PostgreSQL database comes from tests/integration/conftest.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database for the telephony tables: an SQLite file or a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'telephony.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS telephony_calls, telephony_callbacks, telephony_alembic_version"))
    engine.dispose()
