"""Several gateway workers (gunicorn): with PROMETHEUS_MULTIPROC_DIR a scrape adds up every
worker's counts. Each worker is a real process (the library picks its mode at start)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from booking_adapter.bootstrap import seed_store
from common.settings import Settings
from tests.integration.monitoring.monitoring_world import NOW

WORKER = """
import sys
from common.settings import Settings
from gateway import create_app
from tests.integration.monitoring.monitoring_world import ScriptedRasa
app = create_app(Settings.from_env(), rasa=ScriptedRasa())
client = app.test_client()
for _ in range(int(sys.argv[1])):
    assert client.get("/health").status_code == 200
if sys.argv[2] == "scrape":
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
"""
ROOT = Path(__file__).resolve().parents[3]


def run_worker(env: dict, requests: int, scrape: bool) -> str:
    result = subprocess.run([sys.executable, "-c", WORKER, str(requests), "scrape" if scrape else "-"], check=False,
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_a_scrape_counts_the_requests_of_every_worker(tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_NOW": NOW, "PROMETHEUS_MULTIPROC_DIR": str(folder),
           "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'booking.db'}", "GATEWAY_SECRET_KEY": "workers-test"}
    seed_store(Settings.from_env(env))
    run_worker(env, 2, scrape=False)
    run_worker(env, 3, scrape=False)
    text = run_worker(env, 1, scrape=True)
    families = {f.name: f for f in text_string_to_metric_families(text)}
    [health] = [s.value for s in families["gateway_requests"].samples
                if s.name == "gateway_requests_total" and s.labels.get("route") == "/health"]
    assert health == 6
    assert any(s.name == "gateway_request_duration_seconds_count" and s.value == 6
               for s in families["gateway_request_duration_seconds"].samples)
    assert families["booking_open_holds"].samples[0].value == 0
