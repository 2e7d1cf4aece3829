"""The latency report of `python -m telephony.bench`."""
from __future__ import annotations

from telephony.bench import Sample, _server_timing, percentile, report


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([7.0], 0.95) == 7.0


def test_the_bot_share_is_read_from_the_server_timing_header():
    assert _server_timing("bot;dur=123.4, total;dur=130.0", "bot") == 123.4
    assert _server_timing("total;dur=130.0", "bot") is None


def test_the_report_splits_bot_and_gateway_time_and_names_the_slowest_step():
    samples = [Sample("greet", 100.0, 90.0), Sample("when", 300.0, 280.0), Sample("when", 200.0, 190.0)]
    text = report(samples, "title")
    assert "full turn" in text and "waiting for the bot" in text and "gateway itself" in text
    assert text.splitlines()[-1] == "  slowest step: when"
