"""The SQLAlchemy port on SQLite and PostgreSQL honours the same contract as the fake."""
from tests.unit.booking.port_contract import *  # noqa: F403  (the shared contract tests)
