"""Prometheus metrics for operations: `/metrics` in the Prometheus text format.

  * gateway_requests_total{route, method, status} and gateway_request_duration_seconds{route,
    method}: every request, labelled by the matched URL rule (e.g. /api/calendar/<code>.ics),
    never by the raw path, so the number of series stays small and no booking code leaks;
  * gateway_rasa_requests_total{channel}, gateway_rasa_errors_total{channel, kind} and
    gateway_rasa_request_duration_seconds{channel}: the gateway's calls to the Rasa server
    (web chat and telephone). kind: "unavailable" (no answer, timeout, HTTP error),
    "empty" (Rasa answered with no message, which is what a failing action server looks
    like from outside) or "error" (anything else);
  * booking_open_holds: slots offered to someone and not yet booked or released, and
    handover_waiting, handover_taken, handover_callbacks_open, handover_callbacks_due: the
    hotline's queue; read through the booking and hand-over ports at scrape time.

Each app has its own CollectorRegistry (tests build many apps). With several worker processes
(gunicorn) PROMETHEUS_MULTIPROC_DIR names a folder shared by them (prometheus_client's
multiprocess mode, which the library switches on from that environment variable at start), and
a scrape adds up every worker's counts. Access: with METRICS_TOKEN
set, a request needs `Authorization: Bearer <token>`; without it only requests from the
loopback interface are answered (a scraper on the same host or a sidecar).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Iterable, Optional

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from gateway.auth import tokens_equal
from gateway.rasa_client import RasaUnavailable

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


class StoreGauges(Collector):
    """Gauges read from the stores through their ports when Prometheus scrapes: open holds
    (booking port) and the hotline's queue (hand-over port). A store that is briefly
    unreachable leaves its gauges out; the scrape itself never fails."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from monitoring.sources import handover_queue, open_holds

        settings = self.app.extensions.get("settings")
        if settings is None:
            return []
        now = settings.clock()()
        gauges: list[GaugeMetricFamily] = []
        for extension, read in (("booking", lambda port: [
                    ("booking_open_holds", "Slots held for a conversation and not yet booked or released",
                     open_holds(port, now))]),
                ("handover_store", lambda port: _queue_gauges(handover_queue(port, now)))):
            port = self.app.extensions.get(extension)
            if port is None:
                continue
            try:
                gauges += [_gauge(*values) for values in read(port)]
            except Exception:
                log.warning("metrics: could not read the %s gauges", extension, exc_info=True)
        return gauges


def _queue_gauges(queue: Any) -> list[tuple[str, str, float]]:
    return [
        ("handover_waiting", "Hand-overs no agent has taken yet", queue.waiting),
        ("handover_taken", "Hand-overs an agent holds", queue.taken),
        ("handover_callbacks_open", "Callbacks not yet made", queue.callbacks_open),
        ("handover_callbacks_due", "Open callbacks due now", queue.callbacks_due),
    ]


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


class GatewayMetrics:
    def __init__(self, registry: Optional[CollectorRegistry] = None, multiprocess_dir: str = ""):
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.multiprocess_dir = multiprocess_dir
        self._scrape_collectors: list[Collector] = []  # read at scrape time, never per process
        r = self.registry
        self.requests = Counter("gateway_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=r)
        self.latency = Histogram("gateway_request_duration_seconds", "HTTP request latency by route",
                                 ["route", "method"], buckets=LATENCY_BUCKETS, registry=r)
        self.rasa_requests = Counter("gateway_rasa_requests", "Calls from the gateway to the Rasa server",
                                     ["channel"], registry=r)
        self.rasa_errors = Counter("gateway_rasa_errors", "Failed calls to the Rasa server by kind",
                                   ["channel", "kind"], registry=r)
        self.rasa_latency = Histogram("gateway_rasa_request_duration_seconds", "Rasa answer time by channel",
                                      ["channel"], buckets=LATENCY_BUCKETS, registry=r)

    def add_scrape_collector(self, collector: Collector) -> None:
        self.registry.register(collector)
        self._scrape_collectors.append(collector)

    def render(self) -> bytes:
        if not self.multiprocess_dir:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self.multiprocess_dir)  # every worker's counters
        for collector in self._scrape_collectors:
            merged.register(collector)
        return generate_latest(merged)


class InstrumentedRasa:
    """Wraps the Rasa client: counts calls, failures and answer times; behaves like the client."""

    def __init__(self, inner: Any, metrics: GatewayMetrics):
        self._inner = inner
        self._metrics = metrics

    def send(self, channel: str, sender: str, message: str, metadata: Optional[dict] = None):
        m = self._metrics
        m.rasa_requests.labels(channel).inc()
        started = time.perf_counter()
        try:
            messages = self._inner.send(channel, sender, message, metadata)
        except RasaUnavailable:
            m.rasa_errors.labels(channel, "unavailable").inc()
            raise
        except Exception:
            m.rasa_errors.labels(channel, "error").inc()
            raise
        finally:
            m.rasa_latency.labels(channel).observe(time.perf_counter() - started)
        if not messages:
            m.rasa_errors.labels(channel, "empty").inc()
        return messages

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def init_app(app: Flask, metrics: Optional[GatewayMetrics] = None) -> GatewayMetrics:
    """Register the hooks, the /metrics view and the Rasa wrapper on `app`."""
    settings = app.extensions.get("settings")
    metrics = metrics or GatewayMetrics(multiprocess_dir=getattr(settings, "prometheus_multiproc_dir", ""))
    metrics.add_scrape_collector(StoreGauges(app))
    app.extensions["metrics"] = metrics
    if app.extensions.get("rasa") is not None and not isinstance(app.extensions["rasa"], InstrumentedRasa):
        app.extensions["rasa"] = InstrumentedRasa(app.extensions["rasa"], metrics)

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        route, method = _route(), request.method
        metrics.requests.labels(route, method, str(response.status_code)).inc()
        started = g.pop("metrics_started", None)
        if started is not None:
            metrics.latency.labels(route, method).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)
    return metrics


def _allowed() -> bool:
    token = current_app.extensions["settings"].metrics_token
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and tokens_equal(given.strip(), token)
    return (request.remote_addr or "") in LOOPBACK


@bp.get("/metrics")
def metrics_view() -> Response:
    if not _allowed():
        return Response("forbidden\n", status=403, mimetype="text/plain")
    body = current_app.extensions["metrics"].render()
    # the classic text format 0.0.4: every Prometheus (2.x and 3.x) and compatible scraper reads it
    return Response(body, status=200, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4, "Cache-Control": "no-store"})
