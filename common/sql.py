"""Small SQLAlchemy helpers the stores share."""
from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult, Result


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched. `Session.execute` is typed as returning a
    `Result`; for DML it is a `CursorResult`, which alone knows the count."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"no row count on {type(result).__name__}")
    return int(result.rowcount or 0)
