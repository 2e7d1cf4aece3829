"""The telephone channel: Twilio voice webhooks in German, as a Flask blueprint.

Wiring (in `gateway.create_app`):

    app.extensions["telephony"] = build_telephony(settings)
    app.register_blueprint(telephony_bp)

See docs/telephony.md for the call flow, the keypad scheme and the settings.
"""
from telephony.services import TelephonyServices, build_telephony

__all__ = ["TelephonyServices", "build_telephony"]
