"""Every turn gets an answer: each intent, as the opening message and as the answer to the
booking form's questions, gets a non-empty reply and never a 5xx (through the gateway)."""
from __future__ import annotations

import uuid

import pytest
import requests
import yaml

from launcher.stack import ROOT

INTENTS = [name for name in yaml.safe_load((ROOT / "bot/domain/intents.yml").read_text())["intents"]
           if name != "next_step"]
# The turns that bring a chat to a question, then the intent is sent as the answer.
TO_QUESTION = {
    "opening": [],
    "when": ["Ich brauche einen Termin für einen Personalausweis"],
    # another day and place than the other e2e tests: these sessions hold what they are offered
    "chosen_slot": ["Ich brauche einen Termin für einen Personalausweis", "übernächste Woche Freitag", "in Bramfeld"],
}


def _say(gateway: str, session: str, text: str) -> list[dict]:
    response = requests.post(f"{gateway}/api/chat", json={"session_id": session, "message": text}, timeout=60)
    assert response.status_code < 500, f"{text!r}: HTTP {response.status_code}"
    response.raise_for_status()
    return response.json()["messages"]


@pytest.mark.parametrize("question", sorted(TO_QUESTION))
def test_every_intent_gets_an_answer(stack, question):
    gateway = f"http://127.0.0.1:{stack.ports.gateway}"
    silent = []
    for intent in INTENTS:
        session = f"every{uuid.uuid4().hex[:16]}"
        for text in TO_QUESTION[question]:
            _say(gateway, session, text)
        messages = _say(gateway, session, f"/{intent}")
        if not any(message.get("text") for message in messages):
            silent.append(intent)
    assert not silent, f"no answer at {question} to: {silent}"


@pytest.mark.parametrize("text", ["I need an appointment for my passport please", "👍", "???"])
def test_odd_openings_get_an_answer(stack, text):
    gateway = f"http://127.0.0.1:{stack.ports.gateway}"
    messages = _say(gateway, f"odd{uuid.uuid4().hex[:16]}", text)
    assert any(message.get("text") for message in messages)
