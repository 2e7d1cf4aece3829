"""The web chat: the page, its JSON endpoint (relays turns to Rasa's webchat channel) and the
calendar file offered after a booking. See docs/webchat.md.

POST /api/chat  {"session_id", "message"}
  -> {"messages": [{"text", "buttons": [{"title", "payload"}], "handover"?, "booking"?, "calendar"?}]}
GET  /api/calendar/<code>.ics?token=...   (the signed link handed out in "calendar")
POST /api/calendar/<code>.ics   verification=PHONE in the body (form or JSON); never in the URL,
     which ends up in proxy and access logs
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Optional

import yaml
from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from booking_adapter.port import Appointment, BookingError
from common.booking_code import ALPHABET, normalise_code
from common.web.ratelimit import AnyLimiter, SlidingWindowLimiter, build_limiter
from common.web.sanitize import clean_text
from gateway import ics
from gateway.agents.relay import relay_to_agent
from gateway.rasa_client import RasaUnavailable

log = logging.getLogger(__name__)
bp = Blueprint("webchat", __name__)

MAX_MESSAGE_CHARS = 1000
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
BOOKING_CODE = re.compile(rf"\b[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}\b")
CALENDAR_TOKEN_MAX_AGE = 120 * 24 * 3600  # seconds; longer than the booking window
_TOKEN_SALT = "webchat-calendar"  # noqa: S105 (a salt that separates token kinds, not a secret)
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_TEXT_FILE = Path(__file__).with_name("webchat_de.yml")


@dataclass
class ChatLimits:
    """Rate limits of the web chat, per process or shared in Redis (see common/web/ratelimit.py and
    docs/webchat.md). Tests put their own into `app.extensions["webchat_limits"]`."""

    per_session: AnyLimiter = field(default_factory=lambda: SlidingWindowLimiter(30, 60))
    per_ip: AnyLimiter = field(default_factory=lambda: SlidingWindowLimiter(300, 60))
    calendar_per_ip: AnyLimiter = field(default_factory=lambda: SlidingWindowLimiter(20, 60))


def load_webchat_text() -> dict[str, str]:
    return yaml.safe_load(_TEXT_FILE.read_text(encoding="utf-8"))


def _limits_from(settings) -> ChatLimits:
    """The limits configured by RATE_* settings (defaults as in ChatLimits)."""
    if settings is None:
        return ChatLimits()
    return ChatLimits(
        per_session=build_limiter(settings, "chat_per_session", settings.rate_chat_per_session_per_minute, 60),
        per_ip=build_limiter(settings, "chat_per_ip", settings.rate_chat_per_ip_per_minute, 60),
        calendar_per_ip=build_limiter(settings, "calendar_per_ip", settings.rate_calendar_per_ip_per_minute, 60),
    )


@bp.record_once
def _wire(state) -> None:
    state.app.extensions.setdefault("webchat_limits", _limits_from(state.app.extensions.get("settings")))
    state.app.extensions.setdefault("webchat_text", load_webchat_text())


# --- security headers -------------------------------------------------------------------------


def _frame_ancestors() -> str:
    """'self' plus the city websites allowed to embed the chat (widget.js opens it in an iframe).
    Read from the setting `webchat_embed_origins` (space- or comma-separated origins)."""
    settings = current_app.extensions.get("settings")
    configured = str(getattr(settings, "webchat_embed_origins", "") or "")
    origins = [o for o in re.split(r"[\s,]+", configured) if _ORIGIN.match(o)]
    return " ".join(["'self'", *origins])


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
        f"frame-ancestors {_frame_ancestors()}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    return response


# --- the page ---------------------------------------------------------------------------------


@bp.get("/")
def page():
    return render_template("chat.html", embedded=request.args.get("embed") == "1")


# --- one chat turn ----------------------------------------------------------------------------


def _refusal(error: str, status: int, text: Optional[str] = None, retry_after: float = 0.0):
    body: dict[str, Any] = {"error": error}
    if text:
        body["messages"] = [{"text": text}]
    response = jsonify(body)
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(max(1, int(retry_after + 0.999)))
    return response


@bp.post("/api/chat")
def chat():
    messages = current_app.extensions["messages"]
    text_de = current_app.extensions["webchat_text"]
    limits: ChatLimits = current_app.extensions["webchat_limits"]
    wait = limits.per_ip.allow(f"ip:{request.remote_addr}")
    if wait:
        log.info("chat turn refused: per-ip limit")
        return _refusal("rate_limited", 429, text_de["rate_limited"], wait)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting: json gives up with this, not ValueError
        body = None
    if not isinstance(body, dict):
        return _refusal("invalid_json", 400, messages["message_empty"])
    session_id = str(body.get("session_id", ""))
    text = body.get("message")
    if not _SESSION_ID.match(session_id):
        return _refusal("invalid_session", 400)
    if not isinstance(text, str) or not clean_text(text):
        return _refusal("empty", 400, messages["message_empty"])
    if len(text) > MAX_MESSAGE_CHARS:
        return _refusal("too_long", 413, messages["message_too_long"])
    text = clean_text(text)
    wait = limits.per_session.allow(f"session:{session_id}")
    if wait:
        log.info("chat turn refused: per-session limit")
        return _refusal("rate_limited", 429, text_de["rate_limited"], wait)
    relayed = relay_to_agent(session_id, text.strip())  # an agent holds this chat: no bot
    if relayed is not None:
        return relayed
    try:
        replies = current_app.extensions["rasa"].send("webchat", session_id, text.strip())
    except RasaUnavailable as error:
        log.warning("rasa unavailable for a chat turn: %s", error)
        return _refusal("unavailable", 503, messages["technical_problem"])
    answer = public_messages(replies)
    if not answer:  # e.g. the action server is down: Rasa answers 200 with nothing to say
        log.warning("rasa gave an empty answer to a chat turn")
        return _refusal("unavailable", 503, messages["technical_problem"])
    return jsonify(messages=answer)


def public_messages(replies: list[dict]) -> list[dict]:
    """What the browser gets. Rasa sends a response's custom markers ({"custom": {...}}) as a
    separate message after its text; they are folded into the message before them, so the
    browser sees one message with its text, buttons and markers."""
    out: list[dict] = []
    for reply in replies:
        if not isinstance(reply, dict):
            continue
        message = _public(reply)
        if not message:
            continue
        marker_only = "text" not in message and "buttons" not in message
        if marker_only and out:
            out[-1].update(message)
        else:
            out.append(message)
    return out


def _public(reply: dict) -> dict:
    """Only what the browser needs: text, buttons and known custom markers (never the phone)."""
    out: dict[str, Any] = {}
    if isinstance(reply.get("text"), str) and reply["text"]:
        out["text"] = reply["text"]
    if isinstance(reply.get("buttons"), list) and reply["buttons"]:
        out["buttons"] = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in reply["buttons"]
            if isinstance(b, dict)
        ]
    custom = reply.get("custom") or {}
    if isinstance(custom, dict) and "handover" in custom:
        out["handover"] = True
    if isinstance(custom, dict) and isinstance(custom.get("booking"), dict):
        booking = custom["booking"]
        out["booking"] = {k: booking.get(k) for k in ("code", "day", "time", "location_name")}
        code = normalise_code(str(booking.get("code") or ""))
        if code:
            out["calendar"] = {"code": code, "url": calendar_url(code)}
    return out


# --- the calendar file ------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_TOKEN_SALT)


def calendar_url(code: str) -> str:
    """A download link for the calendar file of an appointment the bot has just confirmed in
    this chat. The signed token stands in for the phone number: it proves the gateway itself
    announced this code, so the browser need not send the number again."""
    token = _serializer().dumps({"code": code})
    return url_for("webchat.calendar", code=code, token=token)


def _text_response(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def _verification() -> str:
    """The phone number proving the appointment is the reader's own: from a POST body only."""
    if request.method != "POST":
        return ""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get("verification") if isinstance(body, dict) else None
    else:
        value = request.form.get("verification")
    return value if isinstance(value, str) else ""


