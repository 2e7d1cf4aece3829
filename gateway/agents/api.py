"""JSON API of the console (for the console's own script and a hotline's CRM).

Auth: `Authorization: Bearer <token>` (tokens from `python -m handover add-token NAME`) or the
console session; a session-authenticated POST needs the X-CSRF-Token header.

GET  /api/agents/handovers[?status=open,taken]     newest first, phone numbers masked
GET  /api/agents/handovers/<id>                    with transcript and chat (audited)
POST /api/agents/handovers/<id>/take | /done | /give-back
GET  /api/agents/handovers/<id>/messages[?after=N] the live chat
POST /api/agents/handovers/<id>/messages {"text"}  reply into the citizen's chat
GET  /api/agents/callbacks[?status=open]           callbacks, due first (numbers masked)
GET  /api/agents/callbacks/<id>                    one callback with the number (audited)
POST /api/agents/search {"q": CODE-or-PHONE}       (GET ?q= for a booking code only: no phone
                                                   number in a URL, which ends up in access logs)
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from flask import Blueprint, Response, current_app, jsonify, request

from common.booking_code import normalise_code
from gateway.agents.console import console_text, signed_in_agent
from gateway.agents.csrf import csrf_ok
from gateway.auth import current_agent, login_required, refuse_unauthenticated
from handover.domain import AGENT_HOLDS, STATUSES, Callback, ChatMessage, Handover, mask_phone
from handover.port import AgentConsolePort

bp = Blueprint("agents_api", __name__, url_prefix="/api/agents")


def store() -> AgentConsolePort:
    return current_app.extensions["handover_store"]


def _iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat() if moment else None


def handover_json(record: Handover, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": record.id, "channel": record.channel, "reason": record.reason, "status": record.status,
        "summary": record.summary, "created_at": _iso(record.created_at), "agent": record.agent_name,
        "phone_masked": mask_phone(record.phone), "booking_code": record.booking_code,
    }
    if full:
        out["phone"] = record.phone
        out["fields"] = dict(record.fields)
        out["conversation_id"] = record.conversation_id
        out["transcript"] = [
            {"at": _iso(line.at), "speaker": line.speaker, "text": line.text, "confidence": line.confidence,
             "intent": line.intent}
            for line in record.transcript
        ]
    return out


def callback_json(callback: Callback, full: bool = False) -> dict[str, Any]:
    return {"id": callback.id, "phone": callback.phone if full else None, "phone_masked": mask_phone(callback.phone),
            "channel": callback.channel, "window": callback.window, "status": callback.status,
            "created_at": _iso(callback.created_at), "due_at": _iso(callback.due_at),
            "handover_reference": callback.handover_reference}


def message_json(message: ChatMessage) -> dict[str, Any]:
    return {"id": message.id, "at": _iso(message.at), "sender": message.sender, "text": message.text,
            "agent": message.agent_name}


def _error(error: str, status: int) -> Response:
    response = jsonify(error=error)
    response.status_code = status
    return response


@bp.before_request
def _guard() -> Optional[Response]:
    if current_agent() is None:
        return refuse_unauthenticated()
    bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
    if request.method == "POST" and not bearer and not csrf_ok():
        return _error("csrf", 403)
    return None


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _record_or_404(handover_id: int) -> Optional[Handover]:
    return store().handover(handover_id)


@bp.get("/handovers")
@login_required()
def list_handovers():
    raw = request.args.get("status", "")
    statuses = [s for s in raw.split(",") if s in STATUSES] or None
    return jsonify(handovers=[handover_json(h) for h in store().list_handovers(statuses=statuses)])


@bp.get("/handovers/<int:handover_id>")
@login_required()
def get_handover(handover_id: int):
    record = _record_or_404(handover_id)
    if record is None:
        return _error("not_found", 404)
    store().audit(current_agent(), "open_transcript", handover_id, detail="api")
    body = handover_json(record, full=True)
    body["messages"] = [message_json(m) for m in store().messages(handover_id)]
    return jsonify(body)


@bp.post("/handovers/<int:handover_id>/<any(take, done, 'give-back'):action>")
@login_required()
def change(handover_id: int, action: str):
    record = _record_or_404(handover_id)
    if record is None:
        return _error("not_found", 404)
    agent = signed_in_agent()
    if action == "take":
        store().take(handover_id, agent)
    elif action == "done":
        if record.channel == "webchat" and record.status in AGENT_HOLDS:
            store().add_message(handover_id, "system", console_text()["chat_agent_done"])
        store().finish(handover_id, agent)
    else:
        store().give_back(handover_id, agent, console_text()["chat_given_back"])
    store().audit(agent, action.replace("-", "_"), handover_id, detail="api")
    return jsonify(handover_json(store().handover(handover_id)))  # type: ignore[arg-type]


@bp.get("/handovers/<int:handover_id>/messages")
@login_required()
def get_messages(handover_id: int):
    if _record_or_404(handover_id) is None:
        return _error("not_found", 404)
    after = request.args.get("after", "0")
    return jsonify(messages=[message_json(m) for m in store().messages(handover_id, int(after) if after.isdigit() else 0)])


@bp.post("/handovers/<int:handover_id>/messages")
@login_required()
def post_message(handover_id: int):
    record = _record_or_404(handover_id)
    if record is None:
        return _error("not_found", 404)
    body = request.get_json(silent=True) or {}
    text = " ".join(str(body.get("text", "")).split())[:1000] if isinstance(body, dict) else ""
    if not text:
        return _error("empty", 400)
    if record.channel != "webchat" or record.status not in AGENT_HOLDS:
        return _error("not_a_live_chat", 409)
    message = store().add_message(handover_id, "agent", text, current_agent())
    store().audit(current_agent(), "reply", handover_id, detail="api")
    return jsonify(message_json(message)), 201


@bp.get("/callbacks")
@login_required()
def list_callbacks():
    status = request.args.get("status", "open")
    if status not in ("open", "done"):
        return _error("bad_status", 400)
    return jsonify(callbacks=[callback_json(c) for c in store().callbacks(status=status)])


@bp.get("/callbacks/<int:callback_id>")
@login_required()
def get_callback(callback_id: int):
    callback = store().callback(callback_id)
    if callback is None:
        return _error("not_found", 404)
    store().audit(current_agent(), "open_callback", detail=f"callback {callback_id} api")
    return jsonify(callback_json(callback, full=True))


@bp.route("/search", methods=["GET", "POST"])
@login_required()
def search():
    if request.method == "POST":
        body = request.get_json(silent=True)
        query = str(body.get("q") or "").strip() if isinstance(body, dict) else ""
    else:
        query = request.args.get("q", "").strip()
        if query and not normalise_code(query):
            return _error("phone_in_url", 400)  # POST it: URLs end up in access logs
    if not query:
        return _error("empty", 400)
    store().audit(current_agent(), "search", detail="api")
    return jsonify(handovers=[handover_json(h) for h in store().search(query)],
                   callbacks=[callback_json(c) for c in store().search_callbacks(query)])
