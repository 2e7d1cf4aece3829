"""The embedded profile: one Rasa server, one action server, one gateway, SQLite files.

Used by `make run` (python -m launcher), the end-to-end tests, the dialogue corpus and the
benchmarks, so all run the same commands with the same environment. Supervision (start,
health, stop) is launcher/supervisor.py's, shared with the production profile.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from common.settings import Settings
from launcher import commands
from launcher.stores import prepare_stores
from launcher.supervisor import MODEL, ROOT, Service, Supervisor, free_ports

__all__ = ["MODEL", "ROOT", "Ports", "Stack", "stack_environment"]

DEV_RASA_TOKEN = "local-dev-token"  # noqa: S105 (loopback only; the e2e tests read trackers with it


@dataclass(frozen=True)
class Ports:
    rasa: int = 5005
    actions: int = 5055
    gateway: int = 8000

    @classmethod
    def spare(cls) -> Ports:
        """Three ports the OS says are free (tests: two runs on one machine do not collide)."""
        rasa, actions, gateway = free_ports(3)
        return cls(rasa, actions, gateway)

    @classmethod
    def from_settings(cls, settings: Settings) -> Ports:
        return cls(settings.rasa_port, settings.action_port, settings.gateway_port)


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
        "RASA_API_TOKEN": DEV_RASA_TOKEN,
        "SANIC_HOST": "127.0.0.1",
        "RASA_INTERFACE": "127.0.0.1",
    }
    for key, value in defaults.items():
        if not env.get(key):
            env[key] = value
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


class Stack(Supervisor):
    """Rasa, the action server and the gateway of the embedded profile."""

    def __init__(self, env: dict[str, str], ports: Ports = Ports(), log_dir: Path = ROOT / "var" / "log",
                 model: Path = MODEL):
        super().__init__(log_dir)
        self.env, self.ports, self.model = env, ports, model
        settings = Settings.from_env(env)
        api = True if settings.rasa_enable_api is None else settings.rasa_enable_api
        token = settings.rasa_api_token
        self.add(Service("actions", commands.actions_command(), env, commands.actions_health(ports.actions)))
        self.add(Service(
            "rasa",
            commands.rasa_command(model, ROOT / "endpoints.yml", ports.rasa, settings.rasa_interface, api, token),
            env, commands.rasa_health(ports.rasa, api, token)))
        self.add(Service("gateway", commands.gateway_command("127.0.0.1", ports.gateway, workers=1,
                                                                 threads=commands.gateway_threads(settings, 16)),
                         env, commands.gateway_health(ports.gateway)))

    def start(self) -> None:
        """Bring the stores' schemas up to date (and the catalogue in), then start all three."""
        prepare_stores(self.env)
        self.start_all()
