"""The managers' report page: /reports (agents' sign-in), the same HTML as the weekly file.

GET /reports?days=7            the report for the last `days` days (1..92), today included
GET /reports?days=7&download=1 the same page as a file to save or mail
The page is the self-contained document `monitoring.report.render_report` makes (inline styles,
inline SVG charts, no scripts), so the page and `python -m monitoring report` agree.
"""
from __future__ import annotations

import threading
import time
from typing import Optional

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy.engine import Engine

from gateway.auth import login_required
from monitoring.report import Report, build_report, render_report
from monitoring.tracker import tracker_engine_if_present

bp = Blueprint("reports", __name__)

MAX_DAYS = 92
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")


class TrackerSource:
    """Opens Rasa's tracker store on first use (the SQLite file appears once Rasa has run)."""

    def __init__(self, url: str):
        self.url = url
        self._engine: Optional[Engine] = None
        self._lock = threading.Lock()

    def engine(self) -> Optional[Engine]:
        with self._lock:
            if self._engine is None and self.url:
                self._engine = tracker_engine_if_present(self.url)
            return self._engine


class ReportCache:
    """The last report per period for a minute: the lead-time searches take a few seconds, and
    a manager switching between 7 and 28 days should not wait for them each time."""

    def __init__(self, seconds: float = 60.0):
        self.seconds = seconds
        self._reports: dict[int, tuple[float, Report]] = {}
        self._lock = threading.Lock()

    def get(self, days: int, build) -> Report:
        with self._lock:
            cached = self._reports.get(days)
            if cached is not None and time.monotonic() - cached[0] < self.seconds:
                return cached[1]
        report = build()
        with self._lock:
            self._reports[days] = (time.monotonic(), report)
        return report


def init_app(app: Flask, tracker_url: str) -> None:
    app.extensions["tracker_source"] = TrackerSource(tracker_url)
    app.extensions["report_cache"] = ReportCache()
    app.register_blueprint(bp)


def _days() -> int:
    try:
        days = int(request.args.get("days", "7"))
    except ValueError:
        days = 7
    return min(max(days, 1), MAX_DAYS)


@bp.get("/reports")
@login_required("agent")
def report_page() -> Response:
    settings = current_app.extensions["settings"]
    source: TrackerSource = current_app.extensions["tracker_source"]
    days = _days()
    booking = current_app.extensions["booking"]
    report = current_app.extensions["report_cache"].get(
        days, lambda: build_report(booking, source.engine(), settings.clock()(), days=days))
    download = request.args.get("download") == "1"
    response = Response(render_report(report, page_links=not download), mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if download:
        name = f"serviceversprechen-{report.first:%Y%m%d}-{report.last:%Y%m%d}.html"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
