"""booking_adapter/integrity.py and `python -m booking_adapter check` on real databases."""
from __future__ import annotations

import json

from sqlalchemy import text

from booking_adapter.cli import main
from booking_adapter.integrity import check_integrity
from booking_adapter.port import Contact, SlotQuery
from common.settings import Settings


def _book(port, phone: str):
    slot = port.find_slots(SlotQuery(("personalausweis",), limit=1))[0]
    return port.confirm(port.hold(slot, f"c-{phone}").hold_id, Contact("Anna Schulz", phone))


def test_a_consistent_store_lists_each_confirmed_booking_once(port):
    first, second = _book(port, "040 111111"), _book(port, "040 222222")
    port.cancel(second.code, "040 222222")
    found = check_integrity(port.engines.read)
    assert found.ok
    assert [code for code, _ in found.confirmed] == [first.code]
    assert found.half_written == 0 and found.double_cells == 0


def test_a_booking_that_lost_its_cells_or_services_is_reported_half_written(port):
    broken_cells, broken_services = _book(port, "040 111111"), _book(port, "040 222222")
    with port.engines.write.begin() as connection:
        connection.execute(text("DELETE FROM booking_occupancy WHERE appointment_id = "
                                "(SELECT id FROM booking_appointments WHERE code = :c)"), {"c": broken_cells.code})
        connection.execute(text("DELETE FROM booking_appointment_services WHERE appointment_id = "
                                "(SELECT id FROM booking_appointments WHERE code = :c)"), {"c": broken_services.code})
    found = check_integrity(port.engines.read)
    assert (found.without_cells, found.without_services, found.half_written) == (1, 1, 2)
    assert not found.ok


def test_the_command_line_check_exits_1_when_the_store_is_broken(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'check.db'}"
    settings = Settings.from_env({"BOOKING_DATABASE_URL": url, "ASSISTANT_NOW": "2026-11-23T09:00:00+01:00"})
    assert main(["seed"], settings) == 0
    capsys.readouterr()
    assert main(["check", "--json"], settings) == 0
    assert json.loads(capsys.readouterr().out) == {"confirmed": 0, "without_cells": 0, "without_services": 0,
                                                   "double_cells": 0, "ok": True}
    from booking_adapter.bootstrap import build_booking_port

    port = build_booking_port(settings)
    try:
        booked = _book(port, "040 123456")
        with port.engines.write.begin() as connection:
            connection.execute(text("DELETE FROM booking_occupancy"))
    finally:
        port.close()
    assert main(["check"], settings) == 1
    out = capsys.readouterr().out
    assert "1 confirmed appointments; without cells 1" in out and "NOT consistent" in out
    assert booked.code not in out and "123456" not in out  # no personal data on the screen
