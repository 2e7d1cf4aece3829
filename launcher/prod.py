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
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from common.settings import (
    DEV_SECRET_KEY,
    DEVELOPMENT,
    Settings,
    SettingsError,
    ensure_secret_key_file,
)
from launcher import commands
from launcher.stack import DEV_RASA_TOKEN, Ports, stack_environment
from launcher.stores import prepare_stores
from launcher.supervisor import (
    MODEL,
    ROOT,
    Service,
    Supervisor,
    free_ports,
    http_ok,
    redis_ok,
    run_in_foreground,
)

__all__ = ["PrivatePostgres", "ProdPorts", "ProdStack", "http_ok", "main", "redis_ok"]

ENDPOINTS = ROOT / "deploy" / "endpoints.prod.yml"
SECRET_KEY_FILE = Path("secrets") / "gateway_secret_key"  # under the profile's directory
PORT_SETTINGS = ("GATEWAY_PORT", "RASA_PORT", "ACTION_PORT", "RASA_URL", "RASA_URLS", "ACTION_ENDPOINT_URL")


@dataclass(frozen=True)
class ProdPorts:
    gateway: int = 8000
    rasa: tuple[int, ...] = (5005, 5006)
    actions: tuple[int, ...] = (5055, 5056)
    postgres: int = 55432
    redis: int = 56379

    @classmethod
    def spare(cls) -> ProdPorts:
        """A whole set the OS says is free (tests and benchmarks: runs do not collide)."""
        gateway, rasa_1, rasa_2, actions_1, actions_2, postgres, redis = free_ports(7)
        return cls(gateway, (rasa_1, rasa_2), (actions_1, actions_2), postgres, redis)

    @classmethod
    def offset(cls, base: int) -> ProdPorts:
        """A whole set of ports around `base` (tests and benchmarks use their own)."""
        return cls(base, (base + 5, base + 6), (base + 55, base + 56), base + 432, base + 379)


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
                           f"SELECT 1 FROM pg_database WHERE datname = '{name}'")  # noqa: S608 (our own database name)
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


# --- the profile ------------------------------------------------------------------------------


def gateway_key_environment(env: Mapping[str, str], key_file: Path) -> dict[str, str]:
    """The gateway's signing key stays the same across restarts: GATEWAY_SECRET_KEY or
    GATEWAY_SECRET_KEY_FILE as the operator set them; when neither is set (or only the
    development default), a key file is created once under the profile's directory (mode
    0600) and named by GATEWAY_SECRET_KEY_FILE, so later starts reuse it."""
    out = dict(env)
    key = out.get("GATEWAY_SECRET_KEY", "").strip()
    if key and key != DEV_SECRET_KEY:
        return out
    out.pop("GATEWAY_SECRET_KEY", None)
    if out.get("GATEWAY_SECRET_KEY_FILE", "").strip():
        return out
    ensure_secret_key_file(key_file)
    out["GATEWAY_SECRET_KEY_FILE"] = str(key_file)
    return out


def rasa_api(settings: Settings) -> tuple[bool, str]:
    """Rasa's HTTP API in this profile: off unless RASA_ENABLE_API=true, and then only behind
    a token of the operator's (never the development one)."""
    enabled = settings.rasa_enable_api if settings.rasa_enable_api is not None else settings.profile == DEVELOPMENT
    token = settings.rasa_api_token
    if enabled and token in ("", DEV_RASA_TOKEN):
        raise commands.UnsafeSetting("RASA_ENABLE_API=true needs RASA_API_TOKEN set to a random value "
                                     "(not the development token)")
    return enabled, token if enabled else ""


