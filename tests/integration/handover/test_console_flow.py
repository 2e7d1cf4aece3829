"""The console at work: the chat relay, replies, give-back, audit, masking, search, callbacks,
appointments on the caller's behalf (Flask test client, real SQLite store)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handover_helpers import chat_handover, csrf_of, sign_in

from booking_adapter.port import SlotQuery
from handover.domain import NewCallback

SESSION = "web-abcdef123456"


def chat(client, text: str):
    return client.post("/api/chat", json={"session_id": SESSION, "message": text})


def test_agent_reply_reaches_the_chat_and_the_bot_stays_silent_until_given_back(app, store, rasa):
    handover_id = chat_handover(store, conversation_id=SESSION)
    citizen = app.test_client()

    held = chat(citizen, "Hallo, ist da jemand?")
    assert held.status_code == 200 and held.json == {"messages": [], "held": True}
    assert rasa.calls == []  # the bot did not see the message
    assert [m.text for m in store.messages(handover_id)] == ["Hallo, ist da jemand?"]

    agent = app.test_client()
    sign_in(agent)
    page = agent.get(f"/agents/handovers/{handover_id}")
    assert "Hallo, ist da jemand?" in page.text
    agent.post(f"/agents/handovers/{handover_id}/reply",
               data={"text": "Guten Tag, hier ist Anna von der 115.", "csrf_token": csrf_of(page.text)})

    polled = citizen.get(f"/api/chat/agent?session_id={SESSION}&after=0")
    assert polled.json["held"] is True
    assert [(m["from"], m["text"]) for m in polled.json["messages"]] == [("agent", "Guten Tag, hier ist Anna von der 115.")]
    assert store.handover(handover_id).status == "taken"  # a reply takes an open hand-over
    last = polled.json["messages"][-1]["id"]

    page = agent.get(f"/agents/handovers/{handover_id}")
    agent.post(f"/agents/handovers/{handover_id}/give-back", data={"csrf_token": csrf_of(page.text)})
    after = citizen.get(f"/api/chat/agent?session_id={SESSION}&after={last}").json
    assert after["held"] is False
    assert [m["from"] for m in after["messages"]] == ["system"]
    assert "Terminassistenten" in after["messages"][0]["text"]

    answered = chat(citizen, "Ich brauche einen Termin")
    assert answered.json["messages"][0]["text"] == "Bot: Ich brauche einen Termin"
    assert rasa.calls == [(SESSION, "Ich brauche einen Termin")]


def test_a_chat_without_hand_over_goes_to_the_bot(app, rasa):
    response = app.test_client().post("/api/chat", json={"session_id": "web-other12345", "message": "Hallo"})
    assert response.json["messages"][0]["text"] == "Bot: Hallo"


def test_opening_a_transcript_is_audited(app, store):
    handover_id = chat_handover(store)
    agent = app.test_client()
    sign_in(agent)
    agent.get(f"/agents/handovers/{handover_id}")
    token = store.issue_token("chef", "crm")
    app.test_client().get(f"/api/agents/handovers/{handover_id}", headers={"Authorization": f"Bearer {token}"})
    entries = store.audit_entries(handover_id=handover_id)
    assert [(e.agent_name, e.action, e.detail) for e in reversed(entries)] == [
        ("anna", "open_transcript", ""), ("chef", "open_transcript", "api")]


def test_lists_mask_phone_numbers_and_the_detail_shows_the_number(app, store):
    handover_id = chat_handover(store, phone="+494012345667")
    agent = app.test_client()
    sign_in(agent)
    queue = agent.get("/agents/").text
    assert "+49 40 ••• ••67" in queue
    assert "12345667" not in queue and "4012345667" not in queue
    listed = agent.get("/api/agents/handovers").json["handovers"][0]
    assert listed["phone_masked"] == "+49 40 ••• ••67" and "phone" not in listed
    assert "+494012345667" in agent.get(f"/agents/handovers/{handover_id}").text


def test_queue_is_newest_first_and_only_open_or_taken(app, store):
    first = chat_handover(store, conversation_id="web-first00001")
    second = chat_handover(store, conversation_id="web-second0001")
    done = chat_handover(store, conversation_id="web-done000001", status="done")
    agent = app.test_client()
    sign_in(agent)
    text = agent.get("/agents/").text
    assert text.index(f"Nr. {second}") < text.index(f"Nr. {first}")
    assert f"Nr. {done} " not in text
    ids = [h["id"] for h in agent.get("/api/agents/handovers?status=open,taken").json["handovers"]]
    assert ids == [second, first]


def test_search_by_phone_and_by_booking_code(app, store):
    by_phone = chat_handover(store, conversation_id="web-phone00001", phone="+4915112345678")
    by_code = chat_handover(store, conversation_id="web-code000001", phone=None, code="ACD-EFG")
    agent = app.test_client()
    sign_in(agent)
    form = agent.get("/agents/search").text
    found = agent.post("/agents/search", data={"q": "0151 1234 5678", "csrf_token": csrf_of(form)}).text
    assert f"Nr. {by_phone}" in found
    assert f"Nr. {by_phone}" not in agent.get("/agents/search?q=0151 1234 5678").text, "no number in a URL"
    page = agent.get("/agents/search?q=acdefg").text
    assert f"Nr. {by_code}" in page and f"Nr. {by_phone}" not in page


def test_callbacks_due_are_listed_and_can_be_closed(app, store):
    past = datetime.now(UTC) - timedelta(hours=1)
    future = datetime.now(UTC) + timedelta(days=3)
    due = store.record_callback(NewCallback(phone="+494011111122", channel="webchat", window="vormittags", due_at=past))
    later = store.record_callback(NewCallback(phone="+494033333344", channel="voice", window="abends", due_at=future))
    agent = app.test_client()
    sign_in(agent)
    queue = agent.get("/agents/").text
    assert f"Rückruf {due.id}" in queue and f"Rückruf {later.id}" not in queue
    assert "+49 40 ••• ••22" in queue
    page = agent.get(f"/agents/callbacks/{due.id}")
    assert "+494011111122" in page.text
    agent.post(f"/agents/callbacks/{due.id}/done", data={"csrf_token": csrf_of(page.text)})
    assert [c.id for c in store.callbacks()] == [later.id]


def test_agent_books_and_cancels_an_appointment_on_the_callers_behalf(app, store, booking):
    agent = app.test_client()
    sign_in(agent)
    page = agent.get("/agents/book?service=personalausweis")
    assert page.status_code == 200 and "Diesen Termin buchen" in page.text
    slot = booking.find_slots(SlotQuery(service_keys=("personalausweis",), limit=1, channel="agent"))[0]
    response = agent.post("/agents/book", data={
        "csrf_token": csrf_of(page.text), "service": "personalausweis", "hold_start": slot.start.isoformat(),
        "hold_location": slot.location_key, "name": "Erika Mustermann", "phone": "040 7654321"})
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[-1]
    appointment = booking.appointment(code)
    assert appointment.channel == "agent" and appointment.status == "confirmed"
    shown = agent.get(f"/agents/appointments/{code}")
    agent.post(f"/agents/appointments/{code}/cancel", data={"csrf_token": csrf_of(shown.text)})
    assert booking.appointment(code).status == "cancelled"
    actions = [e.action for e in store.audit_entries()]
    assert "book_appointment" in actions and "cancel_appointment" in actions
