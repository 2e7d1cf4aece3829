"""Booking store benchmark at city scale, on SQLite and PostgreSQL.

    .venv/bin/python bench/booking_bench.py [--backend sqlite|postgresql|both] [--searches N]
                                            [--seconds S] [--workers W]

For each backend: a fresh store with every location, 90 days ahead, about a third of the
bookable counter time already booked; then
  1. p50/p95 of the date-first earliest-slot search across all locations (and the share of it
     spent fetching occupancy from the database),
  2. the same from a random day within the booking window,
  3. confirmed bookings per second with W concurrent worker processes (search, hold, confirm).
Runs a few minutes at most. PostgreSQL must answer (scripts/ensure_services.sh); the bench
creates and drops its own database.
"""
from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from booking_adapter.catalogue import default_catalogue  # noqa: E402
from booking_adapter.db import create_engines  # noqa: E402
from booking_adapter.models import AppointmentRow, AppointmentServiceRow, OccupancyRow  # noqa: E402
from booking_adapter.policies import Policies  # noqa: E402
from booking_adapter.port import Contact, SlotQuery, SlotTaken  # noqa: E402
from booking_adapter.seed import seed  # noqa: E402
from booking_adapter.slots import CellClass, unit_start  # noqa: E402
from booking_adapter.sqlalchemy_port import SqlAlchemyBookingPort  # noqa: E402
from common.booking_code import ALPHABET  # noqa: E402
from common.clock import BERLIN, fixed_clock  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
DAYS = 90
BOOKED_SHARE = 1 / 3
BLOCK = 4  # existing bookings are 20 minutes long
SERVICES = ("personalausweis", "reisepass", "wohnsitz_anmelden", "meldebescheinigung", "fuehrungszeugnis")
ADMIN_URLS = ("postgresql+psycopg://root@127.0.0.1:5432/postgres",
              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def make_port(url: str) -> SqlAlchemyBookingPort:
    return SqlAlchemyBookingPort(create_engines(url), default_catalogue(), fixed_clock(NOW), Policies())


def code_for(number: int) -> str:
    symbols = []
    for _ in range(6):
        number, digit = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[digit])
    raw = "".join(reversed(symbols))
    return f"{raw[:3]}-{raw[3:]}"


def fill(url: str, seed_value: int = 42) -> tuple[int, int, float, float]:
    """Book about a third of every location's open counter time for DAYS days, in bulk."""
    started = time.perf_counter()
    rng = random.Random(seed_value)
    port = make_port(url)
    catalogue = port.catalogue
    appointments, services, cells = [], [], []
    total_cells = 0
    next_id = 1
    for location in catalogue.locations.values():
        offered = [k for k in SERVICES if k in location.location.service_keys]
        for offset in range(DAYS):
            grid = port._grid(location, NOW.date() + timedelta(days=offset))
            if not grid.size:
                continue
            total_cells += bin(grid.open_mask).count("1") * grid.counters
            for counter, masks in enumerate(grid.class_masks, start=1):
                bookable = masks[CellClass.OPEN] | masks[CellClass.PHONE]
                for bit in range(0, grid.size - BLOCK + 1, BLOCK):
                    run = ((1 << BLOCK) - 1) << bit
                    if bookable & run != run or rng.random() >= BOOKED_SHARE * 1.2:
                        continue
                    unit = grid.first_unit + bit
                    start, end = unit_start(unit), unit_start(unit + BLOCK)
                    appointments.append({
                        "id": next_id, "code": code_for(next_id * 7919), "location_key": location.key,
                        "counter": counter, "start_at": start, "end_at": end, "persons": 1,
                        "status": "confirmed", "channel": rng.choice(("chat", "phone")),
                        "contact_name": "Bench", "phone": f"+4940{next_id:08d}", "email": None,
                        "created_at": NOW, "updated_at": NOW, "cancelled_at": None})
                    services.append({"appointment_id": next_id, "position": 0, "service_key": rng.choice(offered)})
                    cells.extend({"location_key": location.key, "unit": u, "counter": counter,
                                  "appointment_id": next_id, "hold_id": None, "expires_at": None}
                                 for u in range(unit, unit + BLOCK))
                    next_id += 1
    with port.engines.write.begin() as connection:
        for table, rows in ((AppointmentRow, appointments), (AppointmentServiceRow, services),
                            (OccupancyRow, cells)):
            for chunk in range(0, len(rows), 5000):
                connection.execute(insert(table), rows[chunk:chunk + 5000])
        if not port.engines.is_sqlite:  # explicit ids: move the sequences past them
            for table in ("booking_appointments", "booking_occupancy"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (literal table names)
                                        f"(SELECT MAX(id) FROM {table}))"))
            connection.execute(text("ANALYZE"))
    if port.engines.is_sqlite:
        with port.engines.write.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    port.close()
    return len(appointments), len(cells), len(cells) / total_cells, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def search_bench(url: str, searches: int, random_day: bool) -> dict:
    port = make_port(url)
    rng = random.Random(7)
    db_time = [0.0]
    original = port._occupied

    def timed_occupied(*args, **kwargs):
        started = time.perf_counter()
        rows = original(*args, **kwargs)
        db_time[0] += time.perf_counter() - started
        return rows

    port._occupied = timed_occupied  # measure the database share of each search
    port.warm_up()  # day grids for the whole window, as a running server has them
    for _ in range(20):  # warm up: statement cache, connection pool
        port.find_slots(SlotQuery((rng.choice(SERVICES),), limit=5))
    times, db_shares, days_scanned = [], [], []
    for _ in range(searches):
        earliest = NOW.date() + timedelta(days=rng.randrange(DAYS - 7)) if random_day else None
        query = SlotQuery((rng.choice(SERVICES),), earliest=earliest, limit=5)
        db_time[0] = 0.0
        started = time.perf_counter()
        found = port.find_slots(query)
        elapsed = time.perf_counter() - started
        times.append(elapsed * 1000)
        db_shares.append(db_time[0] / elapsed)
        if len(found) != 5:
            raise RuntimeError("the city always has five free places")
        days_scanned.append((found[-1].start.date() - (earliest or NOW.date())).days + 1)
    port.close()
    return {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95), "max": max(times),
            "db_share": statistics.mean(db_shares), "days": statistics.mean(days_scanned)}