class ProdStack(Supervisor):
    """Everything of the production profile; start() brings it up, stop() takes it down."""

    def __init__(self, var_dir: Path, ports: ProdPorts = ProdPorts(), base_env: Mapping[str, str] | None = None,
                 gateway_workers: int = 2, model: Path = MODEL):
        super().__init__(var_dir / "log")
        var_dir.mkdir(parents=True, exist_ok=True)
        self.var_dir, self.ports, self.gateway_workers, self.model = var_dir, ports, gateway_workers, model
        base_env = dict(os.environ if base_env is None else base_env)
        given = Settings.from_env(base_env)
        base = {k: v for k, v in base_env.items()  # stores and ports are the profile's to decide
                if not k.startswith(("BOOKING_", "TRACKER_", "TELEPHONY_DATABASE", "HANDOVER_DATABASE"))
                and k not in PORT_SETTINGS}
        self.postgres: PrivatePostgres | None = None
        if not given.prod_postgres_url:
            self.postgres = PrivatePostgres(var_dir / "postgres", ports.postgres)
            booking_url, tracker_url = self.postgres.url("booking"), self.postgres.url("rasa", "psycopg2")
        else:
            booking_url = given.prod_postgres_url
            tracker_url = given.prod_tracker_url or booking_url.replace("+psycopg:", "+psycopg2:")
        own_redis = not given.prod_redis_host
        redis_host = given.prod_redis_host or "127.0.0.1"
        redis_port = ports.redis if own_redis else given.prod_redis_port
        env = {
            **gateway_key_environment(base, var_dir / SECRET_KEY_FILE),
            "ASSISTANT_PROFILE": base.get("ASSISTANT_PROFILE") or "production",
            "BOOKING_DATABASE_URL": booking_url,
            "TRACKER_DATABASE_URL": tracker_url,
            "TRACKER_URL": tracker_url.replace("+psycopg2:", "+psycopg:"),  # read by the reports
            "TRACKER_DIALECT": "postgresql",
            "LOCK_STORE_HOST": redis_host,
            "LOCK_STORE_PORT": str(redis_port),
            # the gateway workers' shared rate-limit counters and webhook replays (Rasa's locks: db 1)
            "RATE_LIMIT_REDIS_URL": f"redis://{redis_host}:{redis_port}/2",
            # one folder for the workers' Prometheus counts, emptied at every start
            "PROMETHEUS_MULTIPROC_DIR": str(var_dir / "metrics"),
            "RASA_TELEMETRY_ENABLED": "false",  # nothing leaves the machine (and no error reports)
            "RASA_URLS": ",".join(f"http://127.0.0.1:{p}" for p in ports.rasa),
        }
        self.env = stack_environment(env, Ports(ports.rasa[0], ports.actions[0], ports.gateway), var_dir)
        settings = Settings.from_env(self.env)
        api, token = rasa_api(settings)
        if not api:
            self.env.pop("RASA_API_TOKEN", None)  # nothing needs it, so nobody gets it
        if own_redis:
            self.add(Service("redis", commands.redis_command(redis_port), self.env,
                             lambda: redis_ok(redis_port)))
        for index, (rasa_port, action_port) in enumerate(zip(ports.rasa, ports.actions), start=1):
            self.add(Service(f"actions-{index}", commands.actions_command(),
                             {**self.env, "ACTION_PORT": str(action_port)}, commands.actions_health(action_port)))
            self.add(Service(
                f"rasa-{index}",
                commands.rasa_command(model, ENDPOINTS, rasa_port, settings.rasa_interface, api, token),
                {**self.env, "RASA_PORT": str(rasa_port), "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook"},
                commands.rasa_health(rasa_port, api, token)))
        self.add(Service("gateway", commands.gateway_command("127.0.0.1", ports.gateway, gateway_workers,
                                                                 threads=commands.gateway_threads(settings, 32)),
                         self.env, commands.gateway_health(ports.gateway)))

    def start(self, timeout: float = 420, report: Callable[[str], None] = print) -> None:
        if not self.model.exists():
            raise RuntimeError(f"no trained model at {self.model}; run `make train`")
        metrics_dir = Path(self.env["PROMETHEUS_MULTIPROC_DIR"])
        shutil.rmtree(metrics_dir, ignore_errors=True)  # counts of an earlier run would add up
        metrics_dir.mkdir(parents=True)
        if self.postgres is not None:
            self.postgres.start()
            for name in ("booking", "rasa"):
                self.postgres.create_database(name)
            report(f"  ✓ postgresql is up (127.0.0.1:{self.ports.postgres})")
        prepare_stores(self.env)
        self.start_all()
        self.wait_healthy(timeout=timeout, report=report)

    def stop(self, grace: float = 15) -> None:
        super().stop(grace)
        if self.postgres is not None:
            self.postgres.stop()


# --- make run-prod ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "prod",
                        help="data and logs of the profile (default var/prod)")
    parser.add_argument("--gateway-workers", type=int, default=2,
                        help="gunicorn workers (they share rate limits through Redis)")
    parser.add_argument("--fresh", action="store_true",
                        help="delete the profile's data first (the gateway's key file is kept)")
    args = parser.parse_args(argv)
    if args.fresh and args.var.exists():
        for child in args.var.iterdir():
            if child.name != SECRET_KEY_FILE.parts[0]:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    settings = Settings.from_env()
    ports = ProdPorts(gateway=settings.gateway_port, postgres=settings.prod_postgres_port,
                      redis=settings.prod_redis_port)
    try:
        stack = ProdStack(args.var, ports, gateway_workers=args.gateway_workers)
    except (ValueError, SettingsError) as error:
        print(f"· refusing to start: {error}", file=sys.stderr)
        return 2
    return run_in_foreground(
        lambda: stack.start(timeout=settings.startup_timeout), stack, stack.stop,
        banner=f"· production profile: PostgreSQL, Redis, 2× Rasa, 2× actions, gunicorn (logs in {stack.log_dir})",
        ready=[f"Web chat:  http://127.0.0.1:{ports.gateway}/"],
    )


if __name__ == "__main__":
    sys.exit(main())
