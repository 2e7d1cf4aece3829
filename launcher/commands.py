"""The command lines of the three kinds of process, the same for both profiles.

Decided here: Rasa and the action server listen on loopback unless a setting says otherwise
(RASA_INTERFACE, SANIC_HOST); Rasa's HTTP API is on only when asked for, and then only behind
its token (`--auth-token`), never open.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from launcher.supervisor import ROOT, http_ok

VENV = ROOT / ".venv" / "bin"
VENV_RASA = ROOT / ".venv-rasa" / "bin"
CREDENTIALS = ROOT / "credentials.yml"


class UnsafeSetting(ValueError):
    """A combination of settings the launcher refuses to start with."""


def rasa_command(model: Path, endpoints: Path, port: int, interface: str,
                 enable_api: bool, api_token: str) -> list[str]:
    command = [
        str(VENV_RASA / "python"), "-m", "bot.rasa_server", "run",  # Rasa + one speed repair
        "--model", str(model), "--endpoints", str(endpoints), "--credentials", str(CREDENTIALS),
        "--interface", interface, "--port", str(port),
    ]
    if enable_api:
        if not api_token:
            raise UnsafeSetting("Rasa's HTTP API needs RASA_API_TOKEN (it is never started open)")
        command += ["--enable-api", f"--auth-token={api_token}"]
    return command


def rasa_health(port: int, enable_api: bool, api_token: str) -> Callable[[], bool]:
    """With the API: /status names the loaded model. Without it: Rasa loads the model before
    it starts answering, so its greeting on / means ready."""
    if enable_api:
        return lambda: http_ok(f"http://127.0.0.1:{port}/status?token={api_token}", b'"model_file"')
    return lambda: http_ok(f"http://127.0.0.1:{port}/", b"Hello from Rasa")


def actions_command() -> list[str]:
    """Host and port come from the environment (SANIC_HOST, ACTION_PORT; actions/server.py)."""
    return [str(VENV / "python"), "-m", "actions.server"]


def actions_health(port: int) -> Callable[[], bool]:
    return lambda: http_ok(f"http://127.0.0.1:{port}/health")


def gateway_command(bind: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        str(VENV / "gunicorn"), "--bind", f"{bind}:{port}",
        "--workers", str(workers), "--threads", str(threads), "--timeout", "60",
        "--graceful-timeout", "10", "gateway:create_app()",
    ]


def gateway_threads(settings, default: int) -> int:
    """gunicorn threads per gateway worker (gthread). In relay mode each open call holds one
    thread for its WebSocket (flask-sock), so RELAY_GATEWAY_THREADS, at least the profile's."""
    if getattr(settings, "voice_mode", "gather") == "relay":
        return max(default, int(settings.relay_gateway_threads))
    return default


def gateway_health(port: int) -> Callable[[], bool]:
    return lambda: http_ok(f"http://127.0.0.1:{port}/health")


def redis_command(port: int) -> list[str]:
    return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--daemonize", "no"]
