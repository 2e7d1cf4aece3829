"""Rate limits and anti-hoarding at the gateway: per chat session, per address, per call and
per caller number. Over a limit the citizen gets a German answer (429 in the chat, a polite
goodbye on the phone) and the bot never sees the extra turns."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from .conftest import call_form


def test_one_chat_session_gets_429_after_its_budget_and_the_bot_sees_no_more(make_gateway):
    world = make_gateway(RATE_CHAT_PER_SESSION_PER_MINUTE="5")
    client = world.client()
    statuses = [client.post("/api/chat", json={"session_id": "hoarding-session", "message": f"Termin {n}"}).status_code
                for n in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    assert len(world.rasa.calls) == 5
    refused = client.post("/api/chat", json={"session_id": "hoarding-session", "message": "noch einer"})
    assert int(refused.headers["Retry-After"]) >= 1
    assert "warten Sie" in refused.get_json()["messages"][0]["text"]
    # another session is not affected
    assert client.post("/api/chat", json={"session_id": "other-session", "message": "Hallo"}).status_code == 200


def test_many_sessions_from_one_address_share_its_budget(make_gateway):
    world = make_gateway(RATE_CHAT_PER_IP_PER_MINUTE="6")
    client = world.client()
    statuses = [client.post("/api/chat", json={"session_id": f"session-{n:04d}", "message": "Hallo"}).status_code
                for n in range(9)]
    assert statuses == [200] * 6 + [429] * 3
    other = client.post("/api/chat", json={"session_id": "session-9999", "message": "Hallo"},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def _post(world, client, path, form):
    return client.post(path, data=form, headers={"X-Twilio-Signature": world.signed(path, form)})


def test_one_caller_number_calling_again_and_again_is_told_to_call_later(make_gateway):
    world = make_gateway(RATE_CALLS_PER_CALLER_PER_HOUR="3")
    client = world.client()
    answers = []
    for n in range(5):
        form = call_form(CallSid=f"CA{n:032d}", CallStatus="ringing")
        answers.append(ET.fromstring(_post(world, client, "/voice/incoming", form).data))
    assert [a.find("Hangup") is not None for a in answers] == [False, False, False, True, True]
    assert "sehr viele Anrufe" in "".join(answers[-1].itertext())
    assert len(world.rasa.calls) == 3
    # another number still gets through
    other = call_form(CallSid="CA" + "9" * 32, From="+491609999999", CallStatus="ringing")
    assert ET.fromstring(_post(world, client, "/voice/incoming", other).data).find("Gather") is not None


def test_withheld_numbers_are_not_limited_per_number(make_gateway):
    world = make_gateway(RATE_CALLS_PER_CALLER_PER_HOUR="1")
    client = world.client()
    for n in range(3):
        form = call_form(CallSid=f"CB{n:032d}", From="anonymous", CallStatus="ringing")
        assert ET.fromstring(_post(world, client, "/voice/incoming", form).data).find("Hangup") is None


def test_a_call_looping_on_the_webhook_is_ended_politely(make_gateway):
    world = make_gateway(RATE_PHONE_TURNS_PER_CALL_PER_MINUTE="4")
    client = world.client()
    _post(world, client, "/voice/incoming", call_form(CallStatus="ringing"))
    answers = [ET.fromstring(_post(world, client, "/voice/gather", call_form(SpeechResult=f"Hallo {n}")).data)
               for n in range(5)]
    assert [a.find("Hangup") is not None for a in answers] == [False, False, False, True, True]
    assert len(world.rasa.calls) == 4  # the greeting and three turns
