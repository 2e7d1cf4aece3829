"""Hand-over from a real conversation: real Rasa, real action server writing the record, the
real gateway's console API reading it and relaying an agent's reply into the chat."""
from __future__ import annotations

import requests

from handover.store import SqlHandoverStore, build_engine
from tests.e2e.conftest import Conversation


def _store(stack) -> SqlHandoverStore:
    return SqlHandoverStore(build_engine(stack.env.get("HANDOVER_DATABASE_URL") or stack.env["BOOKING_DATABASE_URL"]))


def _records(store: SqlHandoverStore, conversation_id: str):
    return [h for h in store.list_handovers() if h.conversation_id == conversation_id]


def test_chat_hand_over_is_recorded_with_summary_and_transcript_and_the_agent_takes_over(stack):
    chat = Conversation(stack)
    said = ["Ich brauche einen Termin für einen Reisepass", "nächste Woche Dienstag vormittags", "in Altona"]
    for text in said:
        chat.say(text)
    assert chat.last_utterances() == ["utter_offer_slots"]

    replies = chat.say("Ich möchte mit einem Menschen sprechen")
    assert chat.last_utterances() == ["utter_handover"]
    [_marker] = [r for r in replies if r.get("handover")]

    store = _store(stack)
    [record] = _records(store, chat.sender)
    record = store.handover(record.id)
    assert record.channel == "webchat" and record.reason == "requested" and record.status == "open"
    assert record.summary.startswith("Anliegen: Reisepass")
    assert "Wunsch: " in record.summary and "Altona" in record.summary
    assert "dienstag vormittags" in record.summary.lower()
    assert "bereits angeboten: Dienstag, 1. Dezember" in record.summary
    assert record.fields["when"].lower() == "nächste woche dienstag vormittags"
    citizen_lines = [line.text for line in record.transcript if line.speaker == "citizen"]
    assert citizen_lines == [*said, "Ich möchte mit einem Menschen sprechen"]
    bot_lines = [line for line in record.transcript if line.speaker == "bot"]
    assert len(bot_lines) >= 3 and all(line.text for line in bot_lines)
    assert [line.speaker for line in record.transcript][:2] == ["citizen", "bot"]
    times = [line.at for line in record.transcript]
    assert times == sorted(times)
    assert [line.intent for line in record.transcript if line.speaker == "citizen"][-1] == "request_human"

    # while the agent holds the chat, the bot stays silent
    events_before = len(chat.tracker()["events"])
    assert chat.say("Hallo, sind Sie da?") == []
    assert len(chat.tracker()["events"]) == events_before
    assert [m.text for m in store.messages(record.id)] == ["Hallo, sind Sie da?"]

    # an agent answers through the console API; the chat page's poll gets the reply
    store.add_agent("e2e-agent", "e2e-passwort-1", "agent")
    token = store.issue_token("e2e-agent")
    api = f"{chat.gateway}/api/agents/handovers/{record.id}"
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(api, timeout=10).status_code == 401
    detail = requests.get(api, headers=auth, timeout=10).json()
    assert detail["transcript"][0]["text"] == said[0]
    assert requests.post(f"{api}/messages", json={"text": "Guten Tag, hier ist die 115."}, headers=auth,
                         timeout=10).status_code == 201
    polled = requests.get(f"{chat.gateway}/api/chat/agent", params={"session_id": chat.sender, "after": 0}, timeout=10).json()
    assert polled["held"] is True
    assert [(m["from"], m["text"]) for m in polled["messages"]] == [("agent", "Guten Tag, hier ist die 115.")]
    assert ("e2e-agent", "open_transcript") in [(e.agent_name, e.action) for e in store.audit_entries(record.id)]

    # given back: the bot answers again
    assert requests.post(f"{api}/give-back", headers=auth, timeout=10).json()["status"] == "returned"
    chat.say("Ich brauche einen Termin für einen Personalausweis")
    assert chat.last_utterances() != []


def test_call_hand_over_keeps_speech_confidence_and_caller_number(stack):
    call = Conversation(stack, channel="voice", metadata={
        "channel": "voice", "input_mode": "speech", "speech_confidence": 0.87, "caller_number": "+4940555012"})
    call.say("Ich brauche einen Termin für einen Personalausweis")
    replies = call.say("Verbinden Sie mich bitte mit einem Mitarbeiter")
    markers = [r["custom"]["handover"] for r in replies if isinstance(r.get("custom"), dict) and "handover" in r["custom"]]
    assert markers and markers[0]["reason"] == "requested" and markers[0]["id"].isdigit()

    store = _store(stack)
    record = store.handover(int(markers[0]["id"]))
    assert record.conversation_id == call.sender and record.channel == "voice"
    assert record.phone == "+4940555012"
    assert "Rückrufnummer: +49 40 ••• ••12" in record.summary
    assert [line.confidence for line in record.transcript if line.speaker == "citizen"] == [0.87, 0.87]
