"""The production profile: `make run-prod` (python -m launcher.prod).

PostgreSQL for the bookings and Rasa's tracker store, Redis as Rasa's lock store, two Rasa
instances and two action servers, and the gateway under gunicorn, which spreads conversations
over both Rasa instances (RASA_URLS, see gateway/rasa_pool.py). Rasa instance i calls action
server i.

PostgreSQL and Redis: when PROD_POSTGRES_URL / PROD_REDIS_HOST are set, those servers are used.
Otherwise private ones are started on spare ports with their data under the profile's
directory (default var/prod/), so the machine's own servers are never touched. On a real
deployment each process runs under a service manager; this module is the single-machine
version, also used by the fault tests (tests/faults) and the load test (bench/load.py).
"""
from __future__ import annotations

import argparse
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from launcher.stack import MODEL, ROOT, stack_environment

ENDPOINTS = ROOT / "deploy" / "endpoints.prod.yml"
DEV_SECRET = "dev-only-change-me"


@dataclass(frozen=True)
class ProdPorts:
    gateway: int = 8000
    rasa: tuple[int, ...] = (5005, 5006)
    actions: tuple[int, ...] = (5055, 5056)
    postgres: int = 55432
    redis: int = 56379

    @classmethod
    def offset(cls, base: int) -> "ProdPorts":
        """A whole set of ports around `base` (tests and benchmarks use their own)."""
        return cls(base, (base + 5, base + 6), (base + 55, base + 56), base + 432, base + 379)


# --- checks -----------------------------------------------------------------------------------


def http_ok(url: str, must_contain: bytes = b"") -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
            return response.status == 200 and must_contain in response.read()
    except OSError:
        return False


def redis_ok(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# --- a private PostgreSQL ---------------------------------------------------------------------


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin); "
                           "install the postgresql package or set PROD_POSTGRES_URL")
    return Path(found[-1]).parent


class PrivatePostgres:
    """A PostgreSQL cluster of our own (trust auth on 127.0.0.1 only), started with pg_ctl.
    As root, the server runs as the `postgres` user, which initdb requires."""

    def __init__(self, data_dir: Path, port: int):
        self.data_dir = data_dir
        self.port = port
        self.bin = _pg_bin()
        self._user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        full = [str(self.bin / command[0]), *command[1:]]
        if self._user:
            full = ["runuser", "-u", self._user, "--", *full]
        return subprocess.run(full, check=check, capture_output=True, text=True)

    def start(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "PG_VERSION").exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            if self._user:
                record = pwd.getpwnam(self._user)
                os.chown(self.data_dir, record.pw_uid, record.pw_gid)
                _open_parents(self.data_dir)
            self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8")
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.data_dir} "
                   "-c fsync=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(self.data_dir / "server.log"),
                  "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop", check=False)

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data_dir), "status", check=False).returncode == 0

    def create_database(self, name: str) -> None:
        result = self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-tAc",
                           f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if result.stdout.strip() != "1":
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def url(self, database: str, driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://postgres@127.0.0.1:{self.port}/{database}"


def _open_parents(path: Path) -> None:
    """Let the postgres user reach its data directory (temporary directories are 0700)."""
    for parent in path.parents:
        if parent == Path("/") or parent == Path(tempfile.gettempdir()):
            break
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o011)


