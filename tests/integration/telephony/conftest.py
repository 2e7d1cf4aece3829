"""Telephony integration fixtures: real SQLite files and a throwaway PostgreSQL database.

PostgreSQL is reached through TEST_POSTGRES_ADMIN_URL (default: the local server that
`make services` starts); each test run creates its own database and drops it afterwards.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_url():
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"telephony_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # a missing server is a failure of the tier, not a skip
        pytest.fail(f"PostgreSQL not reachable at {ADMIN_URL} (run `make services`): {error}")
    yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


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
        connection.execute(text("DROP TABLE IF EXISTS telephony_calls, telephony_callbacks"))
    engine.dispose()
