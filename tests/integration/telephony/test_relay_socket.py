"""The relay mode over a real WebSocket: the gateway from `create_app` served on a spare port,
a scripted fake bot, the SQLite call store, and telephony/relay_client.py playing Twilio."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from common.settings import Settings
from devtools.serve import serve
from gateway import create_app
from gateway.rasa_client import RasaUnavailable
from launcher import commands
from launcher.supervisor import ROOT, free_ports, http_ok
from telephony.relay_client import RelayCall, RelayRefused
from telephony.simulator import http_transport
from tests.unit.telephony.conftest import (
    AUTH_TOKEN,
    GREETING,
    HANDOVER,
    OFFERS,
    PUBLIC_BASE,
    ScriptedRasa,
    settings,
    spoken,
)

ASK_SERVICE = [{"text": "Gern. Wofür brauchen Sie einen Termin?"}]
ASK_WHEN = [{"text": "Wann passt es Ihnen? Sagen Sie zum Beispiel: nächsten Dienstag."}]
CONFIRM = [{"text": "Dienstag, 1. Dezember, um 9 Uhr 30 in Altona. Soll ich das buchen?"}]
BOOKED = [{"text": "Gebucht. Ihr Code ist K, 7, M ... 4, T, X."},
          {"custom": {"booking": {"code": "K7M-4TX", "day": "2026-12-01", "time": "09:30"}}}]


@pytest.fixture
def relay_gateway(tmp_path):
    """start(ScriptedRasa, **env) -> (call factory, rasa, store); every server is stopped after."""
    served = []

    def start(rasa: ScriptedRasa, **env: str):
        app = create_app(settings(VOICE_MODE="relay", TELEPHONY_DATABASE_URL=f"sqlite:///{tmp_path / 'calls.db'}",
                                  HANDOVER_DATABASE_URL=f"sqlite:///{tmp_path / 'handover.db'}", **env), rasa=rasa)
        services = app.extensions["telephony"]
        app.extensions["telephony"] = replace(services, background=lambda work: work())
        server = serve(app)
        served.append(server)

        def call(**kwargs) -> RelayCall:
            return RelayCall(http_transport(server.http_url), AUTH_TOKEN, PUBLIC_BASE, server.ws_url, **kwargs)

        call.server = server  # type: ignore[attr-defined]

        return call, app.extensions["telephony"].store

    yield start
    for server in served:
        server.stop()


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def test_a_booking_like_exchange_over_the_socket(relay_gateway):
    rasa = ScriptedRasa(GREETING, ASK_SERVICE, ASK_WHEN, OFFERS, CONFIRM, BOOKED)
    new_call, store = relay_gateway(rasa)
    call = new_call()
    assert call.start() == GREETING[0]["text"]
    assert call.say("Ich brauche einen Termin").tokens == ["Gern. ", "Wofür brauchen Sie einen Termin?"]
    assert "Wann passt es Ihnen?" in call.say("Personalausweis").text
    offers = call.say("so bald wie möglich")
    assert len(offers.tokens) == 7 and offers.tokens[-1] == "Oder drücken Sie die passende Taste."
    assert "Soll ich das buchen?" in call.press("1").text
    assert rasa.messages[4] == '/choose_option{"ordinal":"1"}'
    booked = call.say("ja")
    assert "K, 7, M, 4, T, X" in booked.text and booked.end is None
    assert all(turn["sender"] == call.call_sid for turn in rasa.calls)
    assert all(turn["metadata"]["caller_number"] == call.caller for turn in rasa.calls)
    call.hang_up()
    assert store.load(call.call_sid) is None  # the status callback deleted the call's state


def test_an_interruption_mid_list_then_a_choice(relay_gateway):
    rasa = ScriptedRasa(GREETING, OFFERS, CONFIRM)
    new_call, store = relay_gateway(rasa)
    call = new_call()
    call.start()
    offers = call.say("so bald wie möglich")
    heard = "".join(offers.tokens[:2]).strip()
    call.interrupt(heard, after_ms=3200)
    assert "Soll ich das buchen?" in call.say("den ersten").text
    assert rasa.messages[-1] == "den ersten"
    transcript = store.load(call.call_sid).transcript
    assert {"text": heard, "interrupted": True} in transcript
    assert not any("Termin 3" in line["text"] for line in transcript if line["interrupted"])
    call.close()


def test_keypad_zero_ends_with_handoff_data_and_the_connect_action_dials(relay_gateway):
    new_call, _ = relay_gateway(ScriptedRasa(GREETING, HANDOVER))
    call = new_call()
    call.start()
    reply = call.press("0")
    assert reply.end == {"reason": "requested", "reference": "H-1042"}
    call.close()
    root = call.connect_action(reply.end)
    assert "Ich verbinde Sie jetzt mit einem Menschen" in spoken(root)
    dial = root.find("Dial")
    assert dial is not None and dial.findtext("Number") == "+494042828000"
    assert _query(dial.get("action")) == {"ref": "H-1042", "reason": "requested"}


def test_a_forged_handshake_signature_is_refused(relay_gateway):
    new_call, _ = relay_gateway(ScriptedRasa(GREETING))
    with pytest.raises(RelayRefused, match="403"):
        new_call(signature="forged").start()
    call = new_call()
    call.start()  # the webhook and the handshake signed right ...
    call.close()
    call.auth_token = "another-accounts-token"  # ... the handshake with another account's token is not
    with pytest.raises(RelayRefused, match="403"):
        call.open()


def test_a_slow_bot_gets_the_filler_then_the_answer(relay_gateway):
    rasa = ScriptedRasa(GREETING)
    new_call, _ = relay_gateway(rasa, RELAY_FILLER_SECONDS="0.2")
    call = new_call()
    call.start()
    rasa.delay, rasa.script = 0.8, [ASK_WHEN]
    reply = call.say("Personalausweis")
    assert reply.tokens[0] == "Einen Moment bitte. "
    assert reply.first_token_seconds is not None and 0.15 < reply.first_token_seconds < 0.7
    assert reply.text.endswith("nächsten Dienstag.") and reply.end is None
    call.close()


def test_rasa_down_gets_the_apology_and_a_technical_handoff(relay_gateway):
    new_call, _ = relay_gateway(ScriptedRasa(GREETING, RasaUnavailable("connection refused")))
    call = new_call()
    call.start()
    reply = call.say("Personalausweis")
    assert reply.end == {"reason": "technical", "reference": call.call_sid}
    root = call.connect_action(reply.end)
    assert "technisches Problem" in spoken(root)
    assert _query(root.find("Dial").get("action"))["reason"] == "technical"


def test_a_dropped_socket_is_logged_and_the_gateway_takes_the_next_call(relay_gateway, caplog):
    caplog.set_level(logging.INFO)
    new_call, _ = relay_gateway(ScriptedRasa(GREETING, default=ASK_WHEN))
    first = new_call()
    first.start()
    first.close()  # the line drops mid-call
    second = new_call()
    second.start()
    assert "Wann passt es Ihnen?" in second.say("Personalausweis").text
    second.close()
    assert f"call {first.call_sid}: relay socket closed" in caplog.text
    assert first.caller not in caplog.text
    # Twilio's <Connect action> after a failed session: the technical transfer, never silence
    root = first.connect_action(status="failed", ErrorCode="64105")
    assert "technisches Problem" in spoken(root)


class _FakeRasaHandler(BaseHTTPRequestHandler):
    """Rasa's REST channel, answering every turn with one question (for the gunicorn test)."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        reply = GREETING if body.get("message") == "/greet" else ASK_WHEN
        data = json.dumps([{"recipient_id": body.get("sender"), **message} for message in reply]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_the_relay_socket_works_under_gunicorn_as_the_launcher_starts_it(tmp_path):
    rasa = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRasaHandler)
    threading.Thread(target=rasa.serve_forever, daemon=True).start()
    [port] = free_ports(1)
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VOICE_MODE": "relay", "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "TWILIO_PUBLIC_BASE_URL": base, "RASA_URL": f"http://127.0.0.1:{rasa.server_port}", "RASA_URLS": "",
           "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'booking.db'}",
           "TELEPHONY_DATABASE_URL": f"sqlite:///{tmp_path / 'calls.db'}",
           "HANDOVER_DATABASE_URL": f"sqlite:///{tmp_path / 'handover.db'}", "RATE_LIMIT_REDIS_URL": ""}
    threads = commands.gateway_threads(Settings.from_env(env), 16)
    assert threads == 64
    process = subprocess.Popen(commands.gateway_command("127.0.0.1", port, workers=1, threads=threads),
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not http_ok(f"{base}/health"):
            assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        calls = [RelayCall(http_transport(base), AUTH_TOKEN, base, f"ws://127.0.0.1:{port}") for _ in range(3)]
        for call in calls:  # three sockets open at once, each on its own gthread thread
            assert call.start() == GREETING[0]["text"]
        for call in calls:
            assert "Wann passt es Ihnen?" in call.say("Personalausweis").text
            call.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
        rasa.shutdown()


def test_make_call_mode_relay_talks_over_the_socket_and_follows_the_hand_over(relay_gateway, monkeypatch):
    from devtools.call import relay_call

    new_call, _ = relay_gateway(ScriptedRasa(GREETING, OFFERS, HANDOVER))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_PUBLIC_BASE_URL", PUBLIC_BASE)
    lines = iter(["so bald wie möglich", ">2 0"])
    shown: list[str] = []
    assert relay_call(new_call.server.http_url, "+491701234567", ask=lambda prompt: next(lines), show=shown.append) == 0
    transcript = "\n".join(shown)
    assert "assistant: Ich habe 3 freie Termine" in transcript
    assert "[you cut in after: Ich habe 3 freie Termine für Sie. Termin 1:" in transcript
    assert "'reason': 'requested'" in transcript and "[transfer to +494042828000" in transcript


def test_a_silent_caller_is_asked_again_after_the_greeting_and_the_gather_timeout(relay_gateway):
    """The whole ladder (again, shorter, a person) is in tests/unit/telephony/test_relay.py."""
    new_call, store = relay_gateway(ScriptedRasa([{"text": "Hallo. Wie kann ich helfen?"}]), TWILIO_GATHER_TIMEOUT="1")
    call = new_call()
    call.start()
    first = call.wait()
    assert first.text == "Entschuldigung, ich habe Sie nicht verstanden. Wie kann ich helfen?"
    assert 1.0 < first.seconds < 6.0
    assert store.load(call.call_sid).trouble == 1
    call.close()
