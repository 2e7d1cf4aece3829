"""The SQLAlchemy hand-over store on SQLite and PostgreSQL honours the same contract as the fake."""
import pytest

from tests.unit.handover.port_contract import *  # noqa: F403  (the shared contract tests)


@pytest.fixture
def handover_port(store_any):
    return store_any
