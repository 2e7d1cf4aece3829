"""Fixtures of the monitoring integration tests (helpers in monitoring_world.py)."""
from __future__ import annotations

import pytest

from tests.integration.monitoring.monitoring_world import World, make_world


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    """One generated store for the read-only tests of this folder (generation takes a while)."""
    return make_world(tmp_path_factory.mktemp("monitoring-world"))
