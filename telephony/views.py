"""Twilio's webhooks under /voice, each checked against X-Twilio-Signature.

Configure the Twilio number with:
  A call comes in:        POST {TWILIO_PUBLIC_BASE_URL}/voice/incoming
  Primary handler fails:  POST {TWILIO_PUBLIC_BASE_URL}/voice/fallback
  Call status changes:    POST {TWILIO_PUBLIC_BASE_URL}/voice/status
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from typing import Callable, Optional

from flask import Blueprint, Request, Response, abort, current_app, g, request
from twilio.request_validator import SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, get_signature_algorithm
from werkzeug.exceptions import HTTPException

from common.web.ratelimit import Answered, PhoneLimits, build_replay_store
from common.web.sanitize import clean_text
from telephony.call import CallFlow
from telephony.services import TelephonyServices
from telephony.twiml import TURN_TOKEN_ARG

log = logging.getLogger(__name__)
bp = Blueprint("telephony", __name__, url_prefix="/voice")


@bp.record_once
def _wire(state) -> None:
    settings = state.app.extensions.get("settings")
    state.app.extensions.setdefault("phone_limits", PhoneLimits.from_settings(settings))
    state.app.extensions.setdefault("twilio_replays", build_replay_store(settings))  # None = guard off

TWIML = "text/xml"


def _services() -> TelephonyServices:
    return current_app.extensions["telephony"]


def _flow() -> CallFlow:
    return CallFlow(_services(), current_app.extensions["rasa"], current_app.extensions.get("booking"))


def signed_url(req: Request, public_base_url: str) -> str:
    """The URL Twilio signed: the public one when the gateway sits behind a proxy."""
    if not public_base_url:
        return req.url
    query = req.query_string.decode("utf-8")
    return public_base_url.rstrip("/") + req.path + (f"?{query}" if query else "")


def signature_problem(services, url: str, params) -> Optional[str]:
    """Why this request's X-Twilio-Signature does not hold for `url` and `params`, or None.
    The webhooks sign their form fields; the relay socket's handshake signs none."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if services.validator is None:
        return "TWILIO_AUTH_TOKEN is not set"
    if not signature:
        return "missing signature"
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    if not services.validator.validate(url, params, signature, algorithm):
        return "invalid signature"
    return None


@bp.before_request
def check_signature():
    services = _services()
    reason = signature_problem(services, signed_url(request, services.public_base_url), request.form)
    if reason:
        # path only: no query string, no form fields (they hold phone numbers and speech)
        log.warning("telephony: refused %s %s: %s", request.method, request.path, reason)
        abort(403)


_CALL_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,15}$")
MAX_SPEECH_CHARS = 500
MAX_DIGITS = 32


TURN_ENDPOINTS = ("telephony.incoming", "telephony.gather")
# Every Gather's answer URL carries a fresh token (`/voice/gather?turn=…`, telephony/twiml.py), so
# two gathered turns of one call never look alike. Without it a caller who is silent twice, or
# presses the same key twice, sends byte-identical signed requests that are *different* turns.


@bp.before_request
def check_call_and_limits():
    """After the signature: a usable CallSid, exact replays, then the per-call and per-caller budgets."""
    call_sid = request.form.get("CallSid", "")
    if not _CALL_SID.match(call_sid):
        log.warning("telephony: refused %s %s: missing or malformed CallSid", request.method, request.path)
        abort(400)
    if request.endpoint not in TURN_ENDPOINTS:
        return None
    replayed = _answer_to_replay(call_sid)
    if replayed is not None:
        return replayed
    limits: PhoneLimits = current_app.extensions["phone_limits"]
    flow = CallFlow(_services(), rasa=None)
    if limits.turns_per_call.allow(f"call:{call_sid}"):
        log.warning("telephony: call %s over the turn limit; hanging up", call_sid)
        return _twiml(flow.twiml.hangup([flow.messages.get("too_many_turns")]))
    caller = (request.form.get("From") or "").strip()
    if request.endpoint == "telephony.incoming" and _E164.match(caller):
        if limits.calls_per_caller.allow(f"caller:{caller}"):
            log.warning("telephony: call %s refused: caller over the calls-per-hour limit", call_sid)
            return _twiml(flow.twiml.hangup([flow.messages.get("too_many_calls")]))
    return None


def _replay_guarded() -> bool:
    """Which turns an exact repeat can be recognised for: the first webhook of a call (once per
    CallSid), and gathered turns whose URL carries a per-answer token."""
    if request.endpoint == "telephony.incoming":
        return True
    return request.endpoint == "telephony.gather" and bool(request.args.get(TURN_TOKEN_ARG))


