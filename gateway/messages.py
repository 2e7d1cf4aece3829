"""The few sentences the gateway itself must say when Rasa cannot (German, formal)."""
from __future__ import annotations

from pathlib import Path

import yaml

_FILE = Path(__file__).with_name("messages_de.yml")


def load_messages() -> dict[str, str]:
    return yaml.safe_load(_FILE.read_text(encoding="utf-8"))
