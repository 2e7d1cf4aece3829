"""Behaviour every booking port must show. Imported by the unit tests (in-memory fake) and the
integration tests (SQLAlchemy on SQLite and PostgreSQL), which each provide the fixtures
`port` (a port at NOW = Monday 2026-11-23 09:00) and `clock` (a MutableClock it uses)."""
from __future__ import annotations

import itertools
import re
from datetime import date, datetime, time, timedelta

import pytest

from booking_adapter.port import (
    AppointmentLimitReached,
    AppointmentNotActive,
    CodeUnknown,
    Contact,
    HoldExpired,
    HoldLimitReached,
    HoldNotFound,
    LocationClosed,
    OutsideBookingWindow,
    ServiceNotOffered,
    Slot,
    SlotQuery,
    SlotTaken,
    UnknownLocation,
    UnknownService,
    VerificationFailed,
)
from common.clock import BERLIN

CODE = re.compile(r"^[ACDEFGHJKMNPQRTUVWXY34679]{3}-[ACDEFGHJKMNPQRTUVWXY34679]{3}$")
TUESDAY = date(2026, 12, 1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def slot(port, location: str, start: datetime, *services: str, persons: int = 1) -> Slot:
    """A slot as a caller would pass it back (end is recomputed by the port)."""
    keys = services or ("personalausweis",)
    minutes = sum(port.service(k).duration_minutes for k in keys) * persons
    return Slot(location, port.location(location).name, start, start + timedelta(minutes=minutes), keys, persons)


def book(port, the_slot: Slot, conversation: str = "conv", phone: str = "040 123456", channel: str = "chat"):
    hold = port.hold(the_slot, conversation, channel)
    return port.confirm(hold.hold_id, Contact("Anna Schulz", phone), channel)


# --- search ---------------------------------------------------------------------------------


def test_date_first_search_offers_the_earliest_days_across_several_locations(port):
    found = port.find_slots(SlotQuery(("personalausweis",), limit=5))
    assert len(found) == 5
    assert [s.start for s in found] == sorted(s.start for s in found)
    assert len({s.location_key for s in found}) == 5, "date-first search spreads over locations"
    assert len({s.start for s in found}) == 5, "never the same minute twice"
    assert found[0].start.date() == date(2026, 11, 23)
    assert found[0].start >= at(date(2026, 11, 23), 9, 30), "lead time of 30 minutes"


def test_location_first_search_spreads_the_offers_over_the_day(port):
    found = port.find_slots(SlotQuery(("personalausweis",), ("altona",), earliest=TUESDAY, latest=TUESDAY,
                                      time_from=time(8), time_to=time(12), limit=5))
    assert len(found) == 5
    assert all(s.location_key == "altona" and s.start.date() == TUESDAY for s in found)
    assert all(8 <= s.start.hour < 12 for s in found)
    gaps = [(b.start - a.start) for a, b in itertools.pairwise(found)]
    assert min(gaps) >= timedelta(minutes=30)


def test_durations_of_several_services_and_persons_add_up(port):
    [found] = port.find_slots(SlotQuery(("personalausweis", "wohnsitz_anmelden"), ("altona",), persons=2, limit=1))
    assert found.end - found.start == timedelta(minutes=(20 + 15) * 2)
    hold = port.hold(found, "family")
    assert hold.slot.end - hold.slot.start == timedelta(minutes=70)


def test_unknown_keys_raise_typed_errors(port):
    with pytest.raises(UnknownService):
        port.find_slots(SlotQuery(("zauberstab",)))
    with pytest.raises(UnknownLocation):
        port.find_slots(SlotQuery(("personalausweis",), ("atlantis",)))
    with pytest.raises(UnknownService):
        port.service("zauberstab")
    with pytest.raises(UnknownLocation):
        port.location("atlantis")


def test_a_service_not_offered_at_a_place_finds_nothing_there_and_cannot_be_held(port):
    assert port.find_slots(SlotQuery(("aufenthaltstitel",), ("volksdorf",))) == []
    assert {location.key for location in port.locations("aufenthaltstitel")} == {"hamburg_mitte", "altona", "wandsbek", "harburg"}
    with pytest.raises(ServiceNotOffered):
        port.hold(slot(port, "volksdorf", at(TUESDAY, 8), "aufenthaltstitel"), "c")


# --- hold, confirm, limits ------------------------------------------------------------------


def test_confirming_a_hold_books_it_with_a_code_to_read_aloud(port):
    offered = port.find_slots(SlotQuery(("personalausweis",), ("altona",), limit=1))[0]
    appointment = book(port, offered)
    assert CODE.match(appointment.code)
    assert (appointment.location_key, appointment.start, appointment.end) == ("altona", offered.start, offered.end)
    assert appointment.status == "confirmed" and appointment.service_keys == ("personalausweis",)
    assert appointment.phone == "+4940123456"
    assert [a.code for a in port.list_appointments()] == [appointment.code]


def test_a_full_slot_is_taken_and_no_longer_offered(port):
    start = at(TUESDAY, 10)
    the_slot = slot(port, "finkenwerder", start)
    port.hold(the_slot, "first")  # finkenwerder: 2 counters, one of them partly reserved
    with pytest.raises(SlotTaken):
        port.hold(the_slot, "second")
    offered = port.find_slots(SlotQuery(("personalausweis",), ("finkenwerder",), earliest=TUESDAY,
                                        latest=TUESDAY, limit=50))
    assert start not in {s.start for s in offered}
    assert offered, "the rest of the day is still offered"


def test_an_expired_hold_frees_its_slot_and_cannot_be_confirmed(port, clock):
    the_slot = slot(port, "finkenwerder", at(TUESDAY, 10))
    hold = port.hold(the_slot, "slow")
    clock.advance(minutes=11)
    other = port.hold(the_slot, "fast")
    with pytest.raises(HoldExpired):
        port.confirm(hold.hold_id, Contact("Langsam", "040 111111"))
    assert book_hold(port, other).start == the_slot.start


def book_hold(port, hold, phone="040 222222"):
    return port.confirm(hold.hold_id, Contact("Schnell", phone))


def test_an_unknown_hold_is_reported(port):
    with pytest.raises(HoldNotFound):
        port.confirm("no-such-hold", Contact("X", "040 1"))


def test_releasing_holds_keeps_the_chosen_one_and_frees_the_others(port):
    offered = port.find_slots(SlotQuery(("personalausweis",), ("finkenwerder",), limit=3))
    holds = [port.hold(s, "conv") for s in offered]
    assert port.release_holds("conv", keep=holds[1].hold_id) == 2
    book_hold(port, holds[1])
    with pytest.raises(HoldNotFound):
        book_hold(port, holds[0])
    assert port.release_holds("conv") == 0


def test_one_conversation_cannot_hoard_slots(port):
    offered = port.find_slots(SlotQuery(("personalausweis",), limit=6))
    for s in offered[:5]:
        port.hold(s, "hoarder")
    with pytest.raises(HoldLimitReached):
        port.hold(offered[5], "hoarder")
    port.hold(offered[5], "someone-else")


def test_one_phone_number_books_at_most_two_future_appointments_per_service(port):
    offered = port.find_slots(SlotQuery(("personalausweis",), limit=3))
    book(port, offered[0], "a", phone="040 123456")
    book(port, offered[1], "b", phone="+49 40 123456")
    with pytest.raises(AppointmentLimitReached):
        book(port, offered[2], "c", phone="0049 (40) 12 34 56")
    other_service = port.find_slots(SlotQuery(("meldebescheinigung",), limit=1))[0]
    assert book(port, other_service, "d", phone="040123456").status == "confirmed"
    assert book(port, offered[2], "e", phone="040 999999").status == "confirmed"


def test_outside_the_booking_window_and_the_opening_hours_nothing_can_be_held(port):
    with pytest.raises(OutsideBookingWindow):
        port.hold(slot(port, "altona", at(date(2026, 11, 23), 9, 10)), "c")  # less than 30 min ahead
    with pytest.raises(OutsideBookingWindow):
        port.hold(slot(port, "altona", at(date(2026, 11, 23) + timedelta(days=91), 10)), "c")
    with pytest.raises(LocationClosed):
        port.hold(slot(port, "altona", at(date(2026, 12, 25), 10)), "c")  # Christmas
    with pytest.raises(LocationClosed):
        port.hold(slot(port, "altona", at(TUESDAY, 17, 50)), "c")  # runs past closing time
    with pytest.raises(LocationClosed):
        port.hold(slot(port, "altona", at(TUESDAY, 10, 2)), "c")  # not on the grid


# --- capacity reserves ----------------------------------------------------------------------


def _holds_at(port, location, start, service, channel, limit=20):
    count = 0
    for n in range(limit):
        try:
            port.hold(slot(port, location, start, service), f"{channel}-{service}-{n}", channel)
        except SlotTaken:
            break
        count += 1
    return count


def test_the_phone_quota_is_bookable_only_by_phone(port):
    start = at(TUESDAY, 10)
    chat = _holds_at(port, "hamburg_mitte", start, "personalausweis", "chat")
    phone = _holds_at(port, "hamburg_mitte", start, "personalausweis", "phone")
    # 10 counters: 10 % walk-in reserve = counter 10, 20 % phone quota = counters 8 and 9
    assert (chat, phone) == (7, 2)


def test_the_walk_in_reserve_is_left_to_express_services(port):
    start = at(TUESDAY, 10)
    assert _holds_at(port, "hamburg_mitte", start, "personalausweis", "chat") == 7
    assert _holds_at(port, "hamburg_mitte", start, "meldebescheinigung", "chat") == 1  # express: counter 10


# --- find, cancel, reschedule ---------------------------------------------------------------


def test_an_appointment_is_found_with_the_code_in_any_spelling_and_the_phone_number(port):
    appointment = book(port, port.find_slots(SlotQuery(("reisepass",), limit=1))[0], phone="040 123456")
    sloppy = appointment.code.lower().replace("-", " ")
    assert port.find_appointment(sloppy, "+4940123456").code == appointment.code
    with pytest.raises(VerificationFailed):
        port.find_appointment(appointment.code, "040 654321")
    with pytest.raises(CodeUnknown):
        port.find_appointment("AAA-AAA", "040 123456")
    with pytest.raises(CodeUnknown):
        port.find_appointment("nonsense", "040 123456")


def test_cancelling_frees_the_slot_and_is_idempotent(port):
    the_slot = slot(port, "finkenwerder", at(TUESDAY, 10))
    appointment = book(port, the_slot)
    with pytest.raises(SlotTaken):
        port.hold(the_slot, "waiting")
    assert port.cancel(appointment.code, "040123456").status == "cancelled"
    assert port.cancel(appointment.code, "040123456").status == "cancelled"
    assert port.hold(the_slot, "waiting").slot.start == the_slot.start
    assert [a.status for a in port.list_appointments()] == ["cancelled"]


def test_erasing_a_contact_strips_cancelled_and_past_appointments_and_keeps_upcoming_ones(port, clock):
    upcoming = book(port, slot(port, "finkenwerder", at(TUESDAY, 10)), "a")
    cancelled = book(port, slot(port, "altona", at(TUESDAY, 11)), "b")
    someone_else = book(port, slot(port, "altona", at(TUESDAY, 12)), "c", phone="040 999999")
    port.cancel(cancelled.code, "040 123456")

    erasure = port.erase_contact("+49 40 123456")  # any spelling of the number
    assert (erasure.anonymised, erasure.kept_upcoming) == (1, (upcoming.code,))
    by_code = {a.code: a for a in port.list_appointments()}
    assert (by_code[cancelled.code].contact_name, by_code[cancelled.code].phone) == ("", None)
    assert by_code[cancelled.code].start == at(TUESDAY, 11) and by_code[cancelled.code].status == "cancelled"
    assert by_code[upcoming.code].contact_name == "Anna Schulz" and by_code[upcoming.code].phone == "+4940123456"
    assert by_code[someone_else.code].phone == "+4940999999"
    with pytest.raises(VerificationFailed):
        port.find_appointment(cancelled.code, "040 123456")

    clock.advance(days=9)  # the upcoming one (Tuesday 10:00) has taken place
    assert port.erase_contact("040123456") == type(erasure)(1, ())
    assert port.appointment(upcoming.code).phone is None
    assert port.erase_contact("040123456").anonymised == 0
    assert port.erase_contact("kein Telefon").anonymised == 0
    assert port.appointment(someone_else.code).contact_name == "Anna Schulz"


def test_retention_erases_the_contacts_of_appointments_ended_before_the_cutoff_and_keeps_the_rows(port, clock):
    early = book(port, slot(port, "finkenwerder", at(TUESDAY, 10)), "a")
    cancelled = book(port, slot(port, "altona", at(TUESDAY, 11)), "b", phone="040 999999")
    port.cancel(cancelled.code, "040 999999")
    later = book(port, slot(port, "altona", at(TUESDAY + timedelta(days=1), 12)), "c")
    assert port.erase_contacts_ended_before(at(TUESDAY, 10)) == 0  # nothing has ended yet

    erased = port.erase_contacts_ended_before(at(TUESDAY, 23))
    assert erased == 2
    by_code = {a.code: a for a in port.list_appointments()}
    assert len(by_code) == 3, "the rows stay for the statistics"
    for code in (early.code, cancelled.code):
        assert (by_code[code].contact_name, by_code[code].phone) == ("", None)
    assert by_code[early.code].start == at(TUESDAY, 10) and by_code[early.code].status == "confirmed"
    assert by_code[cancelled.code].status == "cancelled"
    assert (by_code[later.code].contact_name, by_code[later.code].phone) == ("Anna Schulz", "+4940123456")
    assert port.erase_contacts_ended_before(at(TUESDAY, 23)) == 0, "idempotent"


def test_rescheduling_keeps_the_code_and_frees_the_old_slot(port):
    old = slot(port, "finkenwerder", at(TUESDAY, 10))
    appointment = book(port, old)
    new_hold = port.hold(slot(port, "altona", at(TUESDAY, 15)), "move")
    moved = port.reschedule(appointment.code, "040 123456", new_hold.hold_id)
    assert moved.code == appointment.code
    assert (moved.location_key, moved.start) == ("altona", at(TUESDAY, 15))
    assert port.find_appointment(appointment.code, "040 123456").start == at(TUESDAY, 15)
    assert len(port.list_appointments()) == 1
    port.hold(old, "someone")  # the old slot is free again


def test_a_failed_reschedule_leaves_the_old_appointment_untouched(port, clock):
    old = slot(port, "finkenwerder", at(TUESDAY, 10))
    appointment = book(port, old)
    hold = port.hold(slot(port, "altona", at(TUESDAY, 15)), "move")
    with pytest.raises(VerificationFailed):
        port.reschedule(appointment.code, "040 000000", hold.hold_id)
    with pytest.raises(HoldNotFound):
        port.reschedule(appointment.code, "040 123456", "no-such-hold")
    clock.advance(minutes=11)
    with pytest.raises(HoldExpired):
        port.reschedule(appointment.code, "040 123456", hold.hold_id)
    kept = port.find_appointment(appointment.code, "040 123456")
    assert (kept.location_key, kept.start, kept.status) == ("finkenwerder", old.start, "confirmed")
    with pytest.raises(SlotTaken):
        port.hold(old, "someone")


def test_a_cancelled_appointment_cannot_be_moved(port):
    appointment = book(port, slot(port, "altona", at(TUESDAY, 10)))
    port.cancel(appointment.code, "040 123456")
    hold = port.hold(slot(port, "altona", at(TUESDAY, 11)), "move")
    with pytest.raises(AppointmentNotActive):
        port.reschedule(appointment.code, "040 123456", hold.hold_id)


def test_listing_filters_by_day(port):
    book(port, slot(port, "altona", at(TUESDAY, 10)), "a", phone="040 1111111")
    book(port, slot(port, "altona", at(date(2026, 12, 2), 10)), "b", phone="040 2222222")
    assert [a.start.date() for a in port.list_appointments()] == [TUESDAY, date(2026, 12, 2)]
    assert [a.start.date() for a in port.list_appointments(start=date(2026, 12, 2))] == [date(2026, 12, 2)]
    assert [a.start.date() for a in port.list_appointments(end=TUESDAY)] == [TUESDAY]


# --- reads for reports and monitoring -------------------------------------------------------


def test_the_history_lists_bookings_moves_and_cancellations_in_order(port, clock):
    start = port.now()
    first = book(port, slot(port, "finkenwerder", at(TUESDAY, 10)), "a", phone="040 1111111", channel="phone")
    clock.advance(minutes=1)
    hold = port.hold(slot(port, "altona", at(TUESDAY, 15), "personalausweis"), "move", "chat")
    port.reschedule(first.code, "040 1111111", hold.hold_id)
    clock.advance(minutes=1)
    second = book(port, slot(port, "altona", at(TUESDAY, 11)), "b", phone="040 2222222")
    clock.advance(minutes=1)
    port.cancel(second.code, "040 2222222")

    events = port.history()
    assert [(e.action, e.code, e.channel) for e in events] == [
        ("booked", first.code, "phone"), ("rescheduled", first.code, "chat"),
        ("booked", second.code, "chat"), ("cancelled", second.code, "chat"),
    ]
    assert events[0].at == start and events[0].at.tzinfo is not None
    assert (events[0].location_key, events[0].start) == ("finkenwerder", at(TUESDAY, 10))
    assert (events[1].location_key, events[1].start) == ("altona", at(TUESDAY, 15)), "where it moved to"
    assert events[2].service_keys == ("personalausweis",)
    assert [e.action for e in port.history(since=start + timedelta(minutes=2))] == ["booked", "cancelled"]


def test_open_holds_are_counted_until_they_expire_or_are_booked(port, clock):
    assert port.count_open_holds(port.now()) == 0
    port.hold(slot(port, "altona", at(TUESDAY, 10)), "a")
    kept = port.hold(slot(port, "altona", at(TUESDAY, 11)), "b")
    assert port.count_open_holds(port.now()) == 2
    port.confirm(kept.hold_id, Contact("Anna Schulz", "040 123456"))
    assert port.count_open_holds(port.now()) == 1
    assert port.count_open_holds(port.now() + timedelta(minutes=11)) == 0, "expired by then"


def test_every_location_tells_its_counters(port):
    assert port.counters("finkenwerder") == 2
    assert all(port.counters(location.key) >= 1 for location in port.locations())
    with pytest.raises(UnknownLocation):
        port.counters("atlantis")


# --- registration deadline ------------------------------------------------------------------


def test_the_registration_deadline_is_fourteen_days_after_moving_in(port):
    result = port.move_deadline(date(2026, 11, 20))
    assert result.deadline == date(2026, 12, 4)
    assert result.can_meet_deadline
    assert all(s.start.date() <= date(2026, 12, 4) for s in result.slots_before_deadline)
    assert all(s.service_keys == ("wohnsitz_anmelden",) for s in result.slots_before_deadline)
    assert result.earliest_slot == result.slots_before_deadline[0]


def test_a_missed_deadline_still_names_the_earliest_slot(port):
    result = port.move_deadline(date(2026, 10, 1))
    assert result.deadline == date(2026, 10, 15)
    assert not result.can_meet_deadline
    assert result.earliest_slot is not None and result.earliest_slot.start.date() == date(2026, 11, 23)


def test_a_future_move_is_searched_from_the_moving_day(port):
    result = port.move_deadline(date(2026, 12, 7), location_keys=["volksdorf"])
    assert result.deadline == date(2026, 12, 21)
    assert result.slots_before_deadline
    assert all(date(2026, 12, 7) <= s.start.date() <= date(2026, 12, 21) for s in result.slots_before_deadline)
    assert {s.start.weekday() for s in result.slots_before_deadline} <= {1, 3}  # Tue/Thu mobile team
