"""`python -m monitoring report --out FILE.html` and `python -m monitoring generate --seed N`."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Optional, Sequence

from common.clock import clock_from_setting
from common.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    changes = {}
    if args.booking_url:
        changes["booking_database_url"] = args.booking_url
    if args.tracker_url:
        changes["tracker_url"] = args.tracker_url
    if args.now:
        changes["assistant_now"] = args.now
    return replace(settings, **changes) if changes else settings


def _report(args: argparse.Namespace) -> int:
    from booking_adapter.bootstrap import build_booking_port
    from monitoring.report import build_report, key_figures, render_report
    from monitoring.tracker import tracker_engine_if_present

    settings = _settings(args)
    port = build_booking_port(settings)
    tracker = tracker_engine_if_present(settings.tracker_url) if settings.tracker_url else None
    try:
        report = build_report(port, tracker, settings.clock()(), days=args.days, lead_channel=args.channel)
        if args.out:
            path = Path(args.out)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_report(report), encoding="utf-8")
            print(f"report written to {path}", file=sys.stderr)
        if args.pdf:
            from monitoring.pdf import html_to_pdf

            html_to_pdf(render_report(report), Path(args.pdf))
            print(f"PDF written to {args.pdf}", file=sys.stderr)
        if args.json or not (args.out or args.pdf):
            print(json.dumps(key_figures(report), indent=2, ensure_ascii=False))
    finally:
        port.close()
        if tracker is not None:
            tracker.dispose()
    return 0


def _generate(args: argparse.Namespace) -> int:
    from booking_adapter.bootstrap import seed_store
    from booking_adapter.db import create_engines
    from booking_adapter.policies import Policies
    from monitoring.generator import GeneratorConfig, generate
    from monitoring.tracker import tracker_engine

    settings = _settings(args)
    backlog = tuple((b.split("=")[0], int(b.split("=")[1])) for b in args.backlog) if args.backlog is not None \
        else GeneratorConfig.backlog
    config = GeneratorConfig(seed=args.seed, days=args.days, conversations_per_day=args.per_day,
                             phone_share=args.phone_share, backlog=backlog)
    seed_store(settings)
    engines = create_engines(settings.booking_database_url)
    tracker = tracker_engine(settings.tracker_url)
    try:
        summary = generate(engines, tracker, clock_from_setting(settings.assistant_now)(), config,
                           policies=Policies.from_settings(settings))
    finally:
        engines.dispose()
        tracker.dispose()
    print(json.dumps(asdict(summary), indent=2))
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitoring", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--booking-url", help="booking store (default: BOOKING_DATABASE_URL)")
        p.add_argument("--tracker-url", help="Rasa tracker store (default: TRACKER_URL)")
        p.add_argument("--now", help="pin 'now' (ISO 8601; default: ASSISTANT_NOW or the real time)")

    report = sub.add_parser("report", help="the service-promise report as one HTML file (and/or JSON)")
    common(report)
    report.add_argument("--out", help="write the HTML report here")
    report.add_argument("--pdf", help="also print the report to this PDF file (needs Chromium)")
    report.add_argument("--days", type=int, default=7, help="days covered, today included (default 7)")
    report.add_argument("--channel", default="chat", help="channel whose lead time is measured (chat|phone)")
    report.add_argument("--json", action="store_true", help="print the key figures as JSON")
    report.set_defaults(run=_report)

    gen = sub.add_parser("generate", help="fill a booking store and a tracker table with seeded traffic")
    common(gen)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--days", type=int, default=28, help="days of traffic up to 'now' (default 28)")
    gen.add_argument("--per-day", type=int, default=30, help="conversations on a weekday (default 30)")
    gen.add_argument("--phone-share", type=float, default=0.35, help="share of phone calls (default 0.35)")
    gen.add_argument("--backlog", nargs="*", metavar="LOCATION=DAYS",
                     help="locations booked out for DAYS days from 'now' (default blankenese=20 finkenwerder=17)")
    gen.set_defaults(run=_generate)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
