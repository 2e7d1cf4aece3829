"""Settings, read from the environment in one place. `.env.example` documents each one."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from common.clock import Clock, clock_from_setting

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    return int(raw) if raw else default


def _str(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip()
    return raw or default


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    return float(raw) if raw else default


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


# --- the profile and the gateway's secret key ----------------------------------------------

DEVELOPMENT = "development"
PROFILES = (DEVELOPMENT, "production")
DEV_SECRET_KEY = "dev-only-change-me"  # noqa: S105 (the development default, refused outside development)
MIN_SECRET_KEY_CHARS = 32


class SettingsError(RuntimeError):
    """A setting that cannot be used; the message says which and what to do."""


def _profile(env: Mapping[str, str]) -> str:
    profile = _str(env, "ASSISTANT_PROFILE", DEVELOPMENT).lower()
    if profile not in PROFILES:
        raise SettingsError(f"ASSISTANT_PROFILE must be one of {', '.join(PROFILES)}, not {profile!r}")
    return profile


def resolve_secret_key(env: Optional[Mapping[str, str]] = None) -> str:
    """The gateway's signing key, stable across restarts: GATEWAY_SECRET_KEY, else the first
    line of the file named by GATEWAY_SECRET_KEY_FILE (owned and readable by the operator
    only), else the development default (refused outside the development profile, see
    `check_deployable`)."""
    env = os.environ if env is None else env
    key = env.get("GATEWAY_SECRET_KEY", "").strip()
    if key:
        return key
    path = env.get("GATEWAY_SECRET_KEY_FILE", "").strip()
    if path:
        try:
            key = Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise SettingsError(f"GATEWAY_SECRET_KEY_FILE {path!r} cannot be read ({type(error).__name__})") from None
        if not key:
            raise SettingsError(f"GATEWAY_SECRET_KEY_FILE {path!r} is empty")
        return key
    return DEV_SECRET_KEY


def ensure_secret_key_file(path: Path) -> str:
    """The key in `path`, written there first (random, 43 characters, mode 0600) when the file
    does not exist yet: a launcher calls this once and passes GATEWAY_SECRET_KEY_FILE=path on,
    so every restart signs with the same key."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(draft, path)  # atomic, and never over a key another process wrote first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return resolve_secret_key({"GATEWAY_SECRET_KEY_FILE": str(path)})


