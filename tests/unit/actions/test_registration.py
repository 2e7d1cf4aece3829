"""The action server registers exactly the custom actions the domain names."""
from __future__ import annotations

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

DOMAIN = Path(__file__).resolve().parents[3] / "bot" / "domain"
RASA_DEFAULTS_WE_OVERRIDE = {"action_restart"}


def _domain_actions() -> set[str]:
    names: set[str] = set()
    for file in DOMAIN.glob("*.yml"):
        names.update(yaml.safe_load(file.read_text(encoding="utf-8")).get("actions") or [])
    return names


def test_every_domain_action_is_served_and_nothing_else():
    executor = ActionExecutor()
    executor.register_package("actions")
    served = set(executor.actions)
    assert served == _domain_actions()
    assert served >= RASA_DEFAULTS_WE_OVERRIDE