@bp.route("/api/calendar/<code>.ics", methods=["GET", "POST"])
def calendar(code: str):
    booking = current_app.extensions.get("booking")
    text_de = current_app.extensions["webchat_text"]
    if booking is None:
        return _text_response(text_de["calendar_not_found"], 404)
    limits: ChatLimits = current_app.extensions["webchat_limits"]
    wait = limits.calendar_per_ip.allow(f"ip:{request.remote_addr}")
    if wait:
        response = _text_response(text_de["rate_limited"], 429)
        response.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
        return response
    canonical = normalise_code(code)
    if canonical is None:
        return _text_response(text_de["calendar_not_found"], 404)
    token = request.args.get("token", "") if request.method == "GET" else ""
    verification = _verification()  # a ?verification= in the URL is ignored on purpose
    try:
        if token:
            try:
                data = _serializer().loads(token, max_age=CALENDAR_TOKEN_MAX_AGE)
            except (SignatureExpired, BadSignature):
                return _text_response(text_de["calendar_link_expired"], 403)
            if not isinstance(data, dict) or data.get("code") != canonical:
                return _text_response(text_de["calendar_link_expired"], 403)
            appointment = booking.appointment(canonical)
        elif verification.strip():
            appointment = booking.find_appointment(canonical, verification)
        else:
            return _text_response(text_de["calendar_not_found"], 404)
    except (BookingError, NotImplementedError) as error:
        log.info("calendar file refused: %s", type(error).__name__)
        return _text_response(text_de["calendar_not_found"], 404)
    if appointment.status != "confirmed":
        return _text_response(text_de["calendar_cancelled"], 410)
    body = ics.render(_event(booking, appointment, text_de), stamp=datetime.now(UTC))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="termin-{canonical}.ics"'
    return response


def _event(booking, appointment: Appointment, text_de: dict[str, str]) -> ics.CalendarEvent:
    names: list[str] = []
    documents: list[str] = []
    for key in appointment.service_keys:
        try:
            service = booking.service(key)
        except BookingError:
            names.append(key)
            continue
        names.append(service.name)
        documents += [d for d in service.documents if d not in documents]
    place = appointment.location_name
    try:
        address = booking.location(appointment.location_key).address
        if address:
            place = f"{appointment.location_name}, {address}"
    except BookingError:
        pass
    services = ics.join_list(names)
    return ics.CalendarEvent(
        uid=f"{appointment.code}@terminassistent.hamburg-service",
        start=appointment.start,
        end=appointment.end,
        summary=text_de["calendar_summary"].format(services=services),
        location=place,
        description=text_de["calendar_description"].format(
            code=appointment.code, location=place, documents=ics.join_list(documents) or "-"
        ),
        alarm_text=text_de["calendar_alarm"].format(location=appointment.location_name),
    )
