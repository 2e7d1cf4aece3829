"""The web chat: the page and its JSON endpoint, which relays turns to Rasa's webchat channel."""
from __future__ import annotations

import logging
import re

from flask import Blueprint, current_app, jsonify, render_template, request

from gateway.rasa_client import RasaUnavailable

log = logging.getLogger(__name__)
bp = Blueprint("webchat", __name__)

MAX_MESSAGE_CHARS = 1000
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@bp.get("/")
def page():
    return render_template("chat.html")


@bp.post("/api/chat")
def chat():
    messages = current_app.extensions["messages"]
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="invalid_json", messages=[{"text": messages["message_empty"]}]), 400
    session_id = str(body.get("session_id", ""))
    text = body.get("message")
    if not _SESSION_ID.match(session_id):
        return jsonify(error="invalid_session"), 400
    if not isinstance(text, str) or not text.strip():
        return jsonify(error="empty", messages=[{"text": messages["message_empty"]}]), 400
    if len(text) > MAX_MESSAGE_CHARS:
        return jsonify(error="too_long", messages=[{"text": messages["message_too_long"]}]), 413
    try:
        replies = current_app.extensions["rasa"].send("webchat", session_id, text.strip())
    except RasaUnavailable as error:
        log.warning("rasa unavailable for a chat turn: %s", error)
        return jsonify(error="unavailable", messages=[{"text": messages["technical_problem"]}]), 503
    public = [_public(reply) for reply in replies]
    return jsonify(messages=[message for message in public if message])


def _public(reply: dict) -> dict:
    """Only what the browser needs: text, buttons and known custom markers."""
    out = {}
    if reply.get("text"):
        out["text"] = reply["text"]
    if reply.get("buttons"):
        out["buttons"] = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in reply["buttons"]]
    custom = reply.get("custom") or {}
    if isinstance(custom, dict) and "handover" in custom:
        out["handover"] = True
    if isinstance(custom, dict) and isinstance(custom.get("booking"), dict):
        booking = custom["booking"]
        out["booking"] = {k: booking.get(k) for k in ("code", "day", "time", "location_name")}
    return out