def booking_worker(url: str, worker: int, seconds: float, start_at: float) -> tuple[int, int, float]:
    """Search, hold and confirm in a loop; returns (confirmed, slot_taken, busy seconds)."""
    port = make_port(url)
    rng = random.Random(1000 + worker)
    locations = list(port.catalogue.locations)
    port.warm_up()
    while time.time() < start_at:
        time.sleep(0.01)
    confirmed = taken = 0
    deadline = time.perf_counter() + seconds
    attempt = 0
    while time.perf_counter() < deadline:
        attempt += 1
        service = rng.choice(SERVICES)
        wanted = (rng.choice(locations),) if rng.random() < 0.5 else None
        earliest = NOW.date() + timedelta(days=rng.randrange(0, 21))
        try:
            offers = port.find_slots(SlotQuery((service,), wanted, earliest=earliest, limit=3))
        except Exception:  # noqa: S112 (a location without this service: nothing to measure there)
            continue
        for offer in offers:
            try:
                hold = port.hold(offer, f"bench-{worker}-{attempt}")
            except SlotTaken:
                taken += 1
                continue
            port.confirm(hold.hold_id, Contact("Bench", f"+4917{worker:02d}{attempt:07d}"))
            confirmed += 1
            break
    port.close()
    return confirmed, taken, seconds


def step_breakdown(url: str, bookings: int = 60) -> dict:
    """Mean milliseconds of each step of one booking, in a single worker."""
    port = make_port(url)
    port.warm_up()
    rng = random.Random(99)
    steps = {"search": [], "hold": [], "confirm": []}
    for n in range(bookings):
        started = time.perf_counter()
        offers = port.find_slots(SlotQuery((rng.choice(SERVICES),),
                                           earliest=NOW.date() + timedelta(days=rng.randrange(21)), limit=3))
        held = time.perf_counter()
        hold = port.hold(offers[0], f"steps-{n}")
        confirming = time.perf_counter()
        port.confirm(hold.hold_id, Contact("Bench", f"+4916{n:08d}"))
        done = time.perf_counter()
        steps["search"].append(held - started)
        steps["hold"].append(confirming - held)
        steps["confirm"].append(done - confirming)
    port.close()
    return {name: statistics.mean(values) * 1000 for name, values in steps.items()}


