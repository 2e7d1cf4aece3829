"""The booking store from a shell: `python -m booking_adapter COMMAND`.

    seed                                   schema to the newest revision, catalogue upserted
    slots --service KEY [--location KEY] [--from DATE] [--to DATE] [--limit N] [--channel C] [--json]
    list [--from DATE] [--to DATE] [--json]
    show CODE [--json]
    cancel CODE --verification PHONE [--json]
    check [--json]                         store consistency (after a crash); exit 1 if broken
    retention [--days N]                   erase name and phone of appointments that ended more
                                           than BOOKING_CONTACT_RETENTION_DAYS ago (rows stay)

Settings (BOOKING_DATABASE_URL, ASSISTANT_NOW, policies) come from the environment.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, Optional, Sequence

from booking_adapter.bootstrap import build_booking_port, seed_store
from booking_adapter.db import create_engines
from booking_adapter.integrity import check_integrity
from booking_adapter.port import Appointment, BookingError, Slot, SlotQuery
from common.clock import BERLIN
from common.settings import Settings


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(BERLIN).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def slot_dict(slot: Slot) -> dict[str, Any]:
    out: dict[str, Any] = _jsonable(asdict(slot))
    return out


def appointment_dict(appointment: Appointment) -> dict[str, Any]:
    out: dict[str, Any] = _jsonable(asdict(appointment))
    return out


def _when(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%a %Y-%m-%d %H:%M")


def _print_appointment(a: Appointment) -> None:
    print(f"{a.code}  {_when(a.start)}-{a.end.astimezone(BERLIN):%H:%M}  {a.status:<9}  "
          f"{a.location_key:<14}  {','.join(a.service_keys)}  ({a.channel}, {a.persons}P)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m booking_adapter", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed", help="bring the schema up to date and load the catalogue")

    slots = commands.add_parser("slots", help="free slots, date-first across locations")
    slots.add_argument("--service", required=True, action="append", help="service key (repeatable)")
    slots.add_argument("--location", action="append", help="location key (repeatable; default: all)")
    slots.add_argument("--from", dest="earliest", type=date.fromisoformat, help="first day (YYYY-MM-DD)")
    slots.add_argument("--to", dest="latest", type=date.fromisoformat, help="last day (YYYY-MM-DD)")
    slots.add_argument("--limit", type=int, default=5)
    slots.add_argument("--persons", type=int, default=1)
    slots.add_argument("--channel", default="chat", choices=("chat", "phone"))
    slots.add_argument("--json", action="store_true")

    listing = commands.add_parser("list", help="appointments (confirmed and cancelled)")
    listing.add_argument("--from", dest="earliest", type=date.fromisoformat)
    listing.add_argument("--to", dest="latest", type=date.fromisoformat)
    listing.add_argument("--json", action="store_true")

    show = commands.add_parser("show", help="one appointment by booking code")
    show.add_argument("code")
    show.add_argument("--json", action="store_true")

    cancel = commands.add_parser("cancel", help="cancel an appointment")
    cancel.add_argument("code")
    cancel.add_argument("--verification", required=True, help="the phone number given at booking")
    cancel.add_argument("--json", action="store_true")

    check = commands.add_parser("check", help="consistency: half-written appointments, cells with two owners")
    check.add_argument("--json", action="store_true")

    retention = commands.add_parser("retention", help="erase the contacts of past appointments")
    retention.add_argument("--days", type=int, default=None, help="default: BOOKING_CONTACT_RETENTION_DAYS")
    return parser


def _check(settings: Settings, as_json: bool) -> int:
    engines = create_engines(settings.booking_database_url)
    try:
        found = check_integrity(engines.read)
    finally:
        engines.read.dispose()
        engines.write.dispose()
    figures = {"confirmed": len(found.confirmed), "without_cells": found.without_cells,
               "without_services": found.without_services, "double_cells": found.double_cells, "ok": found.ok}
    if as_json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{figures['confirmed']} confirmed appointments; without cells {found.without_cells}, "
              f"without services {found.without_services}, cells with two owners {found.double_cells}: "
              + ("consistent" if found.ok else "NOT consistent"))
    return 0 if found.ok else 1


def main(argv: Optional[Sequence[str]] = None, settings: Optional[Settings] = None) -> int:
    args = _parser().parse_args(argv)
    settings = settings or Settings.from_env()
    if args.command == "seed":
        report = seed_store(settings)
        print(f"booking store at revision {report.revision}: {report.locations} locations, "
              f"{report.services} services active"
              + (f", retired {report.retired_locations} locations and {report.retired_services} services"
                 if report.retired_locations or report.retired_services else ""))
        return 0
    if args.command == "check":
        return _check(settings, args.json)

    port = build_booking_port(settings)
    try:
        if args.command == "slots":
            query = SlotQuery(service_keys=tuple(args.service),
                              location_keys=tuple(args.location) if args.location else None,
                              earliest=args.earliest, latest=args.latest, limit=args.limit,
                              persons=args.persons, channel=args.channel)
            found = port.find_slots(query)
            if args.json:
                print(json.dumps([slot_dict(s) for s in found], ensure_ascii=False, indent=2))
            else:
                for s in found:
                    print(f"{_when(s.start)}-{s.end.astimezone(BERLIN):%H:%M}  {s.location_key:<14}  {s.location_name}")
                if not found:
                    print("no free slots")
        elif args.command == "list":
            appointments = port.list_appointments(args.earliest, args.latest)
            if args.json:
                print(json.dumps([appointment_dict(a) for a in appointments], ensure_ascii=False, indent=2))
            else:
                for a in appointments:
                    _print_appointment(a)
        elif args.command == "retention":
            from booking_adapter.retention import run_contact_retention

            days = args.days if args.days is not None else settings.booking_contact_retention_days
            try:
                erased = run_contact_retention(port, days, settings.clock()())
            except ValueError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            print(json.dumps({"appointments_contacts_erased": erased, "retention_days": days}))
        elif args.command in ("show", "cancel"):
            if args.command == "show":
                appointment = port.appointment(args.code)
            else:
                appointment = port.cancel(args.code, args.verification)
            if args.json:
                print(json.dumps(appointment_dict(appointment), ensure_ascii=False, indent=2))
            else:
                _print_appointment(appointment)
    except BookingError as error:
        print(f"error ({error.kind}): {error}", file=sys.stderr)
        return 2
    finally:
        port.close()
    return 0
