"""Twilio's webhooks under /voice, each checked against X-Twilio-Signature.

Configure the Twilio number with:
  A call comes in:        POST {TWILIO_PUBLIC_BASE_URL}/voice/incoming
  Primary handler fails:  POST {TWILIO_PUBLIC_BASE_URL}/voice/fallback
  Call status changes:    POST {TWILIO_PUBLIC_BASE_URL}/voice/status
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from flask import Blueprint, Request, Response, abort, current_app, request
from twilio.request_validator import SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, get_signature_algorithm
from werkzeug.exceptions import HTTPException

from telephony.call import CallFlow
from telephony.services import TelephonyServices

log = logging.getLogger(__name__)
bp = Blueprint("telephony", __name__, url_prefix="/voice")

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


@bp.before_request
def check_signature():
    services = _services()
    signature = request.headers.get(SIGNATURE_HEADER, "")
    reason = None
    if services.validator is None:
        reason = "TWILIO_AUTH_TOKEN is not set"
    elif not signature:
        reason = "missing signature"
    else:
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        url = signed_url(request, services.public_base_url)
        if not services.validator.validate(url, request.form, signature, algorithm):
            reason = "invalid signature"
    if reason:
        # path only: no query string, no form fields (they hold phone numbers and speech)
        log.warning("telephony: refused %s %s: %s", request.method, request.path, reason)
        abort(403)


def _twiml(xml: str) -> Response:
    return Response(xml, mimetype=TWIML)


def _timed(turn: Callable[[CallFlow], str]) -> Response:
    """TwiML plus a Server-Timing header (bot vs. whole request) for `python -m telephony.bench`."""
    started = time.perf_counter()
    flow = _flow()
    response = _twiml(turn(flow))
    total_ms = (time.perf_counter() - started) * 1000
    response.headers["Server-Timing"] = f"bot;dur={flow.bot_seconds * 1000:.1f}, total;dur={total_ms:.1f}"
    return response


@bp.post("/incoming")
def incoming():
    return _timed(lambda flow: flow.incoming(request.form))


@bp.post("/gather")
def gather():
    return _timed(lambda flow: flow.gather(request.form))


@bp.post("/dial-status")
def dial_status():
    return _twiml(_flow().dial_status(request.form, request.args))


@bp.post("/whisper")
def whisper():
    return _twiml(_flow().whisper(request.args, request.form))


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
