"""The console pages: sign-in, queue, hand-over detail with transcript and live chat, search,
callbacks, appointments on the caller's behalf, audit log. Every page but the sign-in page
requires a signed-in agent; every form post carries a CSRF token."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

import yaml
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from booking_adapter.port import BookingError, Contact, SlotQuery
from common.booking_code import normalise_code
from common.clock import BERLIN
from gateway.agents.csrf import csrf_ok, csrf_token
from gateway.agents.throttle import LoginThrottle
from gateway.auth import current_agent, login_required, login_user, logout_user, refuse_unauthenticated
from german.phone import same_phone
from handover.domain import AGENT_HOLDS, AgentIdentity, german, mask_phone
from handover.port import AgentConsolePort

log = logging.getLogger(__name__)
bp = Blueprint("agents", __name__, url_prefix="/agents", template_folder="templates",
               static_folder="static", static_url_path="/static")
_TEXT_FILE = Path(__file__).with_name("text_de.yml")
AGENT_CHANNEL = "agent"  # the booking channel recorded for appointments an agent makes


@lru_cache(maxsize=1)
def console_text() -> dict[str, str]:
    return yaml.safe_load(_TEXT_FILE.read_text(encoding="utf-8"))


def store() -> AgentConsolePort:
    return current_app.extensions["handover_store"]


def signed_in_agent() -> AgentIdentity:
    """The agent of a view behind `login_required` (never None there)."""
    agent = current_agent()
    if agent is None:
        raise RuntimeError("a console view without login_required")
    return agent


def _local(moment: Optional[datetime]) -> str:
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") if moment else ""


@bp.app_template_filter("agent_time")
def _agent_time(moment: Optional[datetime]) -> str:
    return _local(moment)


@bp.app_template_filter("masked")
def _masked(phone: Optional[str]) -> str:
    return mask_phone(phone)


@bp.context_processor
def _context() -> dict[str, Any]:
    words = german()
    # the managers' report (gateway/reports.py) sits behind the same sign-in, when registered
    has_reports = "reports.report_page" in current_app.view_functions
    return {"csrf_token": csrf_token, "agent": current_agent(), "labels": words, "has_reports": has_reports}


PUBLIC_ENDPOINTS = frozenset({"agents.login", "agents.static"})


@bp.before_request
def _guard() -> Optional[BaseResponse]:
    """Every page but sign-in needs an agent (also if a view forgot its decorator); every
    form post needs the CSRF token."""
    if request.endpoint not in PUBLIC_ENDPOINTS and current_agent() is None:
        return refuse_unauthenticated()
    if request.method == "POST" and not csrf_ok():
        flash(console_text()["csrf_failed"], "error")
        return redirect(request.referrer if _same_site(request.referrer) else url_for("agents.queue"))
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "agents.static":
        response.headers["Cache-Control"] = "no-store"  # transcripts stay out of caches
    return response


def _same_site(target: Optional[str]) -> bool:
    if not target:
        return False
    parts = urlsplit(target)
    return (not parts.netloc or parts.netloc == request.host) and parts.path.startswith("/agents")


# --- sign in / out -------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        name, address = request.form.get("name", "").strip(), request.remote_addr
        throttle: LoginThrottle = current_app.extensions["login_throttle"]
        wait = throttle.retry_after(name, address)
        if wait:  # too many failures for this name or from this address: the password is not checked
            log.warning("console sign-in throttled")
            flash(console_text()["login_throttled"], "error")
            response = make_response(render_template("agents/login.html"), 429)
            response.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
            return response
        agent = current_app.extensions["agent_directory"].check_password(name, request.form.get("password", ""))
        if agent is None:
            throttle.failed(name, address)
            log.info("console sign-in refused")
            store().audit(None, "login_failed", detail=f"from {address or '-'}")
            flash(console_text()["login_failed"], "error")
            return render_template("agents/login.html"), 401
        login_user(agent)
        store().audit(agent, "login", detail=f"from {address or '-'}")
        target = request.args.get("next", "")
        return redirect(target if _same_site(target) else url_for("agents.queue"))
    return render_template("agents/login.html")


@bp.post("/logout")
@login_required()
def logout():
    logout_user()
    flash(console_text()["logged_out"], "info")
    return redirect(url_for("agents.login"))


# --- queue and detail ----------------------------------------------------------------------


@bp.get("/")
@login_required()
def queue():
    handovers = store().list_handovers(statuses=AGENT_HOLDS)
    due = store().callbacks(due_before=datetime.now(BERLIN))
    return render_template("agents/queue.html", handovers=handovers, callbacks=due, show_all=False)


@bp.get("/handovers")
@login_required()
def all_handovers():
    return render_template("agents/queue.html", handovers=store().list_handovers(), callbacks=[], show_all=True)


def _handover_or_404(handover_id: int):
    record = store().handover(handover_id)
    if record is None:
        abort(404)
    return record


@bp.get("/handovers/<int:handover_id>")
@login_required()
def detail(handover_id: int):
    record = _handover_or_404(handover_id)
    store().audit(current_agent(), "open_transcript", handover_id)
    messages = store().messages(handover_id)
    return render_template("agents/detail.html", h=record, messages=messages,
                           live=record.channel == "webchat" and record.status in AGENT_HOLDS)


@bp.post("/handovers/<int:handover_id>/take")
@login_required()
def take(handover_id: int):
    _handover_or_404(handover_id)
    store().take(handover_id, signed_in_agent())
    store().audit(current_agent(), "take", handover_id)
    flash(console_text()["taken"], "info")
    return redirect(url_for("agents.detail", handover_id=handover_id))


@bp.post("/handovers/<int:handover_id>/done")
@login_required()
def done(handover_id: int):
    record = _handover_or_404(handover_id)
    if record.channel == "webchat" and record.status in AGENT_HOLDS:
        store().add_message(handover_id, "system", console_text()["chat_agent_done"])
    store().finish(handover_id, signed_in_agent())
    store().audit(current_agent(), "done", handover_id)
    flash(console_text()["done"], "info")
    return redirect(url_for("agents.queue"))


@bp.post("/handovers/<int:handover_id>/give-back")
@login_required()
def give_back(handover_id: int):
    _handover_or_404(handover_id)
    store().give_back(handover_id, signed_in_agent(), console_text()["chat_given_back"])
    store().audit(current_agent(), "give_back", handover_id)
    flash(console_text()["given_back"], "info")
    return redirect(url_for("agents.queue"))


@bp.post("/handovers/<int:handover_id>/reply")
@login_required()
def reply(handover_id: int):
    record = _handover_or_404(handover_id)
    text = " ".join(request.form.get("text", "").split())[:1000]
    if record.channel != "webchat" or record.status not in AGENT_HOLDS:
        flash(console_text()["reply_not_chat"], "error")
    elif not text:
        flash(console_text()["reply_empty"], "error")
    else:
        store().add_message(handover_id, "agent", text, current_agent())
        store().audit(current_agent(), "reply", handover_id)
        flash(console_text()["reply_sent"], "info")
    return redirect(url_for("agents.detail", handover_id=handover_id) + "#chat")


# --- search, callbacks, audit --------------------------------------------------------------


@bp.route("/search", methods=["GET", "POST"])
@login_required()
def search():
    """The search form posts its query: a phone number must not travel in a URL (proxy and
    access logs). A GET ?q= still finds a booking code; a phone number in it is not searched."""
    query = (request.form.get("q", "") if request.method == "POST" else request.args.get("q", "")).strip()
    handovers, callbacks, appointments = [], [], []
    if query and request.method == "GET" and not normalise_code(query):
        flash(console_text()["search_by_form"], "error")
        query = ""
    elif query:
        handovers = store().search(query)
        callbacks = store().search_callbacks(query)
        appointments = _appointments_for(query)
        store().audit(current_agent(), "search", detail="code" if normalise_code(query) else "phone")
    elif "q" in request.args or "q" in request.form:
        flash(console_text()["search_empty"], "error")
    return render_template("agents/search.html", query=query, handovers=handovers, callbacks=callbacks,
                           appointments=appointments)


def _appointments_for(query: str) -> list:
    booking = current_app.extensions.get("booking")
    if booking is None:
        return []
    code = normalise_code(query)
    try:
        if code:
            return [booking.appointment(code)]
        if any(ch.isdigit() for ch in query):
            today = datetime.now(BERLIN).date()
            return [a for a in booking.list_appointments(today - timedelta(days=1), today + timedelta(days=180))
                    if same_phone(query, a.phone)]
    except (BookingError, NotImplementedError):
        return []
    return []


@bp.get("/callbacks")
@login_required()
def callbacks():
    return render_template("agents/callbacks.html", callbacks=store().callbacks(), now=datetime.now(BERLIN))


@bp.post("/callbacks/<int:callback_id>/done")
@login_required()
def callback_done(callback_id: int):
    if store().callback(callback_id) is None:
        abort(404)
    store().finish_callback(callback_id)
    store().audit(current_agent(), "callback_done", detail=f"callback {callback_id}")
    flash(console_text()["callback_done"], "info")
    return redirect(url_for("agents.callbacks"))


@bp.get("/callbacks/<int:callback_id>")
@login_required()
def callback_detail(callback_id: int):
    callback = store().callback(callback_id)
    if callback is None:
        abort(404)
    store().audit(current_agent(), "open_callback", detail=f"callback {callback_id}")
    return render_template("agents/callback.html", c=callback)


@bp.get("/audit")
@login_required("admin")
def audit():
    return render_template("agents/audit.html", entries=store().audit_entries())


# --- appointments on the caller's behalf ---------------------------------------------------


@bp.get("/appointments/<code>")
@login_required()
def appointment(code: str):
    booking = current_app.extensions["booking"]
    canonical = normalise_code(code)
    try:
        found = booking.appointment(canonical) if canonical else None
    except (BookingError, NotImplementedError):
        found = None
    if found is None:
        flash(console_text()["appointment_unknown"], "error")
        return redirect(url_for("agents.search"))
    store().audit(current_agent(), "open_appointment", detail=found.code)
    return render_template("agents/appointment.html", a=found)


@bp.post("/appointments/<code>/cancel")
@login_required()
def cancel_appointment(code: str):
    booking = current_app.extensions["booking"]
    canonical = normalise_code(code) or ""
    try:
        found = booking.appointment(canonical)
        booking.cancel(canonical, found.phone or "")
    except (BookingError, NotImplementedError):
        flash(console_text()["appointment_unknown"], "error")
        return redirect(url_for("agents.search"))
    store().audit(current_agent(), "cancel_appointment", detail=canonical)
    flash(console_text()["appointment_cancelled"].format(code=canonical), "info")
    return redirect(url_for("agents.appointment", code=canonical))


@bp.route("/book", methods=["GET", "POST"])
@login_required()
def book():
    booking = current_app.extensions["booking"]
    form = request.values
    service, location = form.get("service", ""), form.get("location", "")
    day_text = form.get("day", "")
    slots = []
    if request.method == "POST" and form.get("hold_start"):
        return _confirm_booking(booking, form)
    if service:
        try:
            earliest = date.fromisoformat(day_text) if day_text else None
            slots = booking.find_slots(SlotQuery(
                service_keys=(service,), location_keys=(location,) if location else None,
                earliest=earliest, limit=8, channel=AGENT_CHANNEL,
            ))
        except (BookingError, ValueError) as error:
            flash(console_text()["booking_failed"].format(reason=type(error).__name__), "error")
        if not slots:
            flash(console_text()["no_slots"], "info")
    return render_template("agents/book.html", services=booking.services(), locations=booking.locations(service or None),
                           service=service, location=location, day=day_text, slots=slots,
                           handover_id=form.get("handover", ""))


def _confirm_booking(booking, form) -> BaseResponse:
    service = form.get("service", "")
    try:
        start = datetime.fromisoformat(form["hold_start"])
        candidates = booking.find_slots(SlotQuery(
            service_keys=(service,), location_keys=(form.get("hold_location"),), earliest=start.date(),
            latest=start.date(), limit=50, channel=AGENT_CHANNEL,
        ))
        slot = next(s for s in candidates if s.start == start)
        agent = signed_in_agent()
        hold = booking.hold(slot, f"agent-{agent.id}", AGENT_CHANNEL)
        booked = booking.confirm(hold.hold_id, Contact(name=form.get("name", "").strip(), phone=form.get("phone", "").strip() or None),
                                 AGENT_CHANNEL)
    except (BookingError, ValueError, KeyError, StopIteration) as error:
        flash(console_text()["booking_failed"].format(reason=type(error).__name__), "error")
        return redirect(url_for("agents.book", service=service))
    store().audit(current_agent(), "book_appointment", int(form["handover"]) if form.get("handover", "").isdigit() else None,
                  detail=booked.code)
    flash(console_text()["appointment_booked"].format(code=booked.code), "info")
    return redirect(url_for("agents.appointment", code=booked.code))
