"""The store itself: migrations, seeding, constraints, UTC storage and the command line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from booking_adapter.bootstrap import build_booking_port, seed_store
from booking_adapter.catalogue import default_catalogue
from booking_adapter.cli import main
from booking_adapter.db import create_engines
from booking_adapter.migrate import current_revision, head_revision, upgrade
from booking_adapter.models import AppointmentRow, Base, LocationRow, OccupancyRow, ServiceRow
from booking_adapter.port import Contact, SlotQuery
from booking_adapter.seed import seed
from common.clock import BERLIN
from common.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
NOW = "2026-11-23T09:00:00+01:00"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sub' / 'dir' / 'booking.db'}"
    return request.getfixturevalue("fresh_postgres_url")


def test_seed_creates_the_schema_and_catalogue_and_can_run_again(empty_url):
    settings = Settings.from_env({"BOOKING_DATABASE_URL": empty_url, "ASSISTANT_NOW": NOW})
    first = seed_store(settings)
    second = seed_store(settings)
    assert first.revision == second.revision == head_revision()
    assert (first.locations, first.services) == (second.locations, second.services) == (17, 12)
    engines = create_engines(empty_url)
    try:
        assert current_revision(engines.read) == head_revision()
        with engines.read.connect() as connection:
            counters = connection.execute(select(LocationRow.counters).where(LocationRow.key == "hamburg_mitte")).scalar()
            fee = connection.execute(select(ServiceRow.fee).where(ServiceRow.key == "personalausweis")).scalar()
        assert counters == 10 and fee.startswith("37,00 Euro")
    finally:
        engines.dispose()


def test_the_migrations_match_the_models(empty_url):
    engines = create_engines(empty_url)
    try:
        upgrade(engines.write)
        with engines.read.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert [d for d in differences if "alembic_version" not in str(d)] == []
    finally:
        engines.dispose()


def test_the_schema_can_be_downgraded_and_upgraded_again(tmp_path):
    engines = create_engines(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        upgrade(engines.write)
        upgrade_to_base = __import__("alembic.command", fromlist=["downgrade"]).downgrade
        from booking_adapter.migrate import alembic_config

        config = alembic_config()
        with engines.write.begin() as connection:
            config.attributes["connection"] = connection
            upgrade_to_base(config, "base")
        with engines.read.connect() as connection:
            tables = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        assert not {t for t in tables if t.startswith("booking_") and t != "booking_alembic_version"}
        seed(engines, default_catalogue())
        assert current_revision(engines.read) == head_revision()
    finally:
        engines.dispose()


def test_the_database_refuses_a_second_owner_for_a_cell(port):
    appointment = port.confirm(port.hold(port.find_slots(SlotQuery(("personalausweis",), limit=1))[0], "c").hold_id,
                               Contact("Anna", "040 123456"))
    with port.engines.write.begin() as connection:
        row = connection.execute(select(OccupancyRow.location_key, OccupancyRow.unit, OccupancyRow.counter,
                                        OccupancyRow.appointment_id)).first()
    with pytest.raises(IntegrityError), port.engines.write.begin() as connection:
        connection.execute(insert(OccupancyRow).values(location_key=row[0], unit=row[1], counter=row[2],
                                                       appointment_id=row[3]))
    with pytest.raises(IntegrityError), port.engines.write.begin() as connection:
        connection.execute(insert(OccupancyRow).values(location_key=row[0], unit=row[1] + 1000, counter=1))
    with pytest.raises(IntegrityError), port.engines.write.begin() as connection:
        connection.execute(text("UPDATE booking_appointments SET status = 'verschollen'"))
    assert port.appointment(appointment.code).status == "confirmed"


def test_times_are_stored_in_utc_and_come_back_aware(port):
    offered = port.find_slots(SlotQuery(("personalausweis",), ("altona",), limit=1))[0]
    appointment = port.confirm(port.hold(offered, "c").hold_id, Contact("Anna", "040 123456"))
    with port.engines.read.connect() as connection:
        if port.engines.is_sqlite:
            raw = connection.exec_driver_sql("SELECT start_at FROM booking_appointments").scalar()
            assert raw.startswith(offered.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M"))
        else:
            raw = connection.exec_driver_sql("SELECT start_at AT TIME ZONE 'UTC' FROM booking_appointments").scalar()
            assert raw == offered.start.astimezone(UTC).replace(tzinfo=None)
        stored = connection.execute(select(AppointmentRow.start_at)).scalar()
    assert stored.tzinfo is not None and stored == offered.start
    assert appointment.start.tzinfo is not None and appointment.start.utcoffset() == timedelta(hours=1)


def test_build_booking_port_wires_settings_without_touching_the_database_at_import(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'booking.db'}"
    settings = Settings.from_env({"BOOKING_DATABASE_URL": url, "ASSISTANT_NOW": NOW, "HOLD_MINUTES": "3",
                                  "BOOKING_WINDOW_DAYS": "14"})
    seed_store(settings)
    port = build_booking_port(settings)
    try:
        assert port.now() == datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
        assert port.policies.hold_minutes == 3 and port.policies.booking_window_days == 14
        hold = port.hold(port.find_slots(SlotQuery(("reisepass",), limit=1))[0], "c")
        assert hold.expires_at == datetime(2026, 11, 23, 9, 3, tzinfo=BERLIN)
        assert (tmp_path / "nested" / "booking.db").exists()
    finally:
        port.close()


def test_importing_the_package_opens_no_database(tmp_path):
    code = ("import booking_adapter.bootstrap, booking_adapter.cli, booking_adapter.memory, "
            "booking_adapter.sqlalchemy_port, sqlalchemy.pool as p; import gc; "
            "from sqlalchemy.engine import Engine; "
            "print(sum(isinstance(o, Engine) for o in gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


# --- the command line -----------------------------------------------------------------------


def cli(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`python -m booking_adapter ...` in its own process."""
    env = {**os.environ, "BOOKING_DATABASE_URL": url, "ASSISTANT_NOW": NOW, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "booking_adapter", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=check)


