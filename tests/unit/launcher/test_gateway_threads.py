"""The gateway's gunicorn threads: the profile's in Gather mode, one per open call in relay mode
(each ConversationRelay socket holds a gthread thread for the whole call)."""
from __future__ import annotations

from pathlib import Path

from launcher.prod import ProdPorts, ProdStack
from launcher.stack import Ports, Stack, stack_environment

EXTERNAL = {"PROD_POSTGRES_URL": "postgresql+psycopg://u@db.invalid/booking", "PROD_REDIS_HOST": "redis.invalid"}


def _gateway(stack) -> list[str]:
    return stack.services["gateway"].command


def _threads(command: list[str]) -> str:
    return command[command.index("--threads") + 1]


def _dev(tmp_path: Path, **env: str) -> Stack:
    return Stack(stack_environment(dict(env), Ports(), tmp_path), Ports(), tmp_path / "log")


def test_gather_mode_keeps_the_profiles_threads(tmp_path):
    assert _threads(_gateway(_dev(tmp_path))) == "16"
    assert _threads(_gateway(ProdStack(tmp_path / "prod", ProdPorts(), base_env=EXTERNAL))) == "32"


def test_relay_mode_gives_each_open_call_a_thread_in_both_profiles(tmp_path):
    assert _threads(_gateway(_dev(tmp_path, VOICE_MODE="relay"))) == "64"
    prod = ProdStack(tmp_path / "prod", ProdPorts(), base_env={**EXTERNAL, "VOICE_MODE": "relay",
                                                                "RELAY_GATEWAY_THREADS": "100"})
    command = _gateway(prod)
    assert _threads(command) == "100" and "gateway:create_app()" in command