def booking_bench(url: str, workers: int, seconds: float) -> dict:
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 5.0
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(booking_worker, url, w, seconds, start_at) for w in range(workers)]
        results = [f.result() for f in futures]
    confirmed = sum(r[0] for r in results)
    taken = sum(r[1] for r in results)
    return {"confirmed": confirmed, "per_second": confirmed / seconds, "slot_taken": taken}


def check_invariants(url: str) -> None:
    engines = create_engines(url)
    try:
        with engines.read.connect() as connection:
            overlaps = connection.execute(text(
                "SELECT COUNT(*) FROM booking_appointments a JOIN booking_appointments b "
                "ON a.id < b.id AND a.location_key = b.location_key AND a.counter = b.counter "
                "AND a.start_at < b.end_at AND b.start_at < a.end_at "
                "WHERE a.status = 'confirmed' AND b.status = 'confirmed' AND a.start_at >= :since"),
                {"since": NOW}).scalar()
    finally:
        engines.dispose()
    if overlaps:
        raise RuntimeError(f"{overlaps} overlapping appointments")


def postgres_database() -> tuple[str, str]:
    for admin in ADMIN_URLS:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                name = f"booking_bench_{uuid.uuid4().hex[:10]}"
                connection.execute(text(f'CREATE DATABASE "{name}"'))
                return admin, make_url(admin).set(database=name).render_as_string(hide_password=False)
        except Exception:  # noqa: S112 (this admin URL does not answer: try the next)
            continue
        finally:
            engine.dispose()
    raise SystemExit("PostgreSQL does not answer; run scripts/ensure_services.sh")


def drop_postgres_database(admin: str, url: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        engine.dispose()


def run_backend(name: str, url: str, args) -> dict:
    engines = create_engines(url)
    try:
        seed(engines, default_catalogue())
    finally:
        engines.dispose()
    appointments, cells, share, fill_seconds = fill(url)
    print(f"[{name}] filled {appointments} appointments / {cells} cells ({share:.0%} of open counter time) "
          f"in {fill_seconds:.1f} s", flush=True)
    earliest = search_bench(url, args.searches, random_day=False)
    print(f"[{name}] earliest-slot search, all locations: p50 {earliest['p50']:.1f} ms, "
          f"p95 {earliest['p95']:.1f} ms, max {earliest['max']:.1f} ms, "
          f"database {earliest['db_share']:.0%} of it", flush=True)
    anyday = search_bench(url, args.searches, random_day=True)
    print(f"[{name}] search from a random day:        p50 {anyday['p50']:.1f} ms, "
          f"p95 {anyday['p95']:.1f} ms, max {anyday['max']:.1f} ms, "
          f"database {anyday['db_share']:.0%} of it", flush=True)
    steps = step_breakdown(url)
    print(f"[{name}] one booking, single worker: search {steps['search']:.1f} ms, hold {steps['hold']:.1f} ms, "
          f"confirm {steps['confirm']:.1f} ms", flush=True)
    booking = booking_bench(url, args.workers, args.seconds)
    print(f"[{name}] {args.workers} workers booking for {args.seconds:.0f} s: {booking['confirmed']} confirmed, "
          f"{booking['per_second']:.1f} bookings/s ({booking['slot_taken']} lost races -> SlotTaken)", flush=True)
    check_invariants(url)
    return {"earliest": earliest, "anyday": anyday, "booking": booking}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    print(f"booking bench: {len(default_catalogue().locations)} locations, {DAYS} days, "
          f"~{BOOKED_SHARE:.0%} booked, now = {NOW.isoformat()}, {multiprocessing.cpu_count()} CPUs", flush=True)
    results = {}
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"] = run_backend("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", args)
    if args.backend in ("postgresql", "both"):
        admin, url = postgres_database()
        try:
            results["postgresql"] = run_backend("postgresql", url, args)
        finally:
            drop_postgres_database(admin, url)
    print("\n| backend | search p50 | search p95 | random-day p95 | DB share | bookings/s |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['earliest']['p50']:.1f} ms | {r['earliest']['p95']:.1f} ms | "
              f"{r['anyday']['p95']:.1f} ms | {r['earliest']['db_share']:.0%} | {r['booking']['per_second']:.1f} |")


if __name__ == "__main__":
    main()
