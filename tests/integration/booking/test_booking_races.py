"""Many writers on the same few slots, as threads and as processes, on SQLite and PostgreSQL:
capacity is never exceeded and every confirmed booking is stored exactly once."""
from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from sqlalchemy import text

from booking_adapter.db import create_engines
from tests.integration.booking.race_worker import book_targets

# Finkenwerder has 2 counters; on counter 2 the first 35 minutes of each hour are reserved
# (walk-ins, phone). For a 20-minute chat booking that leaves 1 + 1 + 2 places.
TARGETS = [
    ("finkenwerder", "2026-12-01T10:00:00+01:00"),
    ("finkenwerder", "2026-12-01T10:20:00+01:00"),
    ("finkenwerder", "2026-12-01T10:40:00+01:00"),
]
CAPACITY = 4


def _stored(url: str) -> dict:
    engines = create_engines(url)
    try:
        with engines.read.connect() as connection:
            codes = [row[0] for row in connection.execute(text(
                "SELECT code FROM booking_appointments WHERE status = 'confirmed'"))]
            per_cell = connection.execute(text(
                "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM booking_occupancy "
                "GROUP BY location_key, unit) AS cells")).scalar()
            double = connection.execute(text(
                "SELECT COUNT(*) FROM booking_appointments a JOIN booking_appointments b "
                "ON a.id < b.id AND a.location_key = b.location_key AND a.counter = b.counter "
                "AND a.start_at < b.end_at AND b.start_at < a.end_at")).scalar()
            cells = connection.execute(text(
                "SELECT a.code, COUNT(o.id) FROM booking_appointments a "
                "LEFT JOIN booking_occupancy o ON o.appointment_id = a.id GROUP BY a.code")).all()
            held = connection.execute(text("SELECT COUNT(*) FROM booking_holds")).scalar()
    finally:
        engines.dispose()
    return {"codes": codes, "max_per_cell": per_cell, "overlaps": double, "cells": dict(cells), "holds": held}


def _check(url: str, results: list[list[str]]) -> None:
    reported = [code for codes in results for code in codes]
    stored = _stored(url)
    assert len(reported) == len(set(reported)), "a booking code was handed out twice"
    assert sorted(reported) == sorted(stored["codes"]), "confirmed bookings lost or invented"
    assert len(reported) == CAPACITY, "every place is taken exactly once"
    assert stored["max_per_cell"] <= 2, "more appointments at once than counters"
    assert stored["overlaps"] == 0
    assert set(stored["cells"].values()) == {4}, "each 20-minute booking owns four 5-minute cells"
    assert stored["holds"] == 0


def test_threads_racing_for_the_same_slots_never_overbook(database_url):
    workers = 8
    barrier = threading.Barrier(workers)

    def run(worker: int) -> list[str]:
        barrier.wait()
        return book_targets(database_url, worker, TARGETS)

    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(run, range(workers)))
    _check(database_url, results)


def test_processes_racing_for_the_same_slots_never_overbook(database_url):
    workers = 4
    start_at = time.time() + 4.0  # spawned interpreters need a moment to import
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(book_targets, database_url, worker, TARGETS, start_at) for worker in range(workers)]
        results = [future.result(timeout=120) for future in futures]
    _check(database_url, results)
