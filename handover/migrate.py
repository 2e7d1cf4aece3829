"""The hand-over store's migration history (tables handover_*, version table
handover_alembic_version). `python -m handover.migrate "what changed"` writes a new revision."""
from __future__ import annotations

import sys
from pathlib import Path

from common.migrations import MigrationHistory
from handover.store import Base

HANDOVER = MigrationHistory(
    name="hand-over",
    script_location=Path(__file__).resolve().parent / "migrations",
    version_table="handover_alembic_version",
    metadata=Base.metadata,
    lock_key=0x7E1E_0008,
)

if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    HANDOVER.new_revision(sys.argv[1])
