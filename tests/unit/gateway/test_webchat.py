"""The chat endpoint relays turns to Rasa and answers in German when it cannot."""
from __future__ import annotations

import pytest

from common.settings import Settings
from gateway import create_app
from gateway.rasa_client import RasaUnavailable


class RecordingRasa:
    def __init__(self, replies=None, fail=False):
        self.replies = replies or []
        self.fail = fail
        self.calls = []

    def send(self, channel, sender, message, metadata=None):
        self.calls.append((channel, sender, message))
        if self.fail:
            raise RasaUnavailable("down")
        return self.replies


@pytest.fixture
def make_client():
    def build(rasa):
        app = create_app(Settings.from_env({}), rasa=rasa)
        app.testing = True
        return app.test_client()

    return build


def test_a_turn_is_relayed_to_the_webchat_channel_with_the_session_as_sender(make_client):
    rasa = RecordingRasa([{"recipient_id": "x", "text": "Hallo", "buttons": [{"title": "Ja", "payload": "/affirm"}]}])
    response = make_client(rasa).post("/api/chat", json={"session_id": "session-1234", "message": " Hallo "})
    assert response.status_code == 200
    assert rasa.calls == [("webchat", "session-1234", "Hallo")]
    assert response.get_json()["messages"] == [
        {"text": "Hallo", "buttons": [{"title": "Ja", "payload": "/affirm"}]}
    ]


def test_rasa_down_gives_a_german_apology_not_an_error_page(make_client):
    response = make_client(RecordingRasa(fail=True)).post(
        "/api/chat", json={"session_id": "session-1234", "message": "Hallo"}
    )
    assert response.status_code == 503
    assert "technisches Problem" in response.get_json()["messages"][0]["text"]


@pytest.mark.parametrize(
    "body, status",
    [
        ({"session_id": "session-1234", "message": ""}, 400),
        ({"session_id": "bad id!", "message": "Hallo"}, 400),
        ({"session_id": "session-1234", "message": "x" * 1001}, 413),
        (["not", "an", "object"], 400),
    ],
)
def test_bad_chat_requests_are_refused_without_reaching_rasa(make_client, body, status):
    rasa = RecordingRasa()
    response = make_client(rasa).post("/api/chat", json=body)
    assert response.status_code == status
    assert rasa.calls == []


def test_a_handover_marker_reaches_the_browser(make_client):
    rasa = RecordingRasa([{"text": "Ich verbinde Sie.", "custom": {"handover": {"reason": "requested"}}}])
    response = make_client(rasa).post("/api/chat", json={"session_id": "session-1234", "message": "Mensch"})
    assert response.get_json()["messages"][0]["handover"] is True


def test_the_chat_page_is_german(make_client):
    page = make_client(RecordingRasa()).get("/")
    assert page.status_code == 200
    assert b'<html lang="de">' in page.data


# --- markers, calendar links, limits and headers --------------------------------------------------

import re  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from booking_adapter.memory import InMemoryBookingPort  # noqa: E402
from booking_adapter.port import Contact, SlotQuery  # noqa: E402
from common.clock import BERLIN  # noqa: E402
from common.web.ratelimit import SlidingWindowLimiter  # noqa: E402
from gateway import ics  # noqa: E402
from gateway.webchat import ChatLimits, public_messages  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
PHONE = "040 1234567"


@pytest.fixture
def booking():
    return InMemoryBookingPort(lambda: NOW)


@pytest.fixture
def appointment(booking):
    [slot] = booking.find_slots(SlotQuery(("personalausweis",), location_keys=("altona",), limit=1))
    hold = booking.hold(slot, "chat-1")
    return booking.confirm(hold.hold_id, Contact(name="Anna Schulz", phone=PHONE))


@pytest.fixture
def make_app(booking):
    def build(rasa=None, limits=None):
        app = create_app(Settings.from_env({}), rasa=rasa or RecordingRasa(), booking=booking)
        app.testing = True
        if limits is not None:
            app.extensions["webchat_limits"] = limits
        return app

    return build


def booked_replies(code):
    """As Rasa's REST channel sends a response with a json_message: text first, marker after."""
    return [
        {"recipient_id": "s", "text": f"Ihr Termin ist gebucht. Ihr Buchungscode: {code}."},
        {"recipient_id": "s", "custom": {"booking": {"code": code, "day": "Dienstag", "time": "9:30",
                                                      "location_name": "Altona", "phone": PHONE}}},
    ]


