"""The gateway's Rasa client on real sockets: a refused connection is tried again with a
growing pause (Rasa restarting), a turn that reached Rasa and timed out is never sent twice."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gateway.rasa_client import RasaClient, RasaUnavailable
from gateway.rasa_pool import RasaPool
from launcher.supervisor import free_port


class _Bot(BaseHTTPRequestHandler):
    def do_POST(self):
        self.server.turns += 1  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(self.server.delay)  # type: ignore[attr-defined]
        answer = json.dumps([{"text": "Guten Tag"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def _serve(port: int, after: float = 0.0, delay: float = 0.0) -> list[ThreadingHTTPServer]:
    """A bot on `port`, listening only `after` seconds from now (like a Rasa coming back)."""
    started: list[ThreadingHTTPServer] = []

    def run() -> None:
        time.sleep(after)
        server = ThreadingHTTPServer(("127.0.0.1", port), _Bot)
        server.turns, server.delay = 0, delay  # type: ignore[attr-defined]
        started.append(server)
        server.serve_forever()

    threading.Thread(target=run, daemon=True).start()
    return started


@pytest.fixture
def servers():
    running: list[list[ThreadingHTTPServer]] = []
    yield running
    for started in running:
        for server in started:
            server.shutdown()
            server.server_close()


def test_a_rasa_that_is_still_starting_is_reached_after_a_refused_connection(servers):
    port = free_port()
    servers.append(_serve(port, after=0.4))
    assert RasaClient(f"http://127.0.0.1:{port}", timeout=5).send("webchat", "s1", "Hallo") == [{"text": "Guten Tag"}]


def test_a_rasa_that_never_comes_is_unavailable_after_the_retries():
    port = free_port()
    started = time.monotonic()
    with pytest.raises(RasaUnavailable):
        RasaClient(f"http://127.0.0.1:{port}", timeout=5).send("webchat", "s1", "Hallo")
    assert 1.0 <= time.monotonic() - started < 5  # backed off (0 + 0.5 + 1 s), then gave up


def test_a_turn_that_reached_rasa_and_timed_out_is_not_sent_again(servers):
    port = free_port()
    started = _serve(port, delay=1.5)
    servers.append(started)
    time.sleep(0.2)
    with pytest.raises(RasaUnavailable):
        RasaClient(f"http://127.0.0.1:{port}", timeout=0.5).send("webchat", "s1", "Hallo")
    time.sleep(1.3)
    assert started[0].turns == 1  # type: ignore[attr-defined]


def test_the_pool_waits_for_an_instance_when_all_are_restarting(servers):
    first, second = free_port(), free_port()
    servers.append(_serve(second, after=0.4))
    pool = RasaPool([f"http://127.0.0.1:{first}", f"http://127.0.0.1:{second}"], timeout=5)
    assert pool.send("webchat", "s1", "Hallo") == [{"text": "Guten Tag"}]
