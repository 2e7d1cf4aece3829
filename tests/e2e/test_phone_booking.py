"""A phone booking through the real gateway, Rasa server, action server and SQLite store,
with webhook requests signed as Twilio signs them."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from telephony.bench import run_phone_booking
from telephony.simulator import SignedPhone, http_transport, spoken
from telephony.sms import OutboxSmsSender
from tests.e2e.conftest import store_cli

CODE = re.compile(r"\b[ACDEFGHJKMNPQRTUVWXY34679]{3}-[ACDEFGHJKMNPQRTUVWXY34679]{3}\b")
CALLER = "+491701234567"


def test_a_phone_booking_with_signed_webhooks_is_stored_and_confirmed_by_sms(stack):
    gateway = f"http://127.0.0.1:{stack.ports.gateway}"
    phone = SignedPhone(http_transport(gateway, timeout=60), stack.env["TWILIO_AUTH_TOKEN"],
                        stack.env["TWILIO_PUBLIC_BASE_URL"], caller=CALLER)

    steps = run_phone_booking(phone)

    assert [exchange.status for _, exchange in steps] == [200] * len(steps)
    for label, exchange in steps:
        gathers = exchange.root.findall("Gather")
        assert exchange.root.find("Dial") is None, f"{label}: unexpected transfer: {spoken(exchange.root)}"
        if gathers:
            assert gathers[0].get("language") == "de-DE" and gathers[0].get("input") == "speech dtmf"
            assert gathers[0].get("bargeIn") == "true", f"{label}: the caller must be able to interrupt"
            assert "Personalausweis" in gathers[0].get("hints")
    said = {label: " ".join(spoken(exchange.root)) for label, exchange in steps}
    assert "Terminassistent" in said["greet"]
    # one short list: the place once, by its short name, and the way to more offers
    assert said["when"].startswith("Frei ist in Altona:") and said["when"].count("Altona") == 1
    assert "weitere Termine" in said["when"] and "Hamburg Service vor Ort" not in said["when"]
    assert "gebucht" in said["confirm"] and said["confirm"].endswith("Soll ich den Code wiederholen?")
    assert said["confirm"].count("Ihr Buchungscode") == 1
    assert said["repeat_code"].startswith("Gern. Ihr Buchungscode:") and "per SMS" in said["repeat_code"]
    goodbye = dict(steps)["anything_else"].root
    assert goodbye.find("Hangup") is not None and "Auf Wiederhören" in said["anything_else"]

    # the stack is shared by the e2e module: other tests book by phone too, so pick this caller's
    [appointment] = [a for a in store_cli(stack, "list") if a["channel"] == "phone" and a["phone"] == CALLER]
    assert appointment["service_keys"] == ["personalausweis"]
    assert appointment["location_key"] == "altona"
    assert appointment["channel"] == "phone"
    assert datetime.fromisoformat(appointment["start"]).date().isoformat() == "2026-12-01"

    [sms] = [m for m in OutboxSmsSender(Path(stack.env["TELEPHONY_SMS_OUTBOX"])).read() if m.to == CALLER]
    assert f"Buchungscode: {appointment['code']}" in sms.body
    assert CODE.search(sms.body)


def test_a_wrongly_signed_webhook_never_reaches_rasa(stack):
    gateway = f"http://127.0.0.1:{stack.ports.gateway}"
    phone = SignedPhone(http_transport(gateway), "not-the-token", stack.env["TWILIO_PUBLIC_BASE_URL"])
    assert phone.incoming().status == 403