# --- the processes ----------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    healthy: Callable[[], bool]
    popen: Optional[subprocess.Popen] = None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class ProdStack:
    """Everything of the production profile; start() brings it up, stop() takes it down."""

    var_dir: Path
    ports: ProdPorts = field(default_factory=ProdPorts)
    base_env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    gateway_workers: int = 2  # rate limits and replays are shared through Redis
    model: Path = MODEL
    services: dict[str, Service] = field(default_factory=dict)
    postgres: Optional[PrivatePostgres] = None
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = self.var_dir / "log"
        base = {k: v for k, v in self.base_env.items()
                if not k.startswith(("BOOKING_", "TRACKER_", "TELEPHONY_DATABASE", "HANDOVER_DATABASE"))}
        postgres_url = self.base_env.get("PROD_POSTGRES_URL", "")
        if not postgres_url:
            self.postgres = PrivatePostgres(self.var_dir / "postgres", self.ports.postgres)
            booking_url, tracker_url = self.postgres.url("booking"), self.postgres.url("rasa", "psycopg2")
        else:
            booking_url = postgres_url
            tracker_url = self.base_env.get("PROD_TRACKER_URL", postgres_url.replace("+psycopg:", "+psycopg2:"))
        redis_host = self.base_env.get("PROD_REDIS_HOST", "127.0.0.1")
        redis_port = int(self.base_env.get("PROD_REDIS_PORT") or self.ports.redis)
        secret = base.get("GATEWAY_SECRET_KEY", "")
        token = base.get("RASA_API_TOKEN", "")
        env = {
            **base,
            "BOOKING_DATABASE_URL": booking_url,
            "TRACKER_DATABASE_URL": tracker_url,
            "TRACKER_URL": tracker_url.replace("+psycopg2:", "+psycopg:"),  # read by the reports
            "TRACKER_DIALECT": "postgresql",
            "LOCK_STORE_HOST": redis_host,
            "LOCK_STORE_PORT": str(redis_port),
            # the gateway workers' shared rate-limit counters and webhook replays (Rasa's locks: db 1)
            "RATE_LIMIT_REDIS_URL": f"redis://{redis_host}:{redis_port}/2",
            # one folder for the workers' Prometheus counts, emptied at every start
            "PROMETHEUS_MULTIPROC_DIR": str(self.var_dir / "metrics"),
            "RASA_TELEMETRY_ENABLED": "false",  # nothing leaves the machine (and no error reports)
            "RASA_URLS": ",".join(f"http://127.0.0.1:{p}" for p in self.ports.rasa),
            "GATEWAY_SECRET_KEY": secret if secret and secret != DEV_SECRET else secrets.token_urlsafe(32),
            "RASA_API_TOKEN": token if token and token != "local-dev-token" else secrets.token_hex(24),
        }
        from launcher.stack import Ports

        self.env = stack_environment(env, Ports(self.ports.rasa[0], self.ports.actions[0], self.ports.gateway),
                                     self.var_dir)
        self._define(redis_host, redis_port, own_redis=not self.base_env.get("PROD_REDIS_HOST"))

    def _define(self, redis_host: str, redis_port: int, own_redis: bool) -> None:
        venv, venv_rasa = ROOT / ".venv" / "bin", ROOT / ".venv-rasa" / "bin"
        token = self.env["RASA_API_TOKEN"]
        if own_redis:
            self.services["redis"] = Service(
                "redis",
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--daemonize", "no"],
                self.env, lambda: redis_ok(redis_port))
        for index, (rasa_port, action_port) in enumerate(zip(self.ports.rasa, self.ports.actions), start=1):
            self.services[f"actions-{index}"] = Service(
                f"actions-{index}", [str(venv / "python"), "-m", "actions.server"],
                {**self.env, "ACTION_PORT": str(action_port)},
                lambda port=action_port: http_ok(f"http://127.0.0.1:{port}/health"))
            self.services[f"rasa-{index}"] = Service(
                f"rasa-{index}",
                [str(venv_rasa / "python"), "-m", "bot.rasa_server", "run", "--model", str(self.model), "--endpoints", str(ENDPOINTS),
                 "--credentials", str(ROOT / "credentials.yml"), "--interface", "127.0.0.1",
                 "--port", str(rasa_port), "--enable-api", f"--auth-token={token}"],
                {**self.env, "RASA_PORT": str(rasa_port),
                 "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook"},
                lambda port=rasa_port: http_ok(f"http://127.0.0.1:{port}/status?token={token}", b'"model_file"'))
        self.services["gateway"] = Service(
            "gateway",
            [str(venv / "gunicorn"), "--bind", f"127.0.0.1:{self.ports.gateway}",
             "--workers", str(self.gateway_workers), "--threads", "32", "--timeout", "60",
             "--graceful-timeout", "10", "gateway:create_app()"],
            self.env, lambda: http_ok(f"http://127.0.0.1:{self.ports.gateway}/health"))

    # --- lifecycle ------------------------------------------------------------------------

    def start(self, timeout: float = 420, report: Callable[[str], None] = print) -> None:
        if not self.model.exists():
            raise RuntimeError(f"no trained model at {self.model}; run `make train`")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        metrics_dir = Path(self.env["PROMETHEUS_MULTIPROC_DIR"])
        shutil.rmtree(metrics_dir, ignore_errors=True)  # counts of an earlier run would add up
        metrics_dir.mkdir(parents=True)
        if self.postgres is not None:
            self.postgres.start()
            for name in ("booking", "rasa"):
                self.postgres.create_database(name)
            report(f"  ✓ postgresql is up (127.0.0.1:{self.ports.postgres})")
        subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "booking_adapter", "seed"],
                       cwd=ROOT, env=self.env, check=True, capture_output=True)
        for name in self.services:
            self.start_service(name)
        self.wait_healthy(list(self.services), timeout, report)

    def start_service(self, name: str) -> None:
        service = self.services[name]
        if service.alive():
            return
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (owned by the child)
        service.popen = subprocess.Popen(service.command, cwd=ROOT, env=service.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def wait_healthy(self, names: list[str], timeout: float = 300,
                     report: Callable[[str], None] = lambda line: None) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names)
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
        """Stop one process abruptly (fault tests) and wait until it is gone."""
        service = self.services[name]
        if service.alive():
            os.killpg(service.popen.pid, sig)
            service.popen.wait(timeout=30)

    def restart(self, name: str, timeout: float = 300) -> None:
        self.kill(name, signal.SIGTERM)
        self.start_service(name)
        self.wait_healthy([name], timeout)

    def stop(self, grace: float = 15) -> None:
        for service in reversed(list(self.services.values())):
            if service.alive():
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
        if self.postgres is not None:
            self.postgres.stop()