def _request_digest() -> str:
    """What Twilio signed, and the signature: equal digests = an exact repeat of a request."""
    signed = [
        request.headers.get(SIGNATURE_HEADER, ""),
        signed_url(request, _services().public_base_url),
        sorted(request.form.items(multi=True)),
    ]
    return hashlib.sha256(json.dumps(signed, ensure_ascii=False).encode("utf-8")).hexdigest()


def _answer_to_replay(call_sid: str) -> Optional[Response]:
    """None for a new request (remembered, its answer is stored after the turn); for an exact
    repeat within TWILIO_REPLAY_WINDOW_SECONDS the first answer again (Twilio's own retries get
    the same), or an empty 409 while that answer is unknown. Never logs the form."""
    replays = current_app.extensions.get("twilio_replays")
    if replays is None or not _replay_guarded():
        return None
    digest = _request_digest()
    seen = replays.claim(digest)
    if seen is None:
        g.replay_digest = digest
        return None
    if seen.known:
        log.warning("telephony: call %s: exact repeat of %s answered as before, not processed", call_sid, request.path)
        return Response(seen.body, status=seen.status, mimetype=seen.mimetype)
    log.warning("telephony: call %s: exact repeat of %s while its answer is unknown: 409", call_sid, request.path)
    return Response(status=409)


@bp.after_request
def remember_answer(response: Response) -> Response:
    """Store the answer of a guarded turn (error handlers' answers included) for its repeats."""
    digest = g.pop("replay_digest", None)
    replays = current_app.extensions.get("twilio_replays")
    if digest and replays is not None and not response.direct_passthrough:
        replays.remember(digest, Answered(response.status_code, response.mimetype, response.get_data()))
    return response


def _form() -> dict[str, str]:
    """The webhook fields cleaned (no control characters), what was said or keyed cut to size."""
    form = {key: clean_text(value) for key, value in request.form.items()}
    if "SpeechResult" in form:
        form["SpeechResult"] = clean_text(form["SpeechResult"])[:MAX_SPEECH_CHARS]
    if "Digits" in form:
        form["Digits"] = form["Digits"].strip()[:MAX_DIGITS]
    return form


def _args() -> dict[str, str]:
    """Query arguments we put there ourselves (ref, reason), cleaned: they end up in TwiML."""
    return {key: clean_text(value)[:MAX_SPEECH_CHARS] for key, value in request.args.items()}


def _twiml(xml: str) -> Response:
    return Response(xml, mimetype=TWIML)


def _timed(turn: Callable[[CallFlow], str]) -> Response:
    """TwiML plus a Server-Timing header (bot vs. whole request) for `python -m devtools.phone_bench`."""
    started = time.perf_counter()
    flow = _flow()
    response = _twiml(turn(flow))
    total_ms = (time.perf_counter() - started) * 1000
    response.headers["Server-Timing"] = f"bot;dur={flow.bot_seconds * 1000:.1f}, total;dur={total_ms:.1f}"
    return response


@bp.post("/incoming")
def incoming():
    if getattr(current_app.extensions.get("settings"), "voice_mode", "gather") == "relay":
        from telephony.relay_views import relay_incoming  # <Connect><ConversationRelay> (docs/telephony.md)

        return relay_incoming()
    return _timed(lambda flow: flow.incoming(_form()))


@bp.post("/gather")
def gather():
    return _timed(lambda flow: flow.gather(_form()))


@bp.post("/dial-status")
def dial_status():
    return _twiml(_flow().dial_status(request.form, _args()))


@bp.post("/whisper")
def whisper():
    return _twiml(_flow().whisper(_args(), _form()))


@bp.post("/status")
def status():
    _flow().status(request.form)
    return Response(status=204)


@bp.post("/fallback")
def fallback():
    return _twiml(_flow().fallback(request.form))


@bp.errorhandler(Exception)
def technical_failure(error: Exception):
    """Whatever broke, the caller hears an apology and is transferred (or told to call again)."""
    if isinstance(error, HTTPException):
        return error
    call_sid = request.form.get("CallSid", "")
    log.exception("telephony: %s failed for call %s", request.path, call_sid)
    flow = CallFlow(_services(), rasa=None)
    if request.path.endswith(("/dial-status", "/status", "/whisper")):
        # the transfer itself (or bookkeeping) failed: do not dial again
        return _twiml(flow.twiml.hangup([flow.messages.get("fatal")]))
    return _twiml(flow.emergency_transfer(call_sid))
