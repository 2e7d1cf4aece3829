"""Hostile and broken input at every public endpoint: a clear German answer or a 4xx, never a
500, never a stack trace, never a changed booking. The cases live in hostile_inputs.yml."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER

from .conftest import PHONE_OF_BOOKING, PUBLIC_BASE, call_form

CORPUS = yaml.safe_load(Path(__file__).with_name("hostile_inputs.yml").read_text(encoding="utf-8"))
GERMAN = re.compile(r"\b(Sie|Bitte|bitte|Entschuldigung|nicht|Termin|Ihre?n?|Die|Diese[rs]?|Anfrage|Seite|Ihnen|ich|vom|und)\b")
GATEWAY_DIR = Path(__file__).resolve().parents[3] / "gateway"
KNOWN_TEXTS = {"Wie kann ich Ihnen helfen?"} | {  # the fake bot's sentence and the gateway's own
    text for name in ("messages_de.yml", "webchat_de.yml", "errors_de.yml")
    for text in yaml.safe_load((GATEWAY_DIR / name).read_text(encoding="utf-8")).values()
}
INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u200b\ufeff]")
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


def _value(entry: dict) -> str:
    return entry["value"] if "value" in entry else entry["repeat"] * entry["times"]


def _cases(kind: str):
    return [pytest.param(_value(e), id=e["name"]) for e in CORPUS[kind]]


TEXTS = _cases("texts")


def assert_no_trace(response) -> None:
    assert response.status_code < 500, (response.status_code, response.data[:300])
    body = response.get_data()
    assert b"Traceback" not in body and b'File "' not in body and b"werkzeug" not in body.lower()


def assert_chat_answer(response) -> None:
    """200 with messages, or a 4xx; any text shown is German."""
    assert_no_trace(response)
    assert response.is_json, response.data[:200]
    body = response.get_json()
    assert response.status_code == 200 or 400 <= response.status_code < 500
    for message in body.get("messages", []):
        assert message["text"] in KNOWN_TEXTS, message


def twiml(response) -> ET.Element:
    assert response.status_code == 200, (response.status_code, response.data[:300])
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    words = " ".join("".join(say.itertext()) for say in root.iter("Say"))
    assert GERMAN.search(words), words
    return root


# --- the web chat -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", TEXTS)
def test_chat_answers_hostile_text_in_german_and_hands_the_bot_only_clean_text(gateway, text):
    before = gateway.store()
    response = gateway.client().post("/api/chat", json={"session_id": "hostile-session-1", "message": text})
    assert_chat_answer(response)
    for _channel, _sender, message, _ in gateway.rasa.calls:
        assert message and len(message) <= 1000
        assert not INVISIBLE.search(message), repr(message)
    if response.status_code == 200:
        assert len(gateway.rasa.calls) == 1
    else:
        assert gateway.rasa.calls == []
    assert gateway.store() == before


@pytest.mark.parametrize("body", _cases("json_bodies"))
def test_chat_refuses_broken_json_with_a_4xx_and_never_crashes(gateway, body):
    before = gateway.store()
    response = gateway.client().post("/api/chat", data=body.encode("utf-8", "surrogatepass"),
                                     content_type="application/json")
    assert_chat_answer(response)
    assert gateway.store() == before


def test_chat_refuses_bytes_that_are_not_utf8(gateway):
    response = gateway.client().post("/api/chat", data=b'{"session_id": "abcdefgh12", "message": "\xff\xfe\xc3"}',
                                     content_type="application/json")
    assert_chat_answer(response)
    assert response.status_code == 400
    assert gateway.rasa.calls == []


@pytest.mark.parametrize("content_type", CORPUS["content_types"])
def test_chat_with_a_wrong_content_type_is_refused(gateway, content_type):
    body = json.dumps({"session_id": "abcdefgh12", "message": "Hallo"})
    response = gateway.client().post("/api/chat", data=body, headers={"Content-Type": content_type})
    assert_chat_answer(response)
    if content_type.startswith("application/json"):
        # JSON is UTF-8 by definition (RFC 8259); a wrong charset label is ignored, not trusted
        assert response.status_code == 200 and len(gateway.rasa.calls) == 1
    else:
        assert response.status_code == 400 and gateway.rasa.calls == []


def test_a_body_over_64_kilobytes_is_refused_before_it_is_read(gateway):
    response = gateway.client().post("/api/chat", data=b"x" * (65 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert_chat_answer(response)


# --- the phone webhooks -----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["SpeechResult", "Digits", "Confidence", "From"])
@pytest.mark.parametrize("text", TEXTS)
def test_phone_turns_with_hostile_fields_get_german_twiml_and_the_bot_clean_text(gateway, field, text):
    before = gateway.store()
    client = gateway.client()
    call = call_form(CallSid="CA" + "1" * 32)
    client.post("/voice/incoming", data=call, headers={"X-Twilio-Signature": gateway.signed("/voice/incoming", call)})
    form = call_form(CallSid="CA" + "1" * 32, **{field: text})
    response = client.post("/voice/gather", data=form, headers={"X-Twilio-Signature": gateway.signed("/voice/gather", form)})
    if len(text.encode()) > 64 * 1024:  # over MAX_CONTENT_LENGTH: refused before it is parsed
        assert response.status_code == 413
        assert_no_trace(response)
        return
    root = twiml(response)
    assert root.find(".//Gather") is not None or root.find(".//Dial") is not None or root.find("Hangup") is not None
    for _channel, sender, message, metadata in gateway.rasa.calls:
        assert sender == "CA" + "1" * 32
        assert len(message) <= 500 and not INVISIBLE.search(message), repr(message[:80])
        assert json.dumps(metadata)  # serialisable for Rasa
    assert gateway.store() == before


@pytest.mark.parametrize("missing", ["CallSid", "From", "To", "AccountSid", "CallStatus"])
@pytest.mark.parametrize("path", ["/voice/incoming", "/voice/gather", "/voice/status", "/voice/dial-status",
                                  "/voice/whisper", "/voice/fallback"])
def test_phone_webhooks_missing_a_twilio_field_are_answered_or_refused_cleanly(gateway, path, missing):
    form = call_form(**{missing: None})
    response = gateway.client().post(path, data=form, headers={"X-Twilio-Signature": gateway.signed(path, form)})
    assert_no_trace(response)
    if missing == "CallSid":
        assert response.status_code == 400
        assert gateway.rasa.calls == []
    elif path == "/voice/status":
        assert response.status_code == 204
    else:
        twiml(response)


@pytest.mark.parametrize("path", ["/voice/incoming", "/voice/gather", "/voice/fallback"])
def test_an_empty_signed_form_is_refused(gateway, path):
    response = gateway.client().post(path, data={}, headers={"X-Twilio-Signature": gateway.signed(path, {})})
    assert response.status_code == 400
    assert_no_trace(response)


def _forgeries(gateway):
    form = call_form(SpeechResult="Ja")
    good = gateway.signed("/voice/gather", form)
    yield "no signature", form, {}
    yield "empty signature", form, {"X-Twilio-Signature": ""}
    yield "garbage signature", form, {"X-Twilio-Signature": "not-base64-!!!"}
    yield "signed with another token", form, {
        "X-Twilio-Signature": __import__("twilio.request_validator").request_validator.RequestValidator(
            "some-other-token").compute_signature(PUBLIC_BASE + "/voice/gather", form)}
    yield "replayed with a changed answer", {**form, "SpeechResult": "Nein"}, {"X-Twilio-Signature": good}
    yield "replayed with an added field", {**form, "Digits": "0"}, {"X-Twilio-Signature": good}
    yield "signed for the gateway's own URL instead of the public one", form, {
        "X-Twilio-Signature": gateway.signed("/voice/gather", form, url="http://localhost/voice/gather")}
    yield "signature of a different path", form, {"X-Twilio-Signature": gateway.signed("/voice/incoming", form)}
    yield "a SHA-1 signature claimed to be SHA-256", form, {"X-Twilio-Signature": good,
                                                           SIGNATURE_SETTINGS_HEADER: "algorithm=HMAC_SHA256"}
    yield "an unknown algorithm", form, {"X-Twilio-Signature": good, SIGNATURE_SETTINGS_HEADER: "algorithm=NONE"}


def test_forged_and_replayed_signatures_are_refused_without_reaching_the_bot(gateway):
    client = gateway.client()
    for name, form, headers in _forgeries(gateway):
        response = client.post("/voice/gather", data=form, headers=headers)
        assert response.status_code == 403, name
        assert_no_trace(response)
    assert gateway.rasa.calls == []


def test_an_exact_replay_of_a_signed_turn_changes_no_booking(gateway):
    """Twilio's signatures carry no timestamp: an identical replay is a valid request. To a
    plain /voice/gather (no per-answer token, as older TwiML had) it reaches the bot as one more
    turn of that call only; to a tokened answer URL it gets the first answer back
    (test_replays_and_shared_limits.py). Either way the store is safe."""
    before = gateway.store()
    form = call_form(SpeechResult="Ja")
    headers = {"X-Twilio-Signature": gateway.signed("/voice/gather", form)}
    for _ in range(3):
        twiml(gateway.client().post("/voice/gather", data=form, headers=headers))
    assert {sender for _, sender, _, _ in gateway.rasa.calls} == {form["CallSid"]}
    assert gateway.store() == before


# --- the calendar file and booking codes ------------------------------------------------------


@pytest.mark.parametrize("code", _cases("codes"))
@pytest.mark.parametrize("verification", [PHONE_OF_BOOKING, "' OR '1'='1", "+49" + "9" * 40, "\x00"])
def test_hostile_codes_in_the_calendar_path_give_a_german_4xx(gateway, code, verification):
    before = gateway.store()
    response = gateway.client().post(f"/api/calendar/{code}.ics", data={"verification": verification})
    assert_no_trace(response)
    assert 400 <= response.status_code < 500
    assert GERMAN.search(response.get_data(as_text=True))
    assert gateway.store() == before


@pytest.mark.parametrize("token", ["x", "e30.abc.def", "." * 500, "eyJjb2RlIjoiQUJDLURFRiJ9.forged.sig"])
def test_forged_calendar_tokens_are_refused(gateway, token):
    code = gateway.appointment.code
    response = gateway.client().get(f"/api/calendar/{code}.ics", query_string={"token": token})
    assert response.status_code == 403
    assert_no_trace(response)


def test_brute_forcing_the_phone_number_of_a_code_finds_nothing_and_is_throttled(gateway):
    """20 wrong numbers for the real code: all 404, then 429; the right number is never guessed
    and the appointment stays as it was."""
    before = gateway.store()
    client = gateway.client()
    code = gateway.appointment.code
    statuses = [
        client.post(f"/api/calendar/{code}.ics", data={"verification": f"+4940{n:07d}"}).status_code
        for n in range(25)
    ]
    assert statuses[:20] == [404] * 20
    assert set(statuses[20:]) == {429}
    # even the right number is refused while the limit lasts: guessing gains nothing
    assert client.post(f"/api/calendar/{code}.ics", data={"verification": PHONE_OF_BOOKING}).status_code == 429
    assert gateway.store() == before


def test_brute_forcing_codes_is_throttled_per_address(gateway):
    client = gateway.client()
    statuses = [client.post(f"/api/calendar/ACD-{a}{b}{c}.ics", data={"verification": PHONE_OF_BOOKING}).status_code
                for a in "ACD" for b in "EFG" for c in "HJK"]
    assert statuses.count(404) == 20 and statuses.count(429) == len(statuses) - 20


# --- every route, every method ----------------------------------------------------------------


def _concrete(rule) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{argument}>", "%00%27%22%3Cx%3E..%2F", path)
    return path


def test_every_route_and_method_answers_hostile_requests_without_a_server_error(gateway):
    """The routes come from the app's URL map, so new endpoints are covered automatically."""
    client = gateway.client()
    hostile = _value(next(e for e in CORPUS["texts"] if e["name"] == "html_injection"))
    problems = []
    for rule in gateway.app.url_map.iter_rules():
        path = _concrete(rule)
        for method in METHODS:
            for kwargs in (
                {"data": b"{not json", "content_type": "application/json"},
                {"data": {"x": hostile, "CallSid": "CA" + "2" * 32}},
                {"query_string": {"q": hostile, "token": hostile, "verification": hostile}},
            ):
                response = client.open(path, method=method, **kwargs)
                body = response.get_data()
                if response.status_code >= 500 or b"Traceback" in body:
                    problems.append((method, path, response.status_code))
    assert problems == []


