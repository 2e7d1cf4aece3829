"""The ConversationRelay mode through the real stack: the e2e stack's Rasa and action server,
and a second gateway in relay mode under gunicorn (gthread, as `make run` starts it), the
caller played by telephony/relay_client.py."""
from __future__ import annotations

import subprocess
import time
from urllib.parse import parse_qs, urlparse

import pytest

from common.settings import Settings
from handover.store import SqlHandoverStore, build_engine
from launcher import commands
from launcher.supervisor import ROOT, free_ports, http_ok
from telephony.relay_client import RelayCall, RelayRefused
from telephony.simulator import http_transport, spoken
from tests.e2e.conftest import store_cli

CALLER = "+491709876543"


@pytest.fixture(scope="module")
def relay_gateway(stack, tmp_path_factory):
    """The gateway's relay mode beside the stack's own gateway (same Rasa, same stores)."""
    [port] = free_ports(1)
    env = {**stack.env, "VOICE_MODE": "relay", "GATEWAY_PORT": str(port),
           "TWILIO_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    command = commands.gateway_command("127.0.0.1", port, workers=1,
                                       threads=commands.gateway_threads(Settings.from_env(env), 16))
    log = (tmp_path_factory.mktemp("relay") / "gateway.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not http_ok(f"http://127.0.0.1:{port}/health"):
            assert process.poll() is None and time.monotonic() < deadline, "the relay gateway did not start"
            time.sleep(0.3)
        yield env
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _call(env, **kwargs) -> RelayCall:
    base = env["TWILIO_PUBLIC_BASE_URL"]
    return RelayCall(http_transport(base, timeout=60), env["TWILIO_AUTH_TOKEN"], base,
                     base.replace("http://", "ws://"), timeout=60, **kwargs)


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def test_a_relay_booking_with_an_interruption_mid_list_then_a_keyed_choice(stack, relay_gateway):
    call = _call(relay_gateway, caller=CALLER)
    assert "Terminassistent" in call.start()
    relay = call.incoming.root.find("Connect/ConversationRelay")
    assert relay.get("language") == "de-DE" and "Personalausweis" in relay.get("hints")
    call.say("Ich brauche einen Termin für einen Personalausweis")
    call.say("in Altona")
    offers = call.say("nächste Woche Dienstag vormittags")
    assert offers.end is None and len(offers.tokens) >= 2, offers.tokens
    call.interrupt(offers.tokens[0].strip(), after_ms=2500)  # cut in after the first sentence
    call.press("1")
    call.say("Anna Schulz")
    call.say("ja")
    booked = call.say("ja")
    assert booked.end is None and "gebucht" in booked.text, booked.text
    call.hang_up()

    [appointment] = [a for a in store_cli(stack, "list") if a["channel"] == "phone" and a["phone"] == CALLER]
    assert appointment["service_keys"] == ["personalausweis"] and appointment["location_key"] == "altona"


def test_keypad_zero_in_relay_mode_hands_over_with_the_record_for_the_agents(stack, relay_gateway):
    call = _call(relay_gateway, caller="+491705550199")
    call.start()
    call.say("Ich brauche einen Termin für einen Personalausweis")
    reply = call.press("0")
    assert reply.end is not None and reply.end["reference"].isdigit(), reply
    call.close()
    store = SqlHandoverStore(build_engine(stack.env.get("HANDOVER_DATABASE_URL") or stack.env["BOOKING_DATABASE_URL"]))
    record = store.handover(int(reply.end["reference"]))
    assert record.conversation_id == call.call_sid and record.channel == "voice"
    root = call.connect_action(reply.end)
    assert spoken(root)  # the hand-over words before the dial, never silence
    assert _query(root.find("Dial").get("action"))["ref"] == reply.end["reference"]


def test_a_forged_relay_handshake_is_refused(relay_gateway):
    with pytest.raises(RelayRefused, match="403"):
        _call(relay_gateway, signature="forged").start()
