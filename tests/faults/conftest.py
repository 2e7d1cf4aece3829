"""Fault tests: the production profile (launcher/prod.py) with a private PostgreSQL and Redis
on spare ports in a temporary directory; processes and servers are killed and restarted in
the middle of conversations. The machine's own PostgreSQL and Redis are never touched."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine

from booking_adapter.integrity import check_integrity
from launcher.prod import ProdPorts, ProdStack
from launcher.supervisor import MODEL, ROOT
from telephony.simulator import SignedPhone, http_transport

NOW = "2026-11-23T09:00:00+01:00"  # a Monday
TOKEN = "faults-twilio-token"
HOTLINE = "+4940115"


@pytest.fixture(scope="session")
def prod():
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}; run `make train` first")
    var_dir = Path(tempfile.mkdtemp(prefix="faults-"))
    ports = ProdPorts.spare()  # asked from the OS: a second run on this machine does not collide
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PROD_", "RATE_", "GATEWAY_SECRET", "RASA_ENABLE_API", "RASA_API_TOKEN"))}
    env.update({
        "ASSISTANT_NOW": NOW,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports.gateway}",
        "TWILIO_HOTLINE_NUMBER": HOTLINE,
        "TELEPHONY_SMS_OUTBOX": str(var_dir / "sms.jsonl"),
        "TWILIO_RASA_TIMEOUT": "12",
    })
    stack = ProdStack(var_dir, ports, base_env=env)
    try:
        stack.start(timeout=600, report=lambda line: None)
        yield stack
    finally:
        stack.stop()
        kept = ROOT / "results" / f"faults-log-{ports.gateway}"  # for a look after a failure; the data goes
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(var_dir / "log", kept, dirs_exist_ok=True)
        shutil.rmtree(var_dir, ignore_errors=True)


@pytest.fixture
def healthy(prod):
    """Every process and server of the profile is up before (and after) a test."""
    recover(prod)
    yield prod
    recover(prod)


def recover(stack: ProdStack) -> None:
    if stack.postgres is not None and not stack.postgres.running():
        stack.postgres.start()
    for name, service in stack.services.items():
        if not service.alive():
            stack.start_service(name)
    stack.wait_healthy(list(stack.services), timeout=600)


class Chat:
    """One citizen in the web chat of the profile's gateway."""

    def __init__(self, stack: ProdStack):
        self.url = f"http://127.0.0.1:{stack.ports.gateway}/api/chat"
        self.session_id = f"fault{uuid.uuid4().hex[:16]}"

    def say(self, message: str) -> requests.Response:
        return requests.post(self.url, json={"session_id": self.session_id, "message": message}, timeout=90)

    def texts(self, message: str) -> list[str]:
        response = self.say(message)
        assert response.status_code == 200, (response.status_code, response.text[:300])
        return [m.get("text", "") for m in response.json()["messages"]]

    def buttons(self, message: str) -> list[dict]:
        response = self.say(message)
        assert response.status_code == 200, (response.status_code, response.text[:300])
        return [b for m in response.json()["messages"] for b in m.get("buttons", [])]


def phone(stack: ProdStack, caller: str) -> SignedPhone:
    base = f"http://127.0.0.1:{stack.ports.gateway}"
    return SignedPhone(http_transport(base, timeout=90), TOKEN, base, caller=caller)


def store_state(stack: ProdStack) -> dict:
    """Appointments and their consistency (booking_adapter/integrity.py): every confirmed
    appointment owns its cells and its services; no cell has two owners."""
    engine = create_engine(stack.env["BOOKING_DATABASE_URL"])
    try:
        found = check_integrity(engine)
    finally:
        engine.dispose()
    return {"codes": [code for code, _ in found.confirmed], "half_written": found.half_written,
            "double": found.double_cells}


def conversation_instance(stack: ProdStack, sender: str) -> str:
    """The Rasa instance the gateway's pool sends this conversation to first."""
    import zlib

    return f"rasa-{zlib.crc32(sender.encode('utf-8')) % len(stack.ports.rasa) + 1}"
