"""bot/rasa_server.py's second repair, in the Rasa environment: Rasa's call to the action
server is tried again when the connection is refused (an action server restarting), and never
repeated once the request reached it."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot import rasa_server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _ActionServer(BaseHTTPRequestHandler):
    def do_POST(self):
        self.server.calls += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"events": [], "responses": []}).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(port: int, after: float = 0.0, status: int = 200) -> list:
    started: list = []

    def run():
        time.sleep(after)
        server = ThreadingHTTPServer(("127.0.0.1", port), _ActionServer)
        server.calls, server.status = 0, status
        started.append(server)
        server.serve_forever()

    threading.Thread(target=run, daemon=True).start()
    return started


def call(port: int):
    from rasa.utils.endpoints import EndpointConfig

    return asyncio.run(EndpointConfig(f"http://127.0.0.1:{port}/webhook").request(json={"next_action": "x"}))


class ActionCallRetryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rasa_server.install()

    def setUp(self):
        self.servers: list = []

    def tearDown(self):
        for started in self.servers:
            for server in started:
                server.shutdown()
                server.server_close()

    def test_an_action_server_that_is_still_starting_is_reached(self):
        port = free_port()
        self.servers.append(serve(port, after=0.4))
        self.assertEqual(call(port), {"events": [], "responses": []})

    def test_an_action_server_that_never_comes_fails_after_the_retries(self):
        from aiohttp import ClientConnectorError

        started = time.monotonic()
        with self.assertRaises(ClientConnectorError):
            call(free_port())
        self.assertGreaterEqual(time.monotonic() - started, 1.0)

    def test_an_error_answer_is_not_repeated(self):
        from rasa.utils.endpoints import ClientResponseError

        port = free_port()
        started = serve(port, status=500)
        self.servers.append(started)
        time.sleep(0.2)
        with self.assertRaises(ClientResponseError):
            call(port)
        self.assertEqual(started[0].calls, 1)

    def test_the_method_is_replaced(self):
        from rasa.utils.endpoints import EndpointConfig

        self.assertEqual(EndpointConfig.request.__module__, "bot.rasa_server")


if __name__ == "__main__":
    unittest.main()