def test_a_marker_sent_after_its_text_is_folded_into_that_message():
    out = public_messages([
        {"text": "Ich verbinde Sie."},
        {"custom": {"handover": {"reason": "requested"}}},
        {"text": "Noch etwas?", "buttons": [{"title": "Nein", "payload": "/deny"}]},
    ])
    assert out == [
        {"text": "Ich verbinde Sie.", "handover": True},
        {"text": "Noch etwas?", "buttons": [{"title": "Nein", "payload": "/deny"}]},
    ]


def test_a_booking_gets_a_signed_calendar_link_and_the_phone_never_reaches_the_browser(make_app, appointment):
    client = make_app(RecordingRasa(booked_replies(appointment.code))).test_client()
    response = client.post("/api/chat", json={"session_id": "session-1234", "message": "Ja"})
    [message] = response.get_json()["messages"]
    assert message["calendar"]["code"] == appointment.code
    assert message["calendar"]["url"].startswith(f"/api/calendar/{appointment.code}.ics?token=")
    assert "1234567" not in response.get_data(as_text=True)

    calendar = client.get(message["calendar"]["url"])
    assert calendar.status_code == 200
    assert calendar.mimetype == "text/calendar"
    assert calendar.headers["Content-Disposition"] == f'attachment; filename="termin-{appointment.code}.ics"'
    body = calendar.get_data(as_text=True)
    unfolded = body.replace("\r\n ", "")
    start_utc = appointment.start.astimezone(UTC)
    assert f"DTSTART:{start_utc:%Y%m%dT%H%M%SZ}" in unfolded
    assert f"Buchungscode: {appointment.code}" in unfolded
    assert "Anna" not in unfolded and "1234567" not in unfolded
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_the_calendar_file_by_code_and_phone_number(make_app, appointment):
    client = make_app().test_client()
    good = client.post(f"/api/calendar/{appointment.code.lower()}.ics", data={"verification": "+49 40 1234567"})
    assert good.status_code == 200
    assert "BEGIN:VEVENT" in good.get_data(as_text=True)
    wrong = client.post(f"/api/calendar/{appointment.code}.ics", data={"verification": "040 7654321"})
    unknown = client.post("/api/calendar/AAA-AAA.ics", json={"verification": PHONE})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_data() == unknown.get_data(), "no hint whether the code or the number was wrong"
    assert "keinen Termin gefunden" in wrong.get_data(as_text=True)


def test_a_forged_or_foreign_calendar_token_is_refused(make_app, appointment, booking):
    app = make_app(RecordingRasa(booked_replies(appointment.code)))
    client = app.test_client()
    url = client.post("/api/chat", json={"session_id": "session-1234", "message": "Ja"}).get_json()[
        "messages"][0]["calendar"]["url"]
    token = url.split("token=")[1]
    assert client.get(url[:-3] + "xyz").status_code == 403
    [other_slot] = booking.find_slots(SlotQuery(("personalausweis",), location_keys=("wandsbek",), limit=1))
    other = booking.confirm(booking.hold(other_slot, "chat-2").hold_id, Contact(name="B", phone="040 999999"))
    assert client.get(f"/api/calendar/{other.code}.ics?token={token}").status_code == 403


def test_a_cancelled_appointment_has_no_calendar_file(make_app, appointment, booking):
    booking.cancel(appointment.code, PHONE)
    response = make_app().test_client().post(f"/api/calendar/{appointment.code}.ics", data={"verification": PHONE})
    assert response.status_code == 410


def test_without_a_booking_port_the_calendar_is_not_found(make_app, appointment):
    app = make_app()
    del app.extensions["booking"]
    assert app.test_client().post(f"/api/calendar/{appointment.code}.ics", data={"verification": PHONE}).status_code == 404


def test_a_phone_number_in_the_calendar_url_is_not_accepted(make_app, appointment):
    """The number only counts in a POST body: a URL ends up in proxy and access logs."""
    client = make_app().test_client()
    assert client.get(f"/api/calendar/{appointment.code}.ics", query_string={"verification": PHONE}).status_code == 404
    assert client.post(f"/api/calendar/{appointment.code}.ics", query_string={"verification": PHONE}).status_code == 404
    assert client.post(f"/api/calendar/{appointment.code}.ics", data={"verification": PHONE}).status_code == 200


