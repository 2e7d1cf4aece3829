"""The one supervisor with real (tiny) child processes: health waits, a child that dies,
single kills and restarts (the fault tests' moves), and stop() leaving nothing behind."""
from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from launcher.supervisor import (
    Service,
    Supervisor,
    free_port,
    http_ok,
    run_in_foreground,
)


def _http_server(port: int) -> list[str]:
    return [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]


@pytest.fixture
def supervisor(tmp_path):
    running = Supervisor(tmp_path / "log")
    yield running
    running.stop(grace=5)


def test_services_are_up_when_their_health_checks_answer(supervisor):
    port = free_port()
    supervisor.add(Service("web", _http_server(port), dict(os.environ), lambda: http_ok(f"http://127.0.0.1:{port}/")))
    supervisor.start_all()
    supervisor.wait_healthy(timeout=30)
    assert supervisor.services["web"].alive()
    assert (supervisor.log_dir / "web.log").exists()


def test_a_child_that_exits_during_start_up_is_reported_with_its_log(supervisor):
    supervisor.add(Service("broken", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ), lambda: False))
    supervisor.start_all()
    with pytest.raises(RuntimeError, match="broken exited with 3"):
        supervisor.wait_healthy(timeout=30)


def test_a_service_that_never_answers_times_out(supervisor):
    supervisor.add(Service("silent", [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ),
                           lambda: False))
    supervisor.start_all()
    with pytest.raises(TimeoutError, match="silent"):
        supervisor.wait_healthy(timeout=1)


def test_one_service_can_be_killed_and_restarted_while_the_others_run(supervisor):
    ports = {"a": free_port(), "b": free_port()}
    for name, port in ports.items():
        supervisor.add(Service(name, _http_server(port), dict(os.environ),
                               lambda port=port: http_ok(f"http://127.0.0.1:{port}/")))
    supervisor.start_all()
    supervisor.wait_healthy(timeout=30)
    supervisor.kill("a")
    assert not supervisor.services["a"].alive() and supervisor.services["b"].alive()
    assert supervisor.crashed() == ["a"]
    supervisor.restart("a", timeout=30)
    assert supervisor.crashed() == []


def test_stop_ends_every_child(supervisor):
    supervisor.add(Service("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ),
                           lambda: True))
    supervisor.start_all()
    pid = supervisor.services["sleeper"].popen.pid
    supervisor.stop(grace=5)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_in_the_foreground_a_dying_child_stops_everything_with_exit_code_1(tmp_path, capsys):
    stack = Supervisor(tmp_path / "log")
    stack.add(Service("short", [sys.executable, "-c", "import time; time.sleep(1)"], dict(os.environ), lambda: True))
    stack.add(Service("long", [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ), lambda: True))
    stopped = threading.Event()

    def stop() -> None:
        stack.stop(grace=5)
        stopped.set()

    started = time.monotonic()
    code = run_in_foreground(lambda: (stack.start_all(), stack.wait_healthy(timeout=10)), stack, stop,
                             banner="· test", ready=["ready"])
    assert code == 1 and stopped.is_set() and time.monotonic() - started < 30
    assert not stack.services["long"].alive()
    assert "stopped unexpectedly: short" in capsys.readouterr().err
