"""Before any process starts: every store's schema to its newest Alembic revision (booking,
hand-over, telephony: one migration history each) and the catalogue into the booking store.
Idempotent, so it runs at every start of either profile."""
from __future__ import annotations

from collections.abc import Mapping

from common.settings import Settings


def prepare_stores(env: Mapping[str, str]) -> None:
    from booking_adapter.bootstrap import seed_store
    from handover.bootstrap import handover_database_url
    from handover.migrate import HANDOVER
    from telephony.migrate import TELEPHONY, telephony_database_url

    settings = Settings.from_env(env)
    seed_store(settings)
    HANDOVER.upgrade_url(handover_database_url(settings))
    TELEPHONY.upgrade_url(telephony_database_url(settings))
