"""End-to-end fixtures: the real Rasa server, action server and gateway on spare ports,
with their own SQLite files and a pinned clock."""
from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest
import requests

from launcher.stack import MODEL, ROOT, Ports, Stack, stack_environment

NOW = "2026-11-23T09:00:00+01:00"  # a Monday
# where the processes listen and find each other: decided here, never taken from a .env
OWN_PORTS = ("GATEWAY_PORT", "RASA_PORT", "ACTION_PORT", "RASA_URL", "RASA_URLS", "ACTION_ENDPOINT_URL")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}; run `make train` first")
    var_dir = tmp_path_factory.mktemp("var")
    ports = Ports.spare()  # asked from the OS: a second run on this machine does not collide
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("BOOKING_", "TRACKER_", "TELEPHONY_DATABASE", "HANDOVER_DATABASE"))
            and k not in OWN_PORTS}
    telephony = {
        "TWILIO_AUTH_TOKEN": "e2e-twilio-token",
        "TWILIO_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports.gateway}",
        "TELEPHONY_SMS_OUTBOX": str(var_dir / "sms.jsonl"),
        "TWILIO_HOTLINE_NUMBER": "+4940115",
    }
    env = stack_environment({**base, **telephony, "ASSISTANT_NOW": NOW}, ports, var_dir)
    running = Stack(env=env, ports=ports, log_dir=var_dir / "log")
    running.start()  # the stores migrated and seeded first
    try:
        running.wait_healthy(timeout=300, report=lambda line: None)
        yield running
    finally:
        running.stop()


class Conversation:
    """One citizen talking to the bot through the gateway, with access to Rasa's tracker."""

    def __init__(self, stack: Stack, channel: str = "webchat", metadata: dict | None = None):
        self.stack = stack
        self.channel = channel
        self.metadata = metadata or {}
        self.sender = f"e2e{uuid.uuid4().hex[:16]}"
        self.gateway = f"http://127.0.0.1:{stack.ports.gateway}"
        self.rasa = f"http://127.0.0.1:{stack.ports.rasa}"

    def say(self, text: str) -> list[dict]:
        if self.channel == "webchat":
            response = requests.post(
                f"{self.gateway}/api/chat", json={"session_id": self.sender, "message": text}, timeout=60
            )
            response.raise_for_status()
            return response.json()["messages"]
        response = requests.post(
            f"{self.rasa}/webhooks/{self.channel}/webhook",
            json={"sender": self.sender, "message": text, "metadata": self.metadata},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def tracker(self) -> dict:
        token = self.stack.env["RASA_API_TOKEN"]
        response = requests.get(
            f"{self.rasa}/conversations/{self.sender}/tracker", params={"token": token, "include_events": "ALL"}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def last_utterances(self) -> list[str]:
        """Names of the responses the bot used since the person's last message."""
        names: list[str] = []
        for event in reversed(self.tracker()["events"]):
            if event["event"] == "user":
                break
            if event["event"] == "bot":
                names.append((event.get("metadata") or {}).get("utter_action", ""))
        return list(reversed(names))


def store_cli(stack: Stack, *args: str) -> object:
    """Run the booking store's command line against the stack's database, JSON out."""
    out = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "booking_adapter", *args, "--json"],
        cwd=ROOT, env=stack.env, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)
