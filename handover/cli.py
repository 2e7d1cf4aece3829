"""`python -m handover ...`: agents, API tokens, retention, export/delete by phone number.

  add-agent NAME [--role agent|admin]   password from stdin (or HANDOVER_AGENT_PASSWORD); a new
                                        password ends the agent's open console sessions
  deactivate-agent NAME                 lock an agent out: sign-in, API tokens, open sessions
  add-token NAME [--label crm]          prints a new API token once (only its hash is stored)
  retention [--days N]                  delete what is past the retention period (and Rasa's
                                        conversations past TRACKER_RETENTION_DAYS)
  export PHONE                          everything stored about a phone number, as JSON
  delete PHONE --yes                    delete it (hand-overs, transcripts, chats, callbacks) and
                                        erase name and number from past and cancelled appointments
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, Optional, Sequence

from common.settings import Settings
from handover.bootstrap import build_handover_store
from handover.retention import run_conversation_retention, run_retention


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(type(value).__name__)


def _appointments(settings: Settings, phone: str) -> Optional[list[dict[str, Any]]]:
    """The phone number's appointments from the booking store."""
    from booking_adapter.bootstrap import build_booking_port
    from german.phone import same_phone

    try:
        port = build_booking_port(settings)
        return [asdict(a) for a in port.list_appointments() if same_phone(phone, a.phone)]
    except Exception as error:  # the booking store may be elsewhere or not seeded
        print(f"note: appointments not read ({type(error).__name__})", file=sys.stderr)
        return None


def _erase_appointments(settings: Settings, phone: str) -> dict[str, Any]:
    """Name and number out of the phone number's past and cancelled appointments; upcoming ones
    are kept and counted (the citizen cancels them first; see BookingPort.erase_contact)."""
    from booking_adapter.bootstrap import build_booking_port

    try:
        port = build_booking_port(settings)
        erasure = port.erase_contact(phone)
        return {"appointments_anonymised": erasure.anonymised, "appointments_kept_upcoming": len(erasure.kept_upcoming)}
    except Exception as error:  # the booking store may be elsewhere or not seeded
        print(f"note: appointments not erased ({type(error).__name__})", file=sys.stderr)
        return {"appointments_anonymised": None, "appointments_kept_upcoming": None}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handover", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-agent", help="create an agent or set a new password and role")
    add.add_argument("name")
    add.add_argument("--role", choices=["agent", "admin"], default="agent")
    deactivate = sub.add_parser("deactivate-agent", help="lock an agent out (sign-in, tokens, open sessions)")
    deactivate.add_argument("name")
    token = sub.add_parser("add-token", help="issue an API token for an agent")
    token.add_argument("name")
    token.add_argument("--label", default="")
    retention = sub.add_parser("retention", help="delete what is past the retention period")
    retention.add_argument("--days", type=int, default=None)
    export = sub.add_parser("export", help="everything about one phone number, as JSON")
    export.add_argument("phone")
    remove = sub.add_parser("delete", help="delete everything about one phone number")
    remove.add_argument("phone")
    remove.add_argument("--yes", action="store_true", help="really delete")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    store = build_handover_store(settings)

    if args.command == "add-agent":
        password = os.environ.get("HANDOVER_AGENT_PASSWORD") or sys.stdin.readline().rstrip("\n")
        try:
            agent = store.add_agent(args.name, password, args.role)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"agent {agent.name} ({agent.role}) saved")
        return 0
    if args.command == "deactivate-agent":
        if not store.deactivate_agent(args.name):
            print(f"error: no agent {args.name!r}", file=sys.stderr)
            return 2
        store.audit(None, "deactivate_agent", detail=args.name)
        print(f"agent {args.name} deactivated")
        return 0
    if args.command == "add-token":
        try:
            print(store.issue_token(args.name, args.label))
        except LookupError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    if args.command == "retention":
        days = args.days if args.days is not None else settings.handover_retention_days
        counts = run_retention(store, days)
        counts["conversations"] = run_conversation_retention(settings.tracker_url, settings.tracker_retention_days)
        print(json.dumps(counts, sort_keys=True))
        return 0
    if args.command == "export":
        data = store.export_phone(args.phone)
        out = asdict(data)
        out["appointments"] = _appointments(settings, args.phone)
        store.audit(None, "export_phone", detail="command line")
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2, default=_json_default)
        print()
        return 0
    if args.command == "delete":
        if not args.yes:
            print("refusing without --yes", file=sys.stderr)
            return 2
        counts = {**store.delete_phone(args.phone), **_erase_appointments(settings, args.phone)}
        store.audit(None, "delete_phone", detail=", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        print(json.dumps(counts, sort_keys=True))
        return 0
    return 2
