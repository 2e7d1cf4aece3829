"""Everything the phone channel needs, built once in `create_app` (never at import)."""
from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from sqlalchemy import create_engine
from twilio.request_validator import RequestValidator

from common.clock import Clock
from common.settings import Settings
from telephony.hints import HintProvider
from telephony.sms import DisabledSmsSender, OutboxSmsSender, SmsSender, TwilioSmsSender
from telephony.state import CallStore, SqlCallStore
from telephony.texts import Messages, Vocabulary, load_messages, load_vocabulary
from telephony.twiml import TwimlBuilder, VoiceConfig

log = logging.getLogger(__name__)


@dataclass
class TelephonyServices:
    twiml: TwimlBuilder
    validator: Optional[RequestValidator]  # None: TWILIO_AUTH_TOKEN unset, every request is refused
    public_base_url: str
    store: CallStore
    sms: SmsSender
    messages: Messages
    vocabulary: Vocabulary
    hints: HintProvider
    clock: Clock                 # the assistant's clock (keypad dates are read relative to it)
    min_confidence: float
    rasa_timeout: float
    start_message: str
    executor: Executor           # runs bot turns so a slow bot can be given up on in time
    background: Callable[[Callable[[], None]], object]  # fire-and-forget work (SMS)
    handover: Optional[Any] = None  # handover.port.HandoverPort: callbacks go to the agents' store


def voice_config(settings: Settings) -> VoiceConfig:
    speech_timeout = settings.twilio_speech_timeout
    if settings.twilio_speech_model and speech_timeout == "auto":
        # Twilio rejects speechTimeout="auto" together with a speechModel (warning 13335)
        log.warning("telephony: TWILIO_SPEECH_TIMEOUT=auto does not work with a speech model; using 3 s")
        speech_timeout = "3"
    return VoiceConfig(
        voice=settings.twilio_voice,
        speech_rate=settings.twilio_speech_rate,
        speech_timeout=speech_timeout,
        gather_timeout=settings.twilio_gather_timeout,
        speech_model=settings.twilio_speech_model,
        hotline=settings.twilio_hotline_number,
        dial_caller_id=settings.twilio_dial_caller_id,
        dial_timeout=settings.twilio_dial_timeout,
        public_base_url=settings.twilio_public_base_url,
    )


def build_sms_sender(settings: Settings) -> SmsSender:
    """Twilio's REST client only when SID, token and sender are all configured."""
    missing = [
        name
        for name, value in (
            ("TWILIO_ACCOUNT_SID", settings.twilio_account_sid),
            ("TWILIO_AUTH_TOKEN", settings.twilio_auth_token),
            ("TWILIO_SMS_FROM", settings.twilio_sms_from),
        )
        if not value
    ]
    if missing and settings.telephony_sms_outbox:
        log.warning("telephony: SMS confirmations go to the outbox file %s, not to Twilio",
                    settings.telephony_sms_outbox)
        return OutboxSmsSender(Path(settings.telephony_sms_outbox))
    if missing:
        log.warning("telephony: SMS confirmations are off (%s not set)", ", ".join(missing))
        return DisabledSmsSender(f"{', '.join(missing)} not set")
    from twilio.rest import Client  # built here, injected everywhere else

    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    log.info("telephony: SMS confirmations are on")
    return TwilioSmsSender(client, settings.twilio_sms_from)


def build_store(settings: Settings) -> CallStore:
    from telephony.migrate import telephony_database_url

    url = telephony_database_url(settings)
    connect_args = {"timeout": 15} if url.startswith("sqlite") else {}
    # create_engine does not connect; the schema is migrated at start or on first use. hide_parameters
    # keeps caller numbers out of error messages (and so out of the logs).
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)
    return SqlCallStore(engine)


def build_telephony(
    settings: Settings,
    *,
    store: Optional[CallStore] = None,
    sms: Optional[SmsSender] = None,
    executor: Optional[Executor] = None,
) -> TelephonyServices:
    if not settings.twilio_auth_token:
        log.warning("telephony: TWILIO_AUTH_TOKEN is not set; every /voice request will be refused")
    vocabulary = load_vocabulary()
    executor = executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="telephony")
    return TelephonyServices(
        twiml=TwimlBuilder(voice_config(settings)),
        validator=RequestValidator(settings.twilio_auth_token) if settings.twilio_auth_token else None,
        public_base_url=settings.twilio_public_base_url,
        store=store or build_store(settings),
        sms=sms or build_sms_sender(settings),
        messages=load_messages(),
        vocabulary=vocabulary,
        hints=HintProvider(vocabulary),
        clock=settings.clock(),
        min_confidence=settings.twilio_min_confidence,
        rasa_timeout=settings.twilio_rasa_timeout,
        start_message=settings.twilio_start_message,
        executor=executor,
        background=executor.submit,
    )
