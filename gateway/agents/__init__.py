"""The agent console of the 115 hotline (HTML under /agents, JSON under /api/agents) and the
relay that lets an agent write into a citizen's web chat. See docs/handover.md.

Wiring (in `gateway.create_app`):

    from gateway.agents import register_agents
    register_agents(app, handover_store)
"""
from __future__ import annotations

from datetime import timedelta
from typing import Optional

from flask import Flask

from handover.port import AgentConsolePort


def register_agents(app: Flask, store: AgentConsolePort, retention_days: int = 0, retention_interval_minutes: int = 0,
                    conversation_retention: Optional[tuple[str, int]] = None) -> None:
    """`conversation_retention` = (TRACKER_URL, TRACKER_RETENTION_DAYS): Rasa's stored
    conversations are purged by the same scheduled job."""
    from gateway.agents import api, console, relay
    from gateway.agents.throttle import LoginThrottle

    app.extensions["handover_store"] = store
    app.extensions.setdefault("agent_directory", store)  # gateway.auth reads agents from here
    app.extensions.setdefault("login_throttle", LoginThrottle.from_settings(app.extensions.get("settings")))
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=10))
    app.register_blueprint(console.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(relay.bp)
    if retention_days > 0 and retention_interval_minutes > 0:
        _schedule_retention(app, store, retention_days, retention_interval_minutes, conversation_retention)


def _schedule_retention(app: Flask, store: AgentConsolePort, days: int, minutes: int,
                        conversations: Optional[tuple[str, int]]) -> None:
    """Run the retention job inside the gateway process, started with the first request (so
    building an app in a test or a command starts no thread)."""
    from handover.retention import RetentionScheduler, run_conversation_retention, run_retention

    def job() -> None:
        run_retention(store, days)
        if conversations is not None:
            run_conversation_retention(*conversations)

    scheduler = RetentionScheduler(job, timedelta(minutes=minutes))
    app.extensions["handover_retention"] = scheduler

    @app.before_request
    def _start_retention() -> None:
        scheduler.start()
