"""Personal data through the real stack: after a complete chat booking and a complete phone
booking, no phone number is in a log file of any process or in a bot event of Rasa's SQLite
tracker. The citizen's own words and the slot may hold the number (kept only for the
configured retention); what the bot says and carries may not."""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from telephony.bench import run_phone_booking
from telephony.simulator import SignedPhone, http_transport
from tests.e2e.conftest import Conversation

CHAT_NUMBER = "040 1234567"
CALLER = "+4917612349876"


def _spellings(number: str) -> set[str]:
    """The forms a number can take in a log or a message: as given, E.164, national, digits."""
    digits = re.sub(r"\D", "", number)
    national = "0" + digits[2:] if digits.startswith("49") else digits
    international = "49" + national[1:]
    return {number, digits, national, international, "+" + international}


def _found(text: str, numbers: set[str]) -> set[str]:
    squeezed = re.sub(r"[\s/-]", "", text)
    return {number for number in numbers if number and (number in text or number.replace(" ", "") in squeezed)}


def test_no_phone_number_in_logs_or_bot_events_after_a_chat_and_a_phone_booking(stack):
    chat = Conversation(stack)
    chat.say("Ich brauche einen Termin für einen Personalausweis")
    chat.say("nächste Woche Dienstag vormittags")
    offers = chat.say("in Altona")
    chat.say(offers[-1]["buttons"][0]["payload"])
    chat.say("Anna Schulz")
    chat.say(CHAT_NUMBER)
    booked = chat.say("Ja")
    assert chat.last_utterances() == ["utter_booked"], booked

    phone = SignedPhone(http_transport(f"http://127.0.0.1:{stack.ports.gateway}", timeout=60),
                        stack.env["TWILIO_AUTH_TOKEN"], stack.env["TWILIO_PUBLIC_BASE_URL"], caller=CALLER)
    steps = run_phone_booking(phone)
    assert all(exchange.status == 200 for _, exchange in steps)

    numbers = _spellings(CHAT_NUMBER) | _spellings(CALLER)
    log_dir = Path(stack.log_dir)
    logs = sorted(log_dir.rglob("*"))
    assert any(path.is_file() and path.stat().st_size for path in logs), "the processes wrote logs"
    for path in logs:
        if path.is_file():
            leaked = _found(path.read_text(encoding="utf-8", errors="replace"), numbers)
            assert not leaked, f"{path.name} holds {leaked}"

    tracker_db = stack.env["TRACKER_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(tracker_db) as database:
        rows = database.execute("SELECT sender_id, data FROM events WHERE type_name = 'bot'").fetchall()
    senders = {sender for sender, _ in rows}
    assert chat.sender in senders and phone.call_sid in senders, "both conversations were stored"
    for sender, data in rows:
        event = json.loads(data)
        said = json.dumps({"text": event.get("text"), "data": event.get("data")}, ensure_ascii=False)
        leaked = _found(said, numbers)
        assert not leaked, f"a bot event of {sender} holds {leaked}: {said[:200]}"
