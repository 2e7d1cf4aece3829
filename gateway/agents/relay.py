"""The web chat while an agent holds it: the citizen's messages go to the hand-over record
instead of Rasa (the bot stays silent), and the chat page polls for the agent's replies.

GET /api/chat/agent?session_id=S&after=N
  -> {"held": bool, "messages": [{"id", "text", "from": "agent" | "system"}]}

Anyone who knows a chat's session id (a random value only that browser has) can read the
agent's replies to it, the same trust the chat itself rests on.
"""
from __future__ import annotations

import logging
import re
from typing import Optional

from flask import Blueprint, Response, current_app, jsonify, request

log = logging.getLogger(__name__)
bp = Blueprint("chat_agent", __name__)
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def relay_to_agent(session_id: str, text: str) -> Optional[Response]:
    """Called by the chat endpoint before it asks Rasa: when an agent holds this chat, keep
    the message for the agent and answer without the bot. None: the bot answers as usual."""
    store = current_app.extensions.get("handover_store")
    if store is None:
        return None
    try:
        held = store.active_chat_handover(session_id)
    except Exception:  # the console's database is down: the bot answers rather than nobody
        log.exception("hand-over lookup failed")
        return None
    if held is None:
        return None
    if not text.startswith("/"):  # button payloads such as /greet mean nothing to an agent
        store.add_message(held.id, "citizen", text)
    return jsonify(messages=[], held=True)


@bp.get("/api/chat/agent")
def agent_messages():
    session_id = request.args.get("session_id", "")
    after = request.args.get("after", "0")
    if not _SESSION_ID.match(session_id) or not after.isdigit():
        response = jsonify(error="invalid")
        response.status_code = 400
        return response
    store = current_app.extensions["handover_store"]
    messages = store.messages_for_conversation(session_id, int(after))
    response = jsonify(
        held=store.active_chat_handover(session_id) is not None,
        messages=[{"id": m.id, "text": m.text, "from": m.sender} for m in messages],
    )
    response.headers["Cache-Control"] = "no-store"
    return response
