"""Start, watch and stop the three processes: Rasa server, action server, gateway.

Used by `make run` (python -m launcher) and by the end-to-end tests, so both run the same
commands with the same environment.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "terminassistent.tar.gz"


@dataclass(frozen=True)
class Ports:
    rasa: int = 5005
    actions: int = 5055
    gateway: int = 8000


def _http_ok(url: str, accept: Callable[[bytes], bool] = lambda body: True) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
            return response.status == 200 and accept(response.read())
    except OSError:
        return False


def stack_environment(base: dict[str, str], ports: Ports, var_dir: Path) -> dict[str, str]:
    """The environment every process gets; values already set in `base` win."""
    env = dict(base)
    var_dir.mkdir(parents=True, exist_ok=True)
    defaults = {
        "RASA_PORT": str(ports.rasa),
        "ACTION_PORT": str(ports.actions),
        "GATEWAY_PORT": str(ports.gateway),
        "RASA_URL": f"http://127.0.0.1:{ports.rasa}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports.actions}/webhook",
        "BOOKING_DATABASE_URL": f"sqlite:///{var_dir / 'booking.db'}",
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_URL": f"sqlite:///{var_dir / 'tracker.db'}",
        "RASA_API_TOKEN": "local-dev-token",
        "SANIC_HOST": "127.0.0.1",
    }
    for key, value in defaults.items():
        if not env.get(key):
            env[key] = value
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


@dataclass
class Process:
    name: str
    command: list[str]
    health_url: str
    accept: Callable[[bytes], bool] = lambda body: True
    popen: Optional[subprocess.Popen] = None


@dataclass
class Stack:
    env: dict[str, str]
    ports: Ports = field(default_factory=Ports)
    log_dir: Path = ROOT / "var" / "log"
    model: Path = MODEL
    processes: list[Process] = field(default_factory=list)

    def __post_init__(self) -> None:
        venv, venv_rasa = ROOT / ".venv" / "bin", ROOT / ".venv-rasa" / "bin"
        token = self.env["RASA_API_TOKEN"]
        self.processes = [
            Process(
                "actions",
                [str(venv / "python"), "-m", "actions.server"],
                f"http://127.0.0.1:{self.ports.actions}/health",
            ),
            Process(
                "rasa",
                [
                    str(venv_rasa / "python"), "-m", "bot.rasa_server", "run",  # Rasa + one speed repair
                    "--model", str(self.model),
                    "--endpoints", str(ROOT / "endpoints.yml"),
                    "--credentials", str(ROOT / "credentials.yml"),
                    "--interface", "127.0.0.1",
                    "--port", str(self.ports.rasa),
                    "--enable-api", "--auth-token", token,
                ],
                f"http://127.0.0.1:{self.ports.rasa}/status?token={token}",
                accept=lambda body: b'"model_file"' in body,
            ),
            Process(
                "gateway",
                [
                    str(venv / "gunicorn"),
                    "--bind", f"127.0.0.1:{self.ports.gateway}",
                    "--workers", "1", "--threads", "16", "--timeout", "60",
                    "gateway:create_app()",
                ],
                f"http://127.0.0.1:{self.ports.gateway}/health",
            ),
        ]

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for process in self.processes:
            log = open(self.log_dir / f"{process.name}.log", "ab")  # noqa: SIM115 (owned by child)
            process.popen = subprocess.Popen(
                process.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us only; we stop the children
            )

    def wait_healthy(self, timeout: float = 300, report: Callable[[str], None] = print) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.processes)
        while pending:
            for process in list(pending):
                if process.popen and process.popen.poll() is not None:
                    raise RuntimeError(
                        f"{process.name} exited with {process.popen.returncode}; "
                        f"see {self.log_dir / (process.name + '.log')}"
                    )
                if _http_ok(process.health_url, process.accept):
                    report(f"  ✓ {process.name} is up")
                    pending.remove(process)
            if pending and time.monotonic() > deadline:
                names = ", ".join(p.name for p in pending)
                raise TimeoutError(f"not healthy after {timeout:.0f}s: {names}")
            time.sleep(0.5)

    def stop(self, grace: float = 15) -> None:
        for process in self.processes:
            if process.popen and process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes:
            if not process.popen:
                continue
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()

    def process(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)
