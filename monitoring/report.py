"""The report: figures from the sources, rendered as one self-contained HTML page.

`build_report` reads (booking store through the port, tracker store through SQLAlchemy Core)
and computes; `render_report` only formats. The gateway's /reports page and
`python -m monitoring report --out FILE.html` both use them, so the file and the page agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine

from booking_adapter.port import BookingPort
from common.clock import BERLIN
from monitoring import charts, metrics, sources
from monitoring.records import PROMISE_DAYS, Conversation
from monitoring.tracker import conversations_from_events, read_tracker_rows

HERE = Path(__file__).resolve().parent
OPENING_DAYS = 14  # opening hours are summed over the next two weeks


@lru_cache(maxsize=1)
def labels() -> dict[str, Any]:
    with open(HERE / "labels_de.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    first: date
    last: date
    lead_channel: str
    lead: metrics.LeadTimeSummary
    leads: tuple  # every LeadTime, for the detail table
    activity: metrics.Activity
    conversations: metrics.ConversationSummary
    moves: metrics.MoveSummary
    offered: metrics.TimeOfDay
    booked: metrics.TimeOfDay
    open_holds: Optional[int]
    tracker_available: bool
    opening: metrics.OpeningSummary  # the next 14 days from today
    service_names: dict[str, str] = field(default_factory=dict)


def build_report(
    port: BookingPort,
    tracker: Optional[Engine],
    now: datetime,
    days: int = 7,
    lead_channel: str = "chat",
) -> Report:
    """The figures for the `days` local days ending today (today included)."""
    now = now.astimezone(BERLIN)
    last = now.date()
    first = last - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), BERLIN)
    # a day more than the period: a conversation begun before midnight books after it
    events = sources.booking_events(port, since - timedelta(days=1))
    in_period = [e for e in events if e.at >= since]
    conversations: list[Conversation] = []
    tracker_available = tracker is not None
    if tracker is not None:
        rows = read_tracker_rows(tracker, since)
        conversations = [c for c in conversations_from_events(rows, now)
                         if first <= c.started_at.astimezone(BERLIN).date() <= last]
    leads = sources.lead_times(port, now, lead_channel)
    return Report(
        generated_at=now,
        first=first,
        last=last,
        lead_channel=lead_channel,
        lead=metrics.lead_time_summary(leads, PROMISE_DAYS),
        leads=tuple(leads),
        activity=metrics.activity_by_day(in_period, first, last),
        conversations=metrics.conversation_summary(conversations),
        moves=metrics.move_registrations(metrics.join_move_registrations(conversations, events)),
        offered=metrics.time_of_day(s for c in conversations for s in c.offered_starts),
        booked=metrics.time_of_day(metrics.booked_starts(in_period, first, last)),
        open_holds=sources.open_holds(port, now),
        tracker_available=tracker_available,
        opening=metrics.opening_summary(sources.opening_records(port, last, OPENING_DAYS)),
        service_names={s.key: s.name for s in port.services()},
    )


# --- formatting -------------------------------------------------------------------------------


def percent(value: Optional[float]) -> str:
    return "–" if value is None else f"{round(value * 100)} %"


def _t(name: str, **values: Any) -> str:
    return labels()["texts"][name].format(**values)


def days_text(days: Optional[int]) -> str:
    if days is None:
        return _t("no_slot")
    return _t("one_day") if days == 1 else _t("days", days=days)


def hours(value: float) -> str:
    return f"{round(value):,}".replace(",", ".")


def short_location(name: str) -> str:
    prefix = labels()["location_prefix"]
    return name[len(prefix):] if name.startswith(prefix) else name


def day_label(day: date) -> str:
    return f"{labels()['weekdays'][day.weekday()]} {day:%d.%m.}"


def lead_chart(report: Report):
    promise = report.lead.promise_days
    bars = [
        charts.Bar(
            label=short_location(loc.location_name),
            value=loc.longest_days,
            text=days_text(loc.longest_days) + ("" if loc.meets else _t("over_promise")),
            alert=not loc.meets,
        )
        for loc in report.lead.locations
    ]
    over = [b.label for b in bars if b.alert]
    desc = _t("lead_desc", meeting=report.lead.locations_meeting, total=len(bars), promise=promise)
    if over:
        desc += _t("lead_over", names=", ".join(over))
    return charts.horizontal_bars("lead", bars, _t("lead_title"), desc, _t("lead_axis"),
                                  reference=(promise, _t("lead_reference", promise=promise)), width=900)


def channel_chart(report: Report):
    names = labels()["channels"]
    activity = report.activity
    series = [charts.Series(names.get(c, c), [activity.count(d, c, "booked") for d in activity.days])
              for c in activity.channels]
    totals = ", ".join(f"{s.name} {sum(s.values)}" for s in series)
    desc = _t("channel_desc", first=f"{report.first:%d.%m.%Y}", last=f"{report.last:%d.%m.%Y}", totals=totals)
    return charts.stacked_columns("channels", [day_label(d) for d in activity.days], series,
                                  _t("channel_title"), desc, _t("channel_axis"))


def reason_chart(report: Report):
    names = labels()["reasons"]
    rows = report.conversations.handovers_by_reason
    bars = [charts.Bar(names.get(r, r), n, str(n)) for r, n in rows]
    items = ", ".join(f"{names.get(r, r)} {n}" for r, n in rows) if rows else _t("reason_none")
    return charts.horizontal_bars("reasons", bars, _t("reason_title"), _t("reason_desc", items=items), _t("reason_axis"))


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(percent=percent, hours=hours, days_text=days_text, short_location=short_location, day_label=day_label)
    return env


def render_report(report: Report, page_links: bool = False) -> str:
    """The whole report as one HTML document: styles inline, charts as inline SVG, no scripts,
    nothing loaded from elsewhere (so the file can be mailed or archived as it is)."""
    template = _environment().get_template("report.html")
    return template.render(
        r=report,
        L=labels(),
        lead_chart=lead_chart(report),
        channel_chart=channel_chart(report),
        reason_chart=reason_chart(report) if report.conversations.handovers_by_reason else None,
        page_links=page_links,
    )


def key_figures(report: Report) -> dict[str, Any]:
    """The headline figures as plain JSON values (for `--json`, tests and dashboards)."""
    conv = report.conversations
    return {
        "period": [report.first.isoformat(), report.last.isoformat()],
        "lead_time": {
            "promise_days": report.lead.promise_days,
            "locations": len(report.lead.locations),
            "locations_meeting": report.lead.locations_meeting,
            "pairs": report.lead.pairs,
            "pairs_meeting": report.lead.pairs_meeting,
            "city_services": len(report.lead.city),
            "city_meeting": report.lead.city_meeting,
            "longest_by_location": {loc.location_key: loc.longest_days for loc in report.lead.locations},
        },
        "activity": {
            c: {a: report.activity.count(channel=c, action=a) for a in metrics.ACTIONS}
            for c in report.activity.channels
        },
        "conversations": {
            row.channel: {"total": row.total, "finished": row.finished, "contained": row.contained,
                          "handed_over": row.handed_over, "abandoned": row.abandoned}
            for row in conv.by_channel
        },
        "handovers_by_reason": dict(conv.handovers_by_reason),
        "average_turns_to_booking": conv.average_turns_to_booking,
        "move_registrations": {"inside": report.moves.inside, "outside": report.moves.outside},
        "offered": {"total": report.offered.total, "saturday": report.offered.saturday,
                    "early": report.offered.early, "late": report.offered.late},
        "booked": {"total": report.booked.total, "saturday": report.booked.saturday,
                   "early": report.booked.early, "late": report.booked.late},
        "open_holds": report.open_holds,
        "opening": {"counter_hours": report.opening.counter_hours, "saturday": report.opening.saturday,
                    "early": report.opening.early, "late": report.opening.late,
                    "weekday_openings": report.opening.weekday_openings,
                    "weekday_openings_8_to_18": report.opening.weekday_openings_8_to_18},
    }
