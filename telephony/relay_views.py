"""The relay mode's routes (telephony/relay.py decides what they do).

  GET  /voice/relay/socket   the ConversationRelay WebSocket (flask-sock); the handshake's
                             X-Twilio-Signature is checked over the wss:// URL, no parameters
  POST /voice/relay/action   the <Connect action> webhook, signed like every other webhook

`/voice/incoming` stays the number's webhook in both modes; with VOICE_MODE=relay it answers
through `relay_incoming` below. Under gunicorn each open socket holds one worker thread
(gthread: `--threads`, RELAY_GATEWAY_THREADS in relay mode).
"""
from __future__ import annotations

import json
import logging

from flask import Blueprint, Flask, Response, abort, current_app, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from common.web.sanitize import clean_text
from telephony import relay
from telephony.call import CallFlow
from telephony.services import TelephonyServices
from telephony.views import check_signature, signature_problem

log = logging.getLogger(__name__)
bp = Blueprint("telephony_relay", __name__, url_prefix="/voice/relay")
sock = Sock()
MAX_MESSAGE_CHARS = 16 * 1024


def register_relay(app: Flask) -> None:
    app.register_blueprint(bp)
    sock.init_app(app)


def _services() -> TelephonyServices:
    return current_app.extensions["telephony"]


def _flow() -> CallFlow:
    return CallFlow(_services(), current_app.extensions["rasa"], current_app.extensions.get("booking"))


def _config() -> relay.RelayConfig:
    return relay.RelayConfig.from_settings(current_app.extensions["settings"])


def _base_url() -> str:
    """The public base URL Twilio reaches us on (TWILIO_PUBLIC_BASE_URL), else what Flask sees."""
    return _services().public_base_url or request.host_url


def signed_socket_url() -> str:
    """The URL Twilio signed for the handshake: the wss:// URL of the TwiML, query included."""
    query = request.query_string.decode("utf-8")
    return relay.socket_url(_base_url()).removesuffix(relay.SOCKET_PATH) + request.path + (f"?{query}" if query else "")


@bp.before_request
def check_relay_signature():
    if request.endpoint == "telephony_relay.action":
        check_signature()  # the webhook check of every /voice request
        if not relay.CALL_SID.match(request.form.get("CallSid", "")):
            log.warning("telephony: refused %s %s: missing or malformed CallSid", request.method, request.path)
            abort(400)
        return
    reason = signature_problem(_services(), signed_socket_url(), {})
    if reason:
        log.warning("telephony: refused the relay socket %s: %s", request.path, reason)
        abort(403)


def relay_incoming() -> Response:
    """/voice/incoming in relay mode (telephony/views.py calls it)."""
    form = {key: clean_text(value) for key, value in request.form.items()}
    return Response(relay.incoming(_flow(), form, _config(), _base_url()), mimetype="text/xml")


@bp.post("/action")
def action():
    form = {key: clean_text(value) for key, value in request.form.items()}
    return Response(relay.connect_action(_flow(), form), mimetype="text/xml")


@sock.route("/socket", bp=bp)
def socket(ws) -> None:
    limits = current_app.extensions["phone_limits"]
    config = _config()
    session = relay.RelaySession(
        _flow(),
        send=lambda message: ws.send(json.dumps(message, ensure_ascii=False)),
        filler_seconds=config.filler_seconds,
        over_limit=lambda call_sid: bool(limits.turns_per_call.allow(f"call:{call_sid}")),
        silence_seconds=config.silence_seconds,
    )
    try:
        while not session.ended:
            wait = session.seconds_to_silence()
            raw = ws.receive(timeout=wait)
            if raw is None:
                if wait is not None:
                    session.silence()
                continue
            message = _message(raw)
            if message is None:
                log.warning("call %s: unreadable relay message ignored", session.call_sid or "?")
                continue
            session.handle(message)
    except ConnectionClosed:
        log.info("call %s: relay socket closed by Twilio", session.call_sid or "?")
    finally:
        session.closed()


def _message(raw: object) -> dict | None:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str) or len(raw) > MAX_MESSAGE_CHARS:
        return None
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None