def test_the_command_line_seeds_and_prints_slots_and_appointments_as_json(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert "17 locations" in cli(url, "seed").stdout
    assert "17 locations" in cli(url, "seed").stdout, "seed is safe to run at every start"
    slots = json.loads(cli(url, "slots", "--service", "personalausweis", "--json").stdout)
    assert len(slots) == 5 and slots[0]["start"] == "2026-11-23T09:30:00+01:00"
    assert set(slots[0]) == {"location_key", "location_name", "start", "end", "service_keys", "persons"}
    assert json.loads(cli(url, "list", "--json").stdout) == []


def test_the_command_line_lists_shows_and_cancels(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    settings = Settings.from_env({"BOOKING_DATABASE_URL": url, "ASSISTANT_NOW": NOW})

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args), settings)
        out = capsys.readouterr()
        return code, out.out, out.err

    assert run("seed")[0] == 0
    only_altona = json.loads(run("slots", "--service", "reisepass", "--location", "altona",
                                 "--from", "2026-12-01", "--limit", "3", "--json")[1])
    assert [s["location_key"] for s in only_altona] == ["altona"] * 3
    assert only_altona[0]["start"] == "2026-12-01T08:00:00+01:00"
    assert all(s["start"] >= "2026-12-01" for s in only_altona)

    port = build_booking_port(settings)
    try:
        booked = port.confirm(port.hold(port.find_slots(SlotQuery(("reisepass",), ("altona",), limit=1))[0],
                                        "c").hold_id, Contact("Anna Schulz", "040 123456"))
    finally:
        port.close()

    [listed] = json.loads(run("list", "--json")[1])
    assert listed["code"] == booked.code and listed["service_keys"] == ["reisepass"]
    assert listed["location_key"] == "altona" and listed["status"] == "confirmed"
    assert datetime.fromisoformat(listed["start"]) == booked.start
    assert json.loads(run("show", booked.code.lower().replace("-", ""), "--json")[1])["code"] == booked.code
    code, _, err = run("cancel", booked.code, "--verification", "040 999999")
    assert code == 2 and "verification_failed" in err
    cancelled = json.loads(run("cancel", booked.code, "--verification", "+49 40 123456", "--json")[1])
    assert cancelled["status"] == "cancelled"
    assert run("show", "AAA-AAA")[0] == 2
    assert booked.code in run("list")[1]
