"""The gateway's Rasa wrapper counts calls and failures per channel and stays transparent."""
from __future__ import annotations

import pytest

from gateway.metrics import GatewayMetrics, InstrumentedRasa
from gateway.rasa_client import RasaUnavailable


class FakeRasa:
    timeout = 8.0

    def __init__(self, answer):
        self.answer = answer

    def send(self, channel, sender, message, metadata=None):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def value(metrics: GatewayMetrics, name: str, **labels) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_voice_calls_failures_and_empty_answers_are_counted_by_kind():
    metrics = GatewayMetrics()
    ok = InstrumentedRasa(FakeRasa([{"text": "Guten Tag"}]), metrics)
    assert ok.send("voice", "CA1", "/greet", {"channel": "voice"}) == [{"text": "Guten Tag"}]
    assert InstrumentedRasa(FakeRasa([]), metrics).send("voice", "CA1", "hallo") == []
    with pytest.raises(RasaUnavailable):
        InstrumentedRasa(FakeRasa(RasaUnavailable("down")), metrics).send("voice", "CA1", "hallo")
    with pytest.raises(KeyError):
        InstrumentedRasa(FakeRasa(KeyError("x")), metrics).send("webchat", "s1", "hallo")
    assert value(metrics, "gateway_rasa_requests_total", channel="voice") == 3
    assert value(metrics, "gateway_rasa_errors_total", channel="voice", kind="empty") == 1
    assert value(metrics, "gateway_rasa_errors_total", channel="voice", kind="unavailable") == 1
    assert value(metrics, "gateway_rasa_errors_total", channel="webchat", kind="error") == 1
    assert value(metrics, "gateway_rasa_request_duration_seconds_count", channel="voice") == 3


def test_the_wrapper_passes_other_attributes_through():
    assert InstrumentedRasa(FakeRasa([]), GatewayMetrics()).timeout == 8.0
