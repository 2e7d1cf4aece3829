"""Secrets and sessions (issue 19, item 1): the production profile refuses the default or a short
signing key at start-up; a session cookie forged with the default key opens nothing; the key
stays the same across restarts; cookies are Secure/HttpOnly/SameSite; a new password or a
deactivation ends every open session."""
from __future__ import annotations

import os
import stat

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from common.settings import (
    DEV_SECRET_KEY,
    Settings,
    SettingsError,
    ensure_secret_key_file,
)
from gateway import create_app

from .conftest import PASSWORD, STRONG_KEY, ScriptedRasa, production_env, sign_in


def forged_cookie(secret: str, data: dict) -> str:
    """A Flask session cookie signed with `secret`, as an attacker who knows the key makes it."""
    forger = Flask("forger")
    forger.secret_key = secret
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    assert serializer is not None
    return serializer.dumps(data)


# --- start-up ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", DEV_SECRET_KEY])
def test_the_production_profile_refuses_to_start_with_the_default_secret_key(tmp_path, key):
    env = production_env(tmp_path, GATEWAY_SECRET_KEY=key)
    with pytest.raises(SettingsError, match=r"development secret key.*GATEWAY_SECRET_KEY"):
        create_app(Settings.from_env(env), rasa=ScriptedRasa())


def test_the_gunicorn_entry_point_reads_the_environment_and_refuses_the_default_key(tmp_path, monkeypatch):
    """`gunicorn 'gateway:create_app()'`: no arguments, the settings come from the environment."""
    for key, value in production_env(tmp_path, GATEWAY_SECRET_KEY=DEV_SECRET_KEY).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GATEWAY_SECRET_KEY_FILE", raising=False)
    with pytest.raises(SettingsError, match="refusing to start the production profile"):
        create_app()


def test_the_production_profile_refuses_a_secret_key_shorter_than_32_characters(tmp_path):
    env = production_env(tmp_path, GATEWAY_SECRET_KEY="x" * 31)
    with pytest.raises(SettingsError, match=r"secret key of 31 characters.*at least 32"):
        create_app(Settings.from_env(env), rasa=ScriptedRasa())


def test_the_development_profile_still_starts_with_the_default_key(tmp_path):
    env = production_env(tmp_path, ASSISTANT_PROFILE="development", GATEWAY_SECRET_KEY="")
    app = create_app(Settings.from_env(env), rasa=ScriptedRasa())
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is False  # http://127.0.0.1 in development


def test_an_unknown_profile_is_refused_rather_than_taken_for_development():
    with pytest.raises(SettingsError, match="ASSISTANT_PROFILE"):
        Settings.from_env({"ASSISTANT_PROFILE": "prod"})


def test_the_key_comes_from_a_file_the_operator_owns_and_is_the_same_at_every_restart(tmp_path):
    key_file = tmp_path / "secrets" / "gateway_secret_key"
    first = ensure_secret_key_file(key_file)
    assert len(first) >= 32
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert ensure_secret_key_file(key_file) == first, "a second start reuses the key"

    env = production_env(tmp_path, GATEWAY_SECRET_KEY="", GATEWAY_SECRET_KEY_FILE=str(key_file))
    apps = [create_app(Settings.from_env(env), rasa=ScriptedRasa()) for _ in range(2)]  # two restarts
    assert apps[0].config["SECRET_KEY"] == apps[1].config["SECRET_KEY"] == first
    # a calendar link signed before a restart still opens after it
    with apps[0].test_request_context():
        from gateway.webchat import _serializer

        token = _serializer().dumps({"code": "ACD-EFG"})
    with apps[1].test_request_context():
        assert _serializer().loads(token) == {"code": "ACD-EFG"}


def test_a_missing_key_file_is_a_clear_error(tmp_path):
    env = production_env(tmp_path, GATEWAY_SECRET_KEY="", GATEWAY_SECRET_KEY_FILE=str(tmp_path / "none"))
    with pytest.raises(SettingsError, match=r"GATEWAY_SECRET_KEY_FILE .* cannot be read"):
        Settings.from_env(env)


