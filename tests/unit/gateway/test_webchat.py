"""The chat endpoint relays turns to Rasa and answers in German when it cannot."""
from __future__ import annotations

import pytest

from common.settings import Settings
from gateway import create_app
from gateway.rasa_client import RasaUnavailable


class RecordingRasa:
    def __init__(self, replies=None, fail=False):
        self.replies = replies or []
        self.fail = fail
        self.calls = []

    def send(self, channel, sender, message, metadata=None):
        self.calls.append((channel, sender, message))
        if self.fail:
            raise RasaUnavailable("down")
        return self.replies


@pytest.fixture
def make_client():
    def build(rasa):
        app = create_app(Settings.from_env({}), rasa=rasa)
        app.testing = True
        return app.test_client()

    return build


def test_a_turn_is_relayed_to_the_webchat_channel_with_the_session_as_sender(make_client):
    rasa = RecordingRasa([{"recipient_id": "x", "text": "Hallo", "buttons": [{"title": "Ja", "payload": "/affirm"}]}])
    response = make_client(rasa).post("/api/chat", json={"session_id": "session-1234", "message": " Hallo "})
    assert response.status_code == 200
    assert rasa.calls == [("webchat", "session-1234", "Hallo")]
    assert response.get_json()["messages"] == [
        {"text": "Hallo", "buttons": [{"title": "Ja", "payload": "/affirm"}]}
    ]


def test_rasa_down_gives_a_german_apology_not_an_error_page(make_client):
    response = make_client(RecordingRasa(fail=True)).post(
        "/api/chat", json={"session_id": "session-1234", "message": "Hallo"}
    )
    assert response.status_code == 503
    assert "technisches Problem" in response.get_json()["messages"][0]["text"]


@pytest.mark.parametrize(
    "body, status",
    [
        ({"session_id": "session-1234", "message": ""}, 400),
        ({"session_id": "bad id!", "message": "Hallo"}, 400),
        ({"session_id": "session-1234", "message": "x" * 1001}, 413),
        (["not", "an", "object"], 400),
    ],
)
def test_bad_chat_requests_are_refused_without_reaching_rasa(make_client, body, status):
    rasa = RecordingRasa()
    response = make_client(rasa).post("/api/chat", json=body)
    assert response.status_code == status
    assert rasa.calls == []


def test_a_handover_marker_reaches_the_browser(make_client):
    rasa = RecordingRasa([{"text": "Ich verbinde Sie.", "custom": {"handover": {"reason": "requested"}}}])
    response = make_client(rasa).post("/api/chat", json={"session_id": "session-1234", "message": "Mensch"})
    assert response.get_json()["messages"][0]["handover"] is True


def test_the_chat_page_is_german(make_client):
    page = make_client(RecordingRasa()).get("/")
    assert page.status_code == 200
    assert b'<html lang="de">' in page.data
