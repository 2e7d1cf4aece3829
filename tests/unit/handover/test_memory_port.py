"""The in-memory hand-over port honours the shared contract."""
import pytest

from handover.port import InMemoryHandoverPort
from tests.unit.handover.port_contract import *  # noqa: F403  (the shared contract tests)


@pytest.fixture
def handover_port() -> InMemoryHandoverPort:
    return InMemoryHandoverPort()
