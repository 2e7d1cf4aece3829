"""An agent signs in to the console, opens a chat hand-over and replies; the citizen sees the
reply in the chat (real headless Chromium; gateway in a thread with a real SQLite hand-over
store; the scripted Rasa stands in for the bot and writes the record as action_handover does)."""
from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Optional

import pytest
from werkzeug.serving import make_server

from booking_adapter.memory import InMemoryBookingPort
from common.settings import Settings
from gateway import create_app
from handover.domain import NewHandover, TranscriptLine
from handover.store import SqlHandoverStore, build_engine
from tests.browser.conftest import NOW, ChatPage, ScriptedRasa

PASSWORD = "konsole-geheim-7"


class HandingOverRasa(ScriptedRasa):
    """On /request_human: write the hand-over record like action_handover, marker with its id."""

    def __init__(self, booking, store: SqlHandoverStore):
        super().__init__(booking)
        self.store = store

    def send(self, channel: str, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        if message.strip() != "/request_human":
            return super().send(channel, sender, message, metadata)
        now = datetime.now(UTC)
        record = self.store.record_handover(NewHandover(
            conversation_id=sender, channel="webchat", reason="requested",
            summary="Anliegen: Reisepass beantragen · Wunsch: Altona", fields={"service": "Reisepass beantragen"},
            transcript=[TranscriptLine(at=now, speaker="citizen", text="Ich brauche einen Reisepass"),
                        TranscriptLine(at=now, speaker="bot", text="Wo möchten Sie den Termin?")],
        ))
        return [{"text": "Ich verbinde Sie mit einer Mitarbeiterin oder einem Mitarbeiter."},
                {"custom": {"handover": {"reason": "requested", "id": str(record.id)}}}]


@pytest.fixture
def console(tmp_path):
    store = SqlHandoverStore(build_engine(f"sqlite:///{tmp_path / 'handover.db'}"))
    store.add_agent("anna", PASSWORD, "agent")
    settings = Settings.from_env({"ASSISTANT_NOW": NOW, "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
                                  "HANDOVER_RETENTION_INTERVAL_MINUTES": "0"})
    booking = InMemoryBookingPort(settings.clock())
    app = create_app(settings, rasa=HandingOverRasa(booking, store), booking=booking, handover=store)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", store
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_agent_signs_in_opens_the_hand_over_and_the_reply_reaches_the_citizen(browser, console):
    base, store = console
    citizen = ChatPage(browser, base).open()
    citizen.wait_for_bot(1)
    citizen.find("#human").click()
    citizen.wait_for_bot(2)
    citizen.type_and_send("Ich habe eine Frage zu meinem Reisepass")
    citizen.wait(lambda d: "Ich habe eine Frage zu meinem Reisepass" in citizen.bubbles("user") and not citizen.typing())
    [record] = store.list_handovers()
    assert [m.text for m in store.messages(record.id)] == ["Ich habe eine Frage zu meinem Reisepass"]
    chat_window = browser.current_window_handle

    browser.switch_to.new_window("tab")
    agent = ChatPage(browser, base)
    browser.get(f"{base}/agents/handovers/{record.id}")
    assert "/agents/login" in browser.current_url  # not signed in yet
    agent.find("#name").send_keys("anna")
    agent.find("#password").send_keys(PASSWORD)
    agent.find("#login-form button[type=submit]").click()
    agent.wait(lambda d: "/agents/handovers/" in d.current_url, message="back at the hand-over after sign-in")
    assert agent.find("#summary").text == "Anliegen: Reisepass beantragen · Wunsch: Altona"
    transcript = agent.find("#transcript").text
    assert "Ich brauche einen Reisepass" in transcript and "Wo möchten Sie den Termin?" in transcript
    assert "Ich habe eine Frage zu meinem Reisepass" in agent.find("#live").text
    violations = [v["id"] for v in agent.run_axe() if v.get("impact") in ("serious", "critical")]
    assert violations == [], violations

    agent.find("#reply-text").send_keys("Guten Tag, hier ist Anna. Wie kann ich helfen?")
    agent.find("#send-reply").click()
    agent.wait(lambda d: "Ihre Antwort wurde gesendet" in agent.find(".flashes").text)
    assert store.handover(record.id).status == "taken"
    assert ("anna", "open_transcript") in [(e.agent_name, e.action) for e in store.audit_entries(record.id)]

    browser.close()
    browser.switch_to.window(chat_window)
    citizen.wait(lambda d: "Guten Tag, hier ist Anna. Wie kann ich helfen?" in citizen.bubbles("agent"), timeout=15,
                 message="the agent's reply in the chat")
    # the reply survives a reload (kept in the chat history)
    browser.refresh()
    citizen.wait(lambda d: "Guten Tag, hier ist Anna. Wie kann ich helfen?" in citizen.bubbles("agent"))
