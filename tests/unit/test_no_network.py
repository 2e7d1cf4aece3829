"""The guard of tests/unit/conftest.py: no network in the unit tier."""
import socket

import pytest

from tests.unit.conftest import NetworkInUnitTest


def test_a_unit_test_cannot_reach_the_network():
    with pytest.raises(NetworkInUnitTest), socket.create_connection(("127.0.0.1", 6379), timeout=0.2):
        pass
