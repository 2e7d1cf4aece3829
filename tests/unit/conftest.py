"""The unit tier works without a network and without daemons: any attempt to open a network
connection from a unit test fails it (Unix sockets stay allowed)."""
from __future__ import annotations

import socket

import pytest

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


class NetworkInUnitTest(RuntimeError):
    pass


def _refuse(sock: socket.socket, address: object) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        raise NetworkInUnitTest(f"unit tests must not open network connections (to {address!r}); "
                                "use a fake or move the test to tests/integration")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def connect(self, address):
        _refuse(self, address)
        return _connect(self, address)

    def connect_ex(self, address):
        _refuse(self, address)
        return _connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)

