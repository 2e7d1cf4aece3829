"""The telephony store's migration history (tables telephony_calls, telephony_callbacks,
version table telephony_alembic_version). `python -m telephony.migrate "what changed"` writes a
new revision."""
from __future__ import annotations

import sys
from pathlib import Path

from common.migrations import MigrationHistory
from common.settings import Settings
from telephony.state import METADATA

TELEPHONY = MigrationHistory(
    name="telephony",
    script_location=Path(__file__).resolve().parent / "migrations",
    version_table="telephony_alembic_version",
    metadata=METADATA,
    lock_key=0x7E1E_0001,
)


def telephony_database_url(settings: Settings) -> str:
    return settings.telephony_database_url or settings.booking_database_url


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    TELEPHONY.new_revision(sys.argv[1])
