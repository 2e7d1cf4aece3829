"""Masking, the summary template, hotline hours, retention scheduling, and the phone's own
callback offer writing to the hand-over store (fakes only)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from common.clock import BERLIN
from common.settings import Settings
from handover.domain import HotlineHours, NewHandover, build_summary, mask_phone
from handover.port import InMemoryHandoverPort
from handover.retention import RetentionScheduler
from telephony.call import CallFlow
from telephony.services import build_telephony
from telephony.sms import DisabledSmsSender
from telephony.state import CallState, InMemoryCallStore


@pytest.mark.parametrize("phone, masked", [
    ("+494012345667", "+49 40 ••• ••67"),
    ("+4915112345678", "+49 15 ••• ••78"),
    ("+4312345678", "+43 ••• ••78"),
    ("04012345667", "040 ••• ••67"),
    ("123", "•••"),
    (None, ""),
])
def test_phone_numbers_are_masked_but_for_area_and_last_two_digits(phone, masked):
    assert mask_phone(phone) == masked
    if phone and len(phone) > 6:
        assert phone[-6:-2] not in masked


def test_summary_from_the_german_template():
    summary = build_summary({"service": "Reisepass", "location": "Altona", "when": "Dienstag vormittags",
                             "offered": [{"day": "Dienstag, 1. Dezember", "time": "9:30", "location_name": "Altona"}]},
                            "+49 40 ••• ••67")
    assert summary == ("Anliegen: Reisepass · Wunsch: Altona, Dienstag vormittags · "
                       "bereits angeboten: Dienstag, 1. Dezember 9:30 (Altona) · Rückrufnummer: +49 40 ••• ••67")
    assert build_summary({}) == "Kein Anliegen erkannt"
    assert build_summary({"last_words": "Hundesteuer"}) == "zuletzt: „Hundesteuer“"


def test_unknown_reason_is_refused():
    with pytest.raises(ValueError):
        NewHandover(conversation_id="c", channel="webchat", reason="bored", summary="", fields={}, transcript=[])


def test_next_opening_skips_the_weekend_and_the_evening():
    hours = HotlineHours()
    friday_evening = datetime(2026, 11, 27, 18, 30, tzinfo=BERLIN)
    assert hours.next_opening(friday_evening) == datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)
    monday_early = datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN)
    assert hours.next_opening(monday_early) == datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)
    open_now = datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)
    assert hours.next_opening(open_now) == open_now


def test_the_retention_scheduler_runs_the_job_repeatedly_and_stops():
    ran = threading.Event()
    runs = []

    def job():
        runs.append(1)
        if len(runs) >= 2:
            ran.set()

    scheduler = RetentionScheduler(job, timedelta(milliseconds=20))
    scheduler.start()
    assert ran.wait(5)
    scheduler.stop()
    assert RetentionScheduler(job, timedelta(0))._thread is None


def test_a_phone_callback_after_an_unanswered_transfer_reaches_the_agents_store():
    settings = Settings.from_env({"BOOKING_DATABASE_URL": "sqlite://", "TWILIO_AUTH_TOKEN": "t"})
    services = build_telephony(settings, store=InMemoryCallStore(), sms=DisabledSmsSender("off"))
    port = InMemoryHandoverPort()
    port.record_handover(NewHandover(conversation_id="CA1", channel="voice", reason="requested", summary="x",
                                     fields={}, transcript=[]))
    services.handover = port
    flow = CallFlow(services, rasa=None)

    flow._register_callback(CallState(call_sid="CA1", reference="1"), {"From": "+494012345678"})

    [callback] = port.callbacks
    assert (callback.phone, callback.channel, callback.handover_reference, callback.conversation_id) == (
        "+494012345678", "voice", "1", "CA1")
    assert port.handovers[0].status == "callback"
    assert services.store.callbacks()[0].caller_number == "+494012345678"  # the telephony table still has it