def test_too_many_turns_in_one_session_are_refused_in_german_without_reaching_rasa(make_app):
    rasa = RecordingRasa([{"text": "Hallo"}])
    limits = ChatLimits(per_session=SlidingWindowLimiter(3, 60), per_ip=SlidingWindowLimiter(100, 60))
    client = make_app(rasa, limits).test_client()
    codes = [client.post("/api/chat", json={"session_id": "session-1234", "message": "Hi"}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert len(rasa.calls) == 3
    refused = client.post("/api/chat", json={"session_id": "session-1234", "message": "Hi"})
    assert refused.get_json()["error"] == "rate_limited"
    assert "warten Sie" in refused.get_json()["messages"][0]["text"]
    assert int(refused.headers["Retry-After"]) >= 1
    other = client.post("/api/chat", json={"session_id": "session-5678", "message": "Hi"})
    assert other.status_code == 200, "another session is not affected"


def test_many_sessions_from_one_address_hit_the_per_ip_limit(make_app):
    limits = ChatLimits(per_session=SlidingWindowLimiter(100, 60), per_ip=SlidingWindowLimiter(2, 60))
    client = make_app(RecordingRasa([{"text": "Hallo"}]), limits).test_client()
    codes = [client.post("/api/chat", json={"session_id": f"session-{n:04d}", "message": "Hi"}).status_code
             for n in range(3)]
    assert codes == [200, 200, 429]
    elsewhere = client.post("/api/chat", json={"session_id": "session-9999", "message": "Hi"},
                            environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert elsewhere.status_code == 200


def test_the_sliding_window_frees_up_after_the_window():
    now = [100.0]
    limiter = SlidingWindowLimiter(2, 10, clock=lambda: now[0])
    assert [limiter.allow("k"), limiter.allow("k")] == [0.0, 0.0]
    assert limiter.allow("k") == pytest.approx(10.0)
    now[0] += 4
    assert limiter.allow("k") == pytest.approx(6.0)
    now[0] += 6
    assert limiter.allow("k") == 0.0


def test_the_limiter_forgets_idle_keys_to_stay_small():
    now = [0.0]
    limiter = SlidingWindowLimiter(1, 10, clock=lambda: now[0], max_keys=3)
    for key in "abc":
        limiter.allow(key)
    now[0] += 11
    limiter.allow("d")
    assert len(limiter) == 1


def test_the_page_has_a_strict_csp_and_no_inline_script_or_style(make_client):
    page = make_client(RecordingRasa()).get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'self'" in csp
    html = page.get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], "every script comes from a file"
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_offers_human_restart_and_a_live_log(make_client):
    html = make_client(RecordingRasa()).get("/").get_data(as_text=True)
    assert "Mit einem Menschen sprechen" in html and "Neu beginnen" in html
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert 'role="alert"' in html


def test_embedding_origins_come_from_the_setting_and_junk_is_dropped(make_app):
    app = make_app()
    settings = app.extensions["settings"]
    app.extensions["settings"] = type("S", (), {"webchat_embed_origins": "https://www.hamburg.de, 'unsafe' x;y"})()
    try:
        csp = app.test_client().get("/").headers["Content-Security-Policy"]
    finally:
        app.extensions["settings"] = settings
    assert csp.endswith("frame-ancestors 'self' https://www.hamburg.de")


def test_chat_answers_are_not_cached(make_client):
    response = make_client(RecordingRasa([{"text": "Hallo"}])).post(
        "/api/chat", json={"session_id": "session-1234", "message": "Hallo"})
    assert response.headers["Cache-Control"] == "no-store"


# --- the calendar file format ---------------------------------------------------------------------


def test_ics_text_is_escaped_and_long_lines_fold_without_splitting_characters():
    assert ics.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "ä" * 60
    folded = ics.fold(line)
    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))


def test_ics_times_are_written_in_utc():
    start = datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)
    event = ics.CalendarEvent(uid="X@y", start=start, end=start + timedelta(minutes=15),
                              summary="Termin", location="Altona", description="Code")
    text = ics.render(event, stamp=datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert "DTSTART:20261201T083000Z\r\n" in text and "DTEND:20261201T084500Z\r\n" in text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "BEGIN:VALARM" not in text