@pytest.mark.parametrize("path", ["/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                                  "/static/..%2f..%2fgateway%2f__init__.py", "/static/" + "a" * 5000,
                                  "/static/chat.js%00.png", "/health/../../etc/passwd", "/nonexistent"])
def test_traversal_and_unknown_paths_are_a_german_404(gateway, path):
    response = gateway.client().get(path)
    assert response.status_code in (404, 400, 308)
    assert_no_trace(response)
    assert b"root:" not in response.data and b"create_app" not in response.data
    if response.status_code == 404:
        assert GERMAN.search(response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/voice/whisper", "/voice/dial-status"])
@pytest.mark.parametrize("text", [pytest.param("\x1f\x00<&>", id="controls"), pytest.param("\ufffe", id="nonchar")])
def test_control_characters_in_query_and_form_never_break_the_twiml(gateway, path, text):
    """Found by the fuzz run: a control character in `ref` made the whisper TwiML invalid XML."""
    form = call_form(ParentCallSid=text, DialCallStatus=text)
    query = {"ref": text, "reason": text}
    url = PUBLIC_BASE + path + "?" + __import__("urllib.parse").parse.urlencode(query)
    response = gateway.client().post(path, data=form, query_string=query,
                                     headers={"X-Twilio-Signature": gateway.signed(path, form, url=url)})
    assert response.status_code == 200
    ET.fromstring(response.data)  # well-formed
