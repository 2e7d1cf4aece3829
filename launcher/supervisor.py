"""The one process supervisor of both profiles (`make run`, `make run-prod`) and of the tests
that start real processes (tests/e2e, tests/faults, the benchmarks).

It decides how a child is started (own process group, log file, the environment it is given),
when it counts as up (its health check), and how everything is stopped (SIGTERM to each
group, SIGKILL after a grace period). What runs — which commands, ports and settings — is
the profiles' business (launcher/stack.py, launcher/prod.py, launcher/commands.py).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "terminassistent.tar.gz"


# --- health checks ----------------------------------------------------------------------------


def http_ok(url: str, must_contain: bytes = b"") -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own http:// health URLs)
            return response.status == 200 and must_contain in response.read()
    except OSError:
        return False


def redis_ok(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free right now (bind to port 0), so two runs of the tests or two
    stacks on one machine do not collide."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` different free ports (all probes held open together, so none repeats)."""
    probes = []
    try:
        for _ in range(count):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.bind((host, 0))
            probes.append(probe)
        return [int(p.getsockname()[1]) for p in probes]
    finally:
        for probe in probes:
            probe.close()


# --- the processes ----------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    healthy: Callable[[], bool]
    popen: subprocess.Popen | None = None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


class Supervisor:
    """Starts, watches and stops a set of named services; each logs to `<log_dir>/<name>.log`."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.services: dict[str, Service] = {}

    def add(self, service: Service) -> None:
        self.services[service.name] = service

    def start_service(self, name: str) -> None:
        service = self.services[name]
        if service.alive():
            return
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy
            service.popen = subprocess.Popen(
                service.command, cwd=ROOT, env=service.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops the children
            )

    def start_all(self) -> None:
        for name in self.services:
            self.start_service(name)

    def wait_healthy(self, names: Iterable[str] | None = None, timeout: float = 300,
                     report: Callable[[str], None] = lambda line: None) -> None:
        """Until every named service answers its health check; a child that exits, or the
        deadline, raises."""
        deadline = time.monotonic() + timeout
        pending = list(self.services if names is None else names)
        while pending:
            for name in list(pending):
                service = self.services[name]
                if service.popen is not None and service.popen.poll() is not None:
                    raise RuntimeError(f"{name} exited with {service.popen.returncode}; "
                                       f"see {self.log_dir / (name + '.log')}")
                if service.healthy():
                    report(f"  ✓ {name} is up")
                    pending.remove(name)
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not healthy after {timeout:.0f}s: {', '.join(pending)}")
            time.sleep(0.5)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Stop one service (abruptly by default: the fault tests) and wait until it is gone."""
        service = self.services[name]
        if service.popen is not None and service.alive():
            os.killpg(service.popen.pid, sig)
            service.popen.wait(timeout=30)

    def restart(self, name: str, timeout: float = 300) -> None:
        self.kill(name, signal.SIGTERM)
        self.start_service(name)
        self.wait_healthy([name], timeout)

    def crashed(self) -> list[str]:
        return [s.name for s in self.services.values() if s.popen is not None and not s.alive()]

    def stop(self, grace: float = 15) -> None:
        """SIGTERM to every service (last started first), SIGKILL to what is left after `grace`."""
        for service in reversed(list(self.services.values())):
            if service.popen is not None and service.alive():
                os.killpg(service.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in self.services.values():
            if service.popen is None:
                continue
            try:
                service.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(service.popen.pid, signal.SIGKILL)
                service.popen.wait()


# --- in the foreground (`make run`, `make run-prod`) -------------------------------------------


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run_in_foreground(start: Callable[[], None], stack: Supervisor, stop: Callable[[], None],
                      banner: str, ready: list[str]) -> int:
    """Start everything, print `ready`, watch until Ctrl-C / SIGTERM or a child dies, then stop
    everything. Returns the exit code."""
    # SIGINT may arrive ignored when started from a script: install both handlers explicitly
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    started = time.monotonic()
    print(banner, flush=True)
    try:
        start()
        print(f"· all up after {time.monotonic() - started:.0f} s\n")
        for line in ready:
            print(f"  {line}")
        print("\n  Press Ctrl-C to stop.", flush=True)
        while not stack.crashed():
            time.sleep(1)
        print(f"· stopped unexpectedly: {', '.join(stack.crashed())} (see {stack.log_dir})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n· stopping ...", flush=True)
        return 0
    except (RuntimeError, TimeoutError, OSError, subprocess.CalledProcessError) as error:
        print(f"· start-up failed: {error}", file=sys.stderr)
        return 1
    finally:
        stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print("· stopped.", flush=True)