# --- make run-prod ----------------------------------------------------------------------------


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "prod",
                        help="data and logs of the profile (default var/prod)")
    parser.add_argument("--gateway-workers", type=int, default=2,
                        help="gunicorn workers (they share rate limits through Redis)")
    parser.add_argument("--fresh", action="store_true", help="delete the profile's data first")
    args = parser.parse_args(argv)
    if args.fresh and args.var.exists():
        shutil.rmtree(args.var)
    ports = ProdPorts(
        gateway=int(os.environ.get("GATEWAY_PORT") or 8000),
        postgres=int(os.environ.get("PROD_POSTGRES_PORT") or 55432),
        redis=int(os.environ.get("PROD_REDIS_PORT") or 56379),
    )
    stack = ProdStack(args.var, ports, gateway_workers=args.gateway_workers)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    print(f"· production profile: PostgreSQL, Redis, 2× Rasa, 2× actions, gunicorn (logs in {stack.log_dir})",
          flush=True)
    try:
        stack.start(timeout=float(os.environ.get("STARTUP_TIMEOUT", 420)))
        print(f"· all up after {time.monotonic() - started:.0f} s\n")
        print(f"  Web chat:  http://127.0.0.1:{ports.gateway}/")
        print("\n  Press Ctrl-C to stop.", flush=True)
        while all(s.alive() for s in stack.services.values()):
            time.sleep(1)
        crashed = [s.name for s in stack.services.values() if not s.alive()]
        print(f"· stopped unexpectedly: {', '.join(crashed)} (see {stack.log_dir})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n· stopping ...", flush=True)
        return 0
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as error:
        print(f"· start-up failed: {error}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
        print("· stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
