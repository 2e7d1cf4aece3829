"""Builds the hand-over store from the settings (called by create_app, actions.server and the
command line; nothing connects before first use)."""
from __future__ import annotations

from common.settings import Settings
from handover.domain import HotlineHours
from handover.store import SqlHandoverStore, build_engine


def handover_database_url(settings: Settings) -> str:
    return settings.handover_database_url or settings.booking_database_url


def build_handover_store(settings: Settings) -> SqlHandoverStore:
    return SqlHandoverStore(build_engine(handover_database_url(settings)))


def hotline_hours(settings: Settings) -> HotlineHours:
    return HotlineHours.parse(settings.hotline_hours)