# --- forged sessions --------------------------------------------------------------------------


def test_a_session_forged_with_the_default_key_does_not_open_the_console_in_production(gateway):
    client = gateway.client()
    agent_id = gateway.store.check_password("chef", PASSWORD).id
    client.set_cookie("session", forged_cookie(DEV_SECRET_KEY, {"agent_id": agent_id}))
    page = client.get("/agents/")
    assert page.status_code == 302 and "/agents/login" in page.headers["Location"]
    assert client.get("/api/agents/handovers").status_code == 401
    assert client.get("/agents/audit").status_code == 302


def test_even_a_session_signed_with_the_real_key_needs_the_agents_credential_stamp(gateway):
    """The old cookie format {"agent_id": n}: knowing the key is not enough without the stamp."""
    client = gateway.client()
    agent_id = gateway.store.check_password("anna", PASSWORD).id
    client.set_cookie("session", forged_cookie(STRONG_KEY, {"agent_id": agent_id}))
    assert client.get("/api/agents/handovers").status_code == 401
    client.set_cookie("session", forged_cookie(STRONG_KEY, {"agent_id": agent_id, "agent_stamp": "0" * 32}))
    assert client.get("/api/agents/handovers").status_code == 401


def test_the_session_cookie_is_secure_httponly_and_samesite_lax_in_production(gateway):
    response = sign_in(gateway.client())
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "secure" in flags and "httponly" in flags
    assert flags["samesite"].lower() == "samesite=lax"


def test_session_cookie_secure_can_be_switched_off_explicitly(make_gateway):
    gateway = make_gateway(SESSION_COOKIE_SECURE="false")
    cookie = next(h for h in sign_in(gateway.client()).headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "secure" not in cookie.lower().replace("samesite", "")


# --- sessions end with the credentials --------------------------------------------------------


def test_the_session_ends_when_the_agents_password_changes(gateway):
    client, other_device = gateway.client(), gateway.client()
    assert sign_in(client).status_code == 302
    assert sign_in(other_device).status_code == 302
    assert client.get("/api/agents/handovers").status_code == 200
    gateway.store.add_agent("anna", "ein-ganz-neues-passwort", "agent")  # the admin sets a new password
    assert client.get("/api/agents/handovers").status_code == 401
    assert other_device.get("/agents/").status_code == 302
    assert sign_in(client, password=PASSWORD).status_code == 401  # the old password is gone
    assert sign_in(client, password="ein-ganz-neues-passwort").status_code == 302
    assert client.get("/api/agents/handovers").status_code == 200


def test_the_session_and_the_api_token_end_when_the_agent_is_deactivated(gateway):
    token = gateway.store.issue_token("anna", "crm")
    client = gateway.client()
    assert sign_in(client).status_code == 302
    assert client.get("/api/agents/handovers").status_code == 200
    assert gateway.client().get("/api/agents/handovers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert gateway.store.deactivate_agent("anna") is True
    assert client.get("/api/agents/handovers").status_code == 401
    assert gateway.client().get("/api/agents/handovers", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert sign_in(gateway.client()).status_code == 401
    # the other agent is not affected
    chef = gateway.client()
    assert sign_in(chef, "chef").status_code == 302 and chef.get("/api/agents/handovers").status_code == 200


def test_the_deactivate_command_locks_the_agent_out(gateway, monkeypatch, capsys):
    from handover.cli import main

    monkeypatch.setenv("HANDOVER_DATABASE_URL", gateway.settings.handover_database_url)
    client = gateway.client()
    assert sign_in(client).status_code == 302
    assert main(["deactivate-agent", "anna"]) == 0
    assert client.get("/api/agents/handovers").status_code == 401
    assert main(["deactivate-agent", "nobody"]) == 2


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    key_file = tmp_path / "gateway_secret_key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: ensure_secret_key_file(key_file), range(16)))
    assert len(keys) == 1 and len(next(iter(keys))) >= 32
    assert [p.name for p in tmp_path.iterdir()] == ["gateway_secret_key"], "no drafts left behind"
