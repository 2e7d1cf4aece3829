"""Helpers of the hand-over integration tests (imported by the tests and conftest)."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Optional

from handover.domain import NewHandover, TranscriptLine
from handover.store import SqlHandoverStore

PASSWORD = "richtig-geheim-1"


def chat_handover(store: SqlHandoverStore, conversation_id: str = "web-abcdef123456", phone: str = "+494012345667",
                  code: Optional[str] = None, status: str = "open") -> int:
    record = store.record_handover(NewHandover(
        conversation_id=conversation_id, channel="webchat", reason="requested",
        summary="Anliegen: Reisepass beantragen · Rückrufnummer: +49 40 ••• ••67",
        fields={"service": "Reisepass beantragen"}, phone=phone, booking_code=code, status=status,
        transcript=[TranscriptLine(at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC), speaker="citizen", text="Reisepass bitte"),
                    TranscriptLine(at=datetime(2026, 11, 23, 8, 0, 5, tzinfo=UTC), speaker="bot", text="Wo möchten Sie hin?")],
    ))
    return record.id


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, name: str = "anna", password: str = PASSWORD):
    page = client.get("/agents/login")
    response = client.post("/agents/login", data={"name": name, "password": password, "csrf_token": csrf_of(page.text)})
    return response
