"""What the supervisor starts: Rasa and the action server on loopback, Rasa's HTTP API off in
the production profile (or behind the operator's token only), the gateway's key stable."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.rasa_server import with_loopback_default
from launcher.commands import UnsafeSetting, rasa_command
from launcher.prod import ProdPorts, ProdStack, gateway_key_environment
from launcher.stack import Ports, Stack, stack_environment
from launcher.supervisor import free_ports

EXTERNAL = {"PROD_POSTGRES_URL": "postgresql+psycopg://u@db.invalid/booking", "PROD_REDIS_HOST": "redis.invalid"}


def _after(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def _prod(tmp_path: Path, **env: str) -> ProdStack:
    return ProdStack(tmp_path / "prod", ProdPorts(), base_env={**EXTERNAL, **env})


def _dev(tmp_path: Path, **env: str) -> Stack:
    ports = Ports()
    return Stack(stack_environment(dict(env), ports, tmp_path), ports, tmp_path / "log")


def test_the_embedded_profile_binds_rasa_and_the_action_server_to_loopback(tmp_path):
    stack = _dev(tmp_path)
    assert _after(stack.services["rasa"].command, "--interface") == "127.0.0.1"
    assert stack.services["actions"].env["SANIC_HOST"] == "127.0.0.1"
    assert "127.0.0.1:8000" in stack.services["gateway"].command


def test_the_embedded_profile_has_rasas_api_only_behind_its_token(tmp_path):
    command = _dev(tmp_path).services["rasa"].command
    assert "--enable-api" in command
    assert "--auth-token=local-dev-token" in command


def test_the_production_profile_starts_rasa_without_its_http_api(tmp_path):
    stack = _prod(tmp_path)
    for name in ("rasa-1", "rasa-2"):
        command = stack.services[name].command
        assert "--enable-api" not in command
        assert not any(arg.startswith("--auth-token") for arg in command)
        assert _after(command, "--interface") == "127.0.0.1"
    assert "RASA_API_TOKEN" not in stack.env
    assert all(stack.services[f"actions-{i}"].env["SANIC_HOST"] == "127.0.0.1" for i in (1, 2))


def test_the_production_profile_opens_rasas_api_only_with_the_operators_token(tmp_path):
    stack = _prod(tmp_path, RASA_ENABLE_API="true", RASA_API_TOKEN="a-long-random-operator-token")
    command = stack.services["rasa-1"].command
    assert "--enable-api" in command and "--auth-token=a-long-random-operator-token" in command
    with pytest.raises(UnsafeSetting):
        _prod(tmp_path, RASA_ENABLE_API="true")  # the development token would be the only one
    with pytest.raises(UnsafeSetting):
        rasa_command(Path("m.tar.gz"), Path("e.yml"), 5005, "127.0.0.1", enable_api=True, api_token="")


def test_the_interface_is_a_setting(tmp_path):
    stack = _prod(tmp_path, RASA_INTERFACE="10.0.0.5", SANIC_HOST="10.0.0.6")
    assert _after(stack.services["rasa-1"].command, "--interface") == "10.0.0.5"
    assert stack.services["actions-1"].env["SANIC_HOST"] == "10.0.0.6"


def test_rasa_started_by_hand_through_the_entry_point_listens_on_loopback():
    assert with_loopback_default(["rasa", "run", "--port", "5005"])[-2:] == ["--interface", "127.0.0.1"]
    assert with_loopback_default(["rasa", "run", "-i", "0.0.0.0"]) == ["rasa", "run", "-i", "0.0.0.0"]
    assert with_loopback_default(["rasa", "run", "--interface=::1"]) == ["rasa", "run", "--interface=::1"]
    assert with_loopback_default(["rasa", "train"]) == ["rasa", "train"]


def test_the_action_server_hands_its_host_setting_to_rasa_sdk_and_allows_no_cors(monkeypatch):
    from actions import server

    seen = {}
    monkeypatch.delenv("SANIC_HOST", raising=False)
    monkeypatch.setattr(server.wiring, "install", lambda services: None)
    monkeypatch.setattr(server, "bootstrap", lambda settings: None)
    monkeypatch.setattr(server.endpoint, "run", lambda executor, **kw: seen.update(kw, host=server.os.environ["SANIC_HOST"]))
    server.main()
    assert seen["host"] == "127.0.0.1" and seen["cors_origins"] is None


def test_the_gateway_key_file_is_made_once_private_and_reused(tmp_path):
    key_file = tmp_path / "secrets" / "gateway_secret_key"
    first = gateway_key_environment({"GATEWAY_SECRET_KEY": "dev-only-change-me"}, key_file)
    assert "GATEWAY_SECRET_KEY" not in first and first["GATEWAY_SECRET_KEY_FILE"] == str(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    assert len(key.strip()) >= 32
    gateway_key_environment({}, key_file)
    assert key_file.read_text() == key  # a restart signs with the same key


def test_the_operators_key_or_key_file_is_used_as_given(tmp_path):
    key_file = tmp_path / "made-by-launcher"
    given = {"GATEWAY_SECRET_KEY": "operator-key-" + "x" * 40}
    assert gateway_key_environment(given, key_file) == given
    own = {"GATEWAY_SECRET_KEY_FILE": "/etc/terminassistent/key"}
    assert gateway_key_environment(own, key_file) == own
    assert not key_file.exists()


def test_the_production_profile_gets_a_stable_key_and_the_production_checks(tmp_path):
    first, second = _prod(tmp_path).env, _prod(tmp_path).env
    assert first["ASSISTANT_PROFILE"] == "production"
    assert first["GATEWAY_SECRET_KEY_FILE"] == second["GATEWAY_SECRET_KEY_FILE"]


def test_spare_ports_differ():
    ports = free_ports(7)
    assert len(set(ports)) == 7 and all(p > 0 for p in ports)


def test_make_run_prod_refuses_an_open_api_before_starting_anything(tmp_path, monkeypatch, capsys):
    from launcher import prod

    for name, value in {**EXTERNAL, "RASA_ENABLE_API": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    monkeypatch.setattr(prod.Supervisor, "start_all", lambda self: pytest.fail("started"))
    assert prod.main(["--var", str(tmp_path / "prod")]) == 2
    assert "RASA_API_TOKEN" in capsys.readouterr().err
