"""The Flask gateway: web chat, telephony webhooks and the agent console, built by `create_app`."""
from __future__ import annotations

from typing import Optional

from flask import Flask

from booking_adapter.port import BookingPort
from common.settings import Settings, check_deployable
from gateway.errors import register_error_handlers
from gateway.messages import load_messages
from gateway.rasa_client import ChatBot
from gateway.rasa_pool import rasa_client_for
from handover.port import AgentConsolePort


def create_app(
    settings: Optional[Settings] = None,
    rasa: Optional[ChatBot] = None,
    booking: Optional[BookingPort] = None,
    handover: Optional[AgentConsolePort] = None,  # the hand-over store; built from the settings when None
) -> Flask:
    settings = settings or Settings.from_env()
    check_deployable(settings)  # outside development: no default or short secret key
    if booking is None:
        from booking_adapter.bootstrap import build_booking_port

        booking = build_booking_port(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=64 * 1024,
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if settings.trusted_proxy_count > 0:
        # the client address (rate limits, /metrics' loopback check, the audit log) and the
        # scheme from the last TRUSTED_PROXY_COUNT hops of X-Forwarded-For/-Proto; with 0,
        # those headers are ignored (anyone can send them)
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.extensions["settings"] = settings
    app.extensions["rasa"] = rasa or rasa_client_for(settings)  # one Rasa, or a pool (RASA_URLS)
    app.extensions["booking"] = booking
    app.extensions["messages"] = load_messages()
    register_error_handlers(app)  # German answers for 4xx/5xx, never a stack trace

    from gateway import health, openapi, webchat

    app.register_blueprint(health.bp)
    app.register_blueprint(webchat.bp)
    app.register_blueprint(openapi.bp)  # /api/openapi.json, the document of the public API

    from telephony import build_telephony
    from telephony.views import bp as telephony_bp

    app.extensions["telephony"] = build_telephony(settings)  # Twilio validator, call store, SMS
    app.register_blueprint(telephony_bp)
    from telephony.relay_views import register_relay

    register_relay(app)  # VOICE_MODE=relay: the ConversationRelay socket and its <Connect action>

    from gateway.agents import register_agents
    from handover.bootstrap import build_handover_store

    handover_store = handover or build_handover_store(settings)  # agent console, chat relay
    register_agents(app, handover_store, settings.handover_retention_days,
                    settings.handover_retention_interval_minutes,
                    conversation_retention=(settings.tracker_url, settings.tracker_retention_days))
    app.extensions["telephony"].handover = handover_store  # callbacks after failed transfers

    from gateway import metrics, reports

    metrics.init_app(app)  # /metrics, request and Rasa-call instrumentation (docs/monitoring.md)
    reports.init_app(app, settings.tracker_url)  # /reports for managers (agents' sign-in)
    return app
