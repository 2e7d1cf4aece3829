"""Booking policies: limits and capacity reserves, taken from Settings in one place."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from common.settings import Settings


@dataclass(frozen=True)
class Policies:
    hold_minutes: int = 10
    max_holds_per_conversation: int = 5
    max_appointments_per_phone: int = 2  # future confirmed appointments per phone and service
    booking_window_days: int = 90  # last bookable day = today + this
    phone_quota_percent: int = 20  # share of capacity only channel "phone" may book
    walk_in_reserve_percent: int = 10  # share kept for walk-ins; express services may book it
    min_lead_minutes: int = 30  # earliest start = now + this
    move_deadline_days: int = 14  # registration after a move is due within this many days

    def __post_init__(self) -> None:
        for name in ("phone_quota_percent", "walk_in_reserve_percent"):
            value = getattr(self, name)
            if not 0 <= value <= 100:
                raise ValueError(f"{name} must be between 0 and 100, not {value}")
        if self.phone_quota_percent + self.walk_in_reserve_percent > 100:
            raise ValueError("phone quota and walk-in reserve together exceed 100 percent")
        if self.hold_minutes <= 0 or self.booking_window_days < 0:
            raise ValueError("hold_minutes must be positive and booking_window_days not negative")

    @classmethod
    def from_settings(cls, settings: Settings) -> Policies:
        return cls(
            hold_minutes=settings.hold_minutes,
            max_holds_per_conversation=settings.max_holds_per_conversation,
            max_appointments_per_phone=settings.max_appointments_per_phone,
            booking_window_days=settings.booking_window_days,
            phone_quota_percent=settings.phone_quota_percent,
            walk_in_reserve_percent=settings.walk_in_reserve_percent,
        )
