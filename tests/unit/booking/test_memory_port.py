"""The in-memory fake honours the same contract as the SQLAlchemy port."""
from tests.unit.booking.port_contract import *  # noqa: F403  (the shared contract tests)
