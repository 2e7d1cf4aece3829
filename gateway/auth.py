"""Who may use the agent console and its JSON API.

Two ways in, both checked by `login_required`:
  * a signed-in browser session (the console's sign-in page stores the agent id and a stamp of
    the agent's credentials in Flask's signed session cookie; the stamp is compared with the
    store's on every request, so a new password or a deactivation ends every open session), or
  * an `Authorization: Bearer <token>` header with an API token (for a hotline's CRM).

Roles: "agent" and "admin"; an admin may do everything an agent may.

The agents themselves live in the hand-over store (see handover/store.py). `create_app` puts an
object with the `AgentDirectory` methods into `app.extensions["agent_directory"]`; tests may put
their own. Without one, every protected route refuses.

Usage:
    from gateway.auth import current_agent, login_required

    @bp.get("/reports")
    @login_required("admin")
    def reports(): ...
        agent = current_agent()   # AgentIdentity(id, name, role)
"""
from __future__ import annotations

import functools
import hmac
from typing import Callable, Optional, Protocol, TypeVar

from flask import current_app, g, jsonify, redirect, request, session, url_for
from werkzeug.routing import BuildError

from handover.domain import ROLES, AgentIdentity

__all__ = ["ROLES", "AgentDirectory", "AgentIdentity", "current_agent", "login_required", "login_user", "logout_user"]

SESSION_KEY = "agent_id"
STAMP_KEY = "agent_stamp"
F = TypeVar("F", bound=Callable)


class AgentDirectory(Protocol):
    """What authentication needs from the agent store."""

    def agent_by_id(self, agent_id: int) -> Optional[AgentIdentity]: ...

    def agent_by_token(self, token: str) -> Optional[AgentIdentity]: ...

    def check_password(self, name: str, password: str) -> Optional[AgentIdentity]: ...

    def session_stamp(self, agent_id: int) -> Optional[str]:
        """A fingerprint of the agent's current credentials; None = no session for this agent.
        A directory without it signs nobody in by session (API tokens still work)."""


def _directory() -> Optional[AgentDirectory]:
    return current_app.extensions.get("agent_directory")


def _bearer_token() -> Optional[str]:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_agent() -> Optional[AgentIdentity]:
    """The agent making this request (session or API token), or None."""
    if "current_agent" in g:
        return g.current_agent
    agent: Optional[AgentIdentity] = None
    directory = _directory()
    if directory is not None:
        token = _bearer_token()
        if token is not None:
            agent = directory.agent_by_token(token)
        elif isinstance(session.get(SESSION_KEY), int):
            agent = _session_agent(directory, session[SESSION_KEY], session.get(STAMP_KEY))
    g.current_agent = agent
    return agent


def _stamp_of(directory: AgentDirectory, agent_id: int) -> Optional[str]:
    stamp = getattr(directory, "session_stamp", None)
    return stamp(agent_id) if callable(stamp) else None


def _session_agent(directory: AgentDirectory, agent_id: int, stamp: object) -> Optional[AgentIdentity]:
    """The session's agent while its credentials are the ones it signed in with."""
    current = _stamp_of(directory, agent_id)
    if current is None or not isinstance(stamp, str) or not tokens_equal(current, stamp):
        return None
    return directory.agent_by_id(agent_id)


def login_user(agent: AgentIdentity) -> None:
    """Start a browser session for `agent` (called by the sign-in view after the password check)."""
    directory = _directory()
    stamp = _stamp_of(directory, agent.id) if directory is not None else None
    session.clear()
    session[SESSION_KEY] = agent.id
    if stamp is not None:
        session[STAMP_KEY] = stamp
    session.permanent = True
    g.current_agent = agent


def logout_user() -> None:
    session.clear()
    g.current_agent = None


def _wants_json() -> bool:
    if request.path.startswith("/api/") or _bearer_token() is not None:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _refuse_unauthenticated():
    if _wants_json():
        response = jsonify(error="unauthorized")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="agents"'
        return response
    try:
        target = url_for("agents.login", next=request.full_path if request.method == "GET" else None)
    except BuildError:  # console not registered: nothing to sign in with
        response = jsonify(error="unauthorized")
        response.status_code = 401
        return response
    return redirect(target)


refuse_unauthenticated = _refuse_unauthenticated  # for blueprints that guard every route


def _refuse_forbidden():
    response = jsonify(error="forbidden")
    response.status_code = 403
    return response


def login_required(role: str = "agent") -> Callable[[F], F]:
    """Protect a view: 401 (JSON/API) or a redirect to the sign-in page (browser) without an
    agent; 403 when the agent's role is too low."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            agent = current_agent()
            if agent is None:
                return _refuse_unauthenticated()
            if not agent.has_role(role):
                return _refuse_forbidden()
            return view(*args, **kwargs)

        wrapper.login_required_role = role  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