@dataclass(frozen=True)
class Settings:
    booking_database_url: str
    rasa_url: str
    action_port: int
    gateway_port: int
    assistant_now: Optional[str]
    hold_minutes: int
    max_holds_per_conversation: int
    max_appointments_per_phone: int
    booking_window_days: int
    phone_quota_percent: int
    walk_in_reserve_percent: int
    secret_key: str
    log_level: str
    extra: dict[str, str] = field(default_factory=dict)
    # --- telephony (Twilio voice channel, see docs/telephony.md)
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_public_base_url: str = ""
    twilio_hotline_number: str = ""
    twilio_dial_caller_id: str = ""
    twilio_dial_timeout: int = 25
    twilio_sms_from: str = ""
    twilio_voice: str = "Polly.Vicki-Neural"
    twilio_speech_rate: str = "90%"
    twilio_speech_timeout: str = "3"
    twilio_gather_timeout: int = 6
    twilio_speech_model: str = ""
    twilio_min_confidence: float = 0.5
    twilio_rasa_timeout: float = 8.0
    twilio_start_message: str = "/greet"
    # --- the ConversationRelay voice mode (VOICE_MODE=relay, docs/telephony.md "Relay mode")
    voice_mode: str = "gather"  # gather: <Gather>/<Say> webhooks; relay: <Connect><ConversationRelay>
    relay_tts_provider: str = "Amazon"
    relay_voice: str = "Vicki-Neural"
    relay_transcription_provider: str = "Google"
    relay_speech_model: str = "telephony"
    relay_filler_seconds: float = 2.5  # a slow bot: "Einen Moment bitte." once after this long
    relay_gateway_threads: int = 64  # gunicorn threads per worker in relay mode (one per open call)
    telephony_database_url: str = ""
    # --- web chat: origins allowed to embed the chat widget (CSP frame-ancestors)
    webchat_embed_origins: str = ""
    telephony_sms_outbox: str = ""
    # --- hand-over to agents (see docs/handover.md)
    handover_database_url: str = ""
    handover_retention_days: int = 30
    handover_retention_interval_minutes: int = 60
    hotline_hours: str = "1-5 08:00-18:00"
    # --- gateway rate limits (see docs/operations.md); shared in Redis when a URL is set
    rate_chat_per_session_per_minute: int = 30
    rate_chat_per_ip_per_minute: int = 300
    rate_calendar_per_ip_per_minute: int = 20
    rate_calls_per_caller_per_hour: int = 10
    rate_phone_turns_per_call_per_minute: int = 30
    rate_limit_redis_url: str = ""  # empty = counters in each gateway process
    twilio_replay_window_seconds: int = 600  # exact repeats of a signed webhook answered once
    # several Rasa instances behind the gateway (comma-separated base URLs); empty = RASA_URL
    rasa_urls: str = ""
    # --- monitoring (docs/monitoring.md): Rasa's tracker store, read for the reports, and
    # the token for /metrics (empty = only requests from the loopback interface)
    tracker_url: str = ""
    tracker_retention_days: int = 30  # Rasa's conversations gone quiet longer are deleted; 0 keeps them
    metrics_token: str = ""
    prometheus_multiproc_dir: str = ""  # several gateway workers: one shared metrics folder
    # --- deployment safety (docs/operations.md): the profile decides the strict checks
    profile: str = DEVELOPMENT  # ASSISTANT_PROFILE: development | production
    session_cookie_secure: bool = False  # default: on outside the development profile
    trusted_proxy_count: int = 0  # reverse proxies in front of the gateway (X-Forwarded-For hops)
    login_attempts_per_account: int = 5  # failed console sign-ins per agent name ...
    login_attempts_per_address: int = 20  # ... and per client address ...
    login_throttle_minutes: int = 15  # ... within this many minutes
    booking_contact_retention_days: int = 30  # name and phone of past appointments erased after
    # --- the processes (launcher/, docs/operations.md): where Rasa and the action server listen,
    # Rasa's HTTP API (None = the profile decides: on in development, off in production)
    rasa_port: int = 5005
    rasa_interface: str = "127.0.0.1"
    action_host: str = "127.0.0.1"  # SANIC_HOST, the name rasa-sdk reads
    rasa_api_token: str = ""
    rasa_enable_api: Optional[bool] = None
    startup_timeout: float = 420.0
    # --- the production profile's PostgreSQL and Redis (empty = private ones, see launcher/prod.py)
    prod_postgres_url: str = ""
    prod_tracker_url: str = ""
    prod_postgres_port: int = 55432
    prod_redis_host: str = ""
    prod_redis_port: int = 56379

    @property
    def development(self) -> bool:
        return self.profile == DEVELOPMENT

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> Settings:
        env = os.environ if env is None else env
        default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'booking.db'}"
        profile = _profile(env)
        return cls(
            booking_database_url=_str(env, "BOOKING_DATABASE_URL", default_db),
            rasa_url=_str(env, "RASA_URL", f"http://127.0.0.1:{_int(env, 'RASA_PORT', 5005)}"),
            action_port=_int(env, "ACTION_PORT", 5055),
            gateway_port=_int(env, "GATEWAY_PORT", 8000),
            assistant_now=env.get("ASSISTANT_NOW") or None,
            hold_minutes=_int(env, "HOLD_MINUTES", 10),
            max_holds_per_conversation=_int(env, "MAX_HOLDS_PER_CONVERSATION", 5),
            max_appointments_per_phone=_int(env, "MAX_APPOINTMENTS_PER_PHONE", 2),
            booking_window_days=_int(env, "BOOKING_WINDOW_DAYS", 90),
            phone_quota_percent=_int(env, "PHONE_QUOTA_PERCENT", 20),
            walk_in_reserve_percent=_int(env, "WALK_IN_RESERVE_PERCENT", 10),
            secret_key=resolve_secret_key(env),
            log_level=_str(env, "LOG_LEVEL", "INFO"),
            twilio_account_sid=_str(env, "TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=_str(env, "TWILIO_AUTH_TOKEN", ""),
            twilio_public_base_url=_str(env, "TWILIO_PUBLIC_BASE_URL", ""),
            twilio_hotline_number=_str(env, "TWILIO_HOTLINE_NUMBER", ""),
            twilio_dial_caller_id=_str(env, "TWILIO_DIAL_CALLER_ID", ""),
            twilio_dial_timeout=_int(env, "TWILIO_DIAL_TIMEOUT", 25),
            twilio_sms_from=_str(env, "TWILIO_SMS_FROM", ""),
            twilio_voice=_str(env, "TWILIO_VOICE", "Polly.Vicki-Neural"),
            twilio_speech_rate=_str(env, "TWILIO_SPEECH_RATE", "90%"),
            twilio_speech_timeout=_str(env, "TWILIO_SPEECH_TIMEOUT", "3"),
            twilio_gather_timeout=_int(env, "TWILIO_GATHER_TIMEOUT", 6),
            twilio_speech_model=_str(env, "TWILIO_SPEECH_MODEL", ""),
            twilio_min_confidence=_float(env, "TWILIO_MIN_CONFIDENCE", 0.5),
            twilio_rasa_timeout=_float(env, "TWILIO_RASA_TIMEOUT", 8.0),
            twilio_start_message=_str(env, "TWILIO_START_MESSAGE", "/greet"),
            voice_mode="relay" if _str(env, "VOICE_MODE", "gather").strip().lower() == "relay" else "gather",
            relay_tts_provider=_str(env, "RELAY_TTS_PROVIDER", "Amazon"),
            relay_voice=_str(env, "RELAY_VOICE", "Vicki-Neural"),
            relay_transcription_provider=_str(env, "RELAY_TRANSCRIPTION_PROVIDER", "Google"),
            relay_speech_model=_str(env, "RELAY_SPEECH_MODEL", "telephony"),
            relay_filler_seconds=_float(env, "RELAY_FILLER_SECONDS", 2.5),
            relay_gateway_threads=_int(env, "RELAY_GATEWAY_THREADS", 64),
            telephony_database_url=_str(env, "TELEPHONY_DATABASE_URL", ""),
            webchat_embed_origins=_str(env, "WEBCHAT_EMBED_ORIGINS", ""),
            telephony_sms_outbox=_str(env, "TELEPHONY_SMS_OUTBOX", ""),
            handover_database_url=_str(env, "HANDOVER_DATABASE_URL", ""),
            handover_retention_days=_int(env, "HANDOVER_RETENTION_DAYS", 30),
            handover_retention_interval_minutes=_int(env, "HANDOVER_RETENTION_INTERVAL_MINUTES", 60),
            hotline_hours=_str(env, "HOTLINE_HOURS", "1-5 08:00-18:00"),
            rate_chat_per_session_per_minute=_int(env, "RATE_CHAT_PER_SESSION_PER_MINUTE", 30),
            rate_chat_per_ip_per_minute=_int(env, "RATE_CHAT_PER_IP_PER_MINUTE", 300),
            rate_calendar_per_ip_per_minute=_int(env, "RATE_CALENDAR_PER_IP_PER_MINUTE", 20),
            rate_calls_per_caller_per_hour=_int(env, "RATE_CALLS_PER_CALLER_PER_HOUR", 10),
            rate_phone_turns_per_call_per_minute=_int(env, "RATE_PHONE_TURNS_PER_CALL_PER_MINUTE", 30),
            rate_limit_redis_url=_str(env, "RATE_LIMIT_REDIS_URL", ""),
            twilio_replay_window_seconds=_int(env, "TWILIO_REPLAY_WINDOW_SECONDS", 600),
            rasa_urls=_str(env, "RASA_URLS", ""),
            tracker_url=_str(env, "TRACKER_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"),
            tracker_retention_days=_int(env, "TRACKER_RETENTION_DAYS", 30),
            metrics_token=_str(env, "METRICS_TOKEN", ""),
            prometheus_multiproc_dir=_str(env, "PROMETHEUS_MULTIPROC_DIR", ""),
            profile=profile,
            session_cookie_secure=_bool(env, "SESSION_COOKIE_SECURE", profile != DEVELOPMENT),
            trusted_proxy_count=_int(env, "TRUSTED_PROXY_COUNT", 0),
            login_attempts_per_account=_int(env, "LOGIN_ATTEMPTS_PER_ACCOUNT", 5),
            login_attempts_per_address=_int(env, "LOGIN_ATTEMPTS_PER_ADDRESS", 20),
            login_throttle_minutes=_int(env, "LOGIN_THROTTLE_MINUTES", 15),
            booking_contact_retention_days=_int(env, "BOOKING_CONTACT_RETENTION_DAYS", 30),
            rasa_port=_int(env, "RASA_PORT", 5005),
            rasa_interface=_str(env, "RASA_INTERFACE", "127.0.0.1"),
            action_host=_str(env, "SANIC_HOST", "127.0.0.1"),
            rasa_api_token=_str(env, "RASA_API_TOKEN", ""),
            rasa_enable_api=_bool(env, "RASA_ENABLE_API", None),  # type: ignore[arg-type]
            startup_timeout=_float(env, "STARTUP_TIMEOUT", 420.0),
            prod_postgres_url=_str(env, "PROD_POSTGRES_URL", ""),
            prod_tracker_url=_str(env, "PROD_TRACKER_URL", ""),
            prod_postgres_port=_int(env, "PROD_POSTGRES_PORT", 55432),
            prod_redis_host=_str(env, "PROD_REDIS_HOST", ""),
            prod_redis_port=_int(env, "PROD_REDIS_PORT", 56379),
        )

    def clock(self) -> Clock:
        return clock_from_setting(self.assistant_now)


def check_deployable(settings: Settings) -> None:
    """Refuse settings that must not face the public: outside the development profile the
    gateway's secret key must be set (not the development default) and long. Raises
    SettingsError with a message for the operator; the development profile passes."""
    if settings.trusted_proxy_count < 0:
        raise SettingsError("TRUSTED_PROXY_COUNT must be 0 or more")
    if settings.development:
        return
    key = settings.secret_key or ""
    how = ("set GATEWAY_SECRET_KEY, or GATEWAY_SECRET_KEY_FILE naming a file only the operator can read, "
           f"to a random value of at least {MIN_SECRET_KEY_CHARS} characters "
           "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    if key == DEV_SECRET_KEY:
        raise SettingsError(f"refusing to start the {settings.profile} profile with the development secret key: {how}")
    if len(key) < MIN_SECRET_KEY_CHARS:
        raise SettingsError(f"refusing to start the {settings.profile} profile with a secret key of {len(key)} "
                            f"characters: {how}")
