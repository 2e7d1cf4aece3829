"""Outside hotline hours the bot offers a callback instead of a transfer: real Rasa, real
action server (with HOTLINE_HOURS that never open), the record and the callback in the store.

A stack of its own (other ports) because the hotline hours are a setting of the action server."""
from __future__ import annotations

import os
import subprocess

import pytest

from handover.store import SqlHandoverStore, build_engine
from launcher.stack import MODEL, ROOT, Ports, Stack, stack_environment
from tests.e2e.conftest import NOW, Conversation


@pytest.fixture(scope="module")
def closed_stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}; run `make train` first")
    var_dir = tmp_path_factory.mktemp("var-closed")
    ports = Ports.spare()  # the OS picks free ports: two runs on one machine do not collide
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKING_", "TRACKER_", "HANDOVER_"))}
    # Monday 09:00 is pinned; a hotline staffed only on Sundays is closed then
    env = stack_environment({**base, "ASSISTANT_NOW": NOW, "HOTLINE_HOURS": "7-7 08:00-09:00"}, ports, var_dir)
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "booking_adapter", "seed"], cwd=ROOT, env=env, check=True)
    running = Stack(env=env, ports=ports, log_dir=var_dir / "log")
    running.start()
    try:
        running.wait_healthy(timeout=600, report=lambda line: None)
        yield running
    finally:
        running.stop()


def test_outside_hotline_hours_the_bot_takes_a_callback_request(closed_stack):
    chat = Conversation(closed_stack)
    chat.say("Ich brauche einen Termin für einen Reisepass")
    replies = chat.say("Ich möchte mit einem Menschen sprechen")
    assert chat.last_utterances() == ["utter_hotline_closed", "utter_ask_callback_phone"]
    assert not any(reply.get("handover") for reply in replies)  # no transfer, no waiting for an agent

    chat.say("040 1234567")
    assert chat.last_utterances() == ["utter_ask_callback_window"]
    confirmed = chat.say("morgen vormittags")
    assert chat.last_utterances() == ["utter_callback_confirmed"]
    assert "Sonntag, 29. November, 8:00 Uhr" in confirmed[0]["text"]  # the next opening

    store = SqlHandoverStore(build_engine(closed_stack.env["BOOKING_DATABASE_URL"]))
    [record] = [h for h in store.list_handovers() if h.conversation_id == chat.sender]
    assert record.status == "callback" and record.reason == "requested"
    [callback] = [c for c in store.callbacks() if c.conversation_id == chat.sender]
    assert (callback.phone, callback.window, callback.handover_reference) == ("+49401234567", "morgen vormittags", str(record.id))
