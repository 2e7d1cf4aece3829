"""Fixtures shared by the integration tiers: a throwaway PostgreSQL database per test run.

PostgreSQL is reached through TEST_POSTGRES_ADMIN_URL (default: the local server that
`make services` starts); the database is created for the run and dropped afterwards.
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
    name = f"integration_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # a missing server is a failure of the tier, not a skip
        pytest.fail(f"PostgreSQL not reachable at {ADMIN_URL} (run `make services`): {error}")
    yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
