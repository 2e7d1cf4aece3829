"""Settings, read from the environment in one place. `.env.example` documents each one."""
from __future__ import annotations

import os
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
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'booking.db'}"
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
            secret_key=_str(env, "GATEWAY_SECRET_KEY", "dev-only-change-me"),
            log_level=_str(env, "LOG_LEVEL", "INFO"),
        )

    def clock(self) -> Clock:
        return clock_from_setting(self.assistant_now)
