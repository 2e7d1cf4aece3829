"""Retention of booking contacts: BOOKING_CONTACT_RETENTION_DAYS after an appointment ended, its
name, phone number and e-mail are erased. The appointment row stays (time, place, services,
channel, status), so the reports and statistics keep counting it.

Run by `python -m booking_adapter retention` (part of `make retention`, e.g. from cron). Erasing
is idempotent, so running it often or from several machines is harmless.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Optional

from booking_adapter.port import BookingPort

log = logging.getLogger(__name__)


def contact_cutoff(now: datetime, retention_days: int) -> datetime:
    """Appointments that ended before this moment lose their contact data."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now - timedelta(days=retention_days)


def run_contact_retention(port: BookingPort, retention_days: int, now: datetime) -> Optional[int]:
    """Erase the contacts of appointments that ended more than `retention_days` before `now`.
    0 days keeps them (returns None); a negative number is refused."""
    if retention_days < 0:
        raise ValueError("BOOKING_CONTACT_RETENTION_DAYS must be 0 (keep) or more")
    if retention_days == 0:
        log.info("booking contact retention is off (BOOKING_CONTACT_RETENTION_DAYS=0)")
        return None
    erased = port.erase_contacts_ended_before(contact_cutoff(now, retention_days))
    log.info("booking contact retention: erased the contacts of %d appointments", erased)
    return erased
