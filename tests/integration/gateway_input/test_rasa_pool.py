"""The gateway's pool of Rasa instances (production profile): a conversation sticks to one
instance and moves to the next when that one cannot be reached; an empty bot answer becomes
a German apology."""
from __future__ import annotations

import json
import socket
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gateway.rasa_client import RasaUnavailable
from gateway.rasa_pool import RasaPool


class _Bot(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = json.dumps([{"text": f"Hallo {body['sender']} von {self.server.server_port}"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def live_rasa():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def dead_url():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _sender_for(index: int, size: int) -> str:
    return next(f"conv-{n}" for n in range(1000) if zlib.crc32(f"conv-{n}".encode()) % size == index)


def test_a_conversation_of_a_dead_instance_is_served_by_the_next(live_rasa, dead_url):
    pool = RasaPool([dead_url, live_rasa], timeout=5)
    sender = _sender_for(0, 2)  # sticks to the dead one
    [reply] = pool.send("webchat", sender, "Hallo")
    assert reply["text"].endswith(live_rasa.rsplit(":", 1)[1])


def test_a_live_instance_keeps_its_conversations(live_rasa, dead_url):
    pool = RasaPool([live_rasa, dead_url], timeout=5)
    [reply] = pool.send("webchat", _sender_for(0, 2), "Hallo")
    assert reply["text"].endswith(live_rasa.rsplit(":", 1)[1])


def test_all_instances_down_is_rasa_unavailable(dead_url):
    with pytest.raises(RasaUnavailable):
        RasaPool([dead_url, dead_url], timeout=2).send("webchat", "conv-1", "Hallo")


def test_an_empty_bot_answer_is_a_german_apology_in_the_chat(gateway):
    gateway.rasa.send = lambda *args, **kwargs: []
    response = gateway.client().post("/api/chat", json={"session_id": "empty-answer-1", "message": "Hallo"})
    assert response.status_code == 503
    assert "technisches Problem" in response.get_json()["messages"][0]["text"]
