"""The gateway's own German sentences and recognition vocabulary, loaded from YAML."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

_HERE = Path(__file__).resolve().parent
MESSAGES_FILE = _HERE / "messages_de.yml"
VOCABULARY_FILE = _HERE / "vocabulary_de.yml"


class Messages:
    """Named sentences; `messages.get("menu")` or `messages.format("button_choice", ...)`."""

    def __init__(self, sentences: Mapping[str, str]):
        self._sentences = dict(sentences)

    def get(self, key: str) -> str:
        return self._sentences[key]

    def format(self, key: str, **values: Any) -> str:
        return self._sentences[key].format(**values)

    def keys(self) -> set[str]:
        return set(self._sentences)


@dataclass(frozen=True)
class Vocabulary:
    hints_always: tuple[str, ...]
    hints_catalogue: tuple[str, ...]
    location_name_prefixes: tuple[str, ...]
    yes_words: tuple[str, ...]
    no_words: tuple[str, ...]
    goodbye_words: tuple[str, ...]
    menu_repeat_words: tuple[str, ...]
    menu_restart_words: tuple[str, ...]
    menu_human_words: tuple[str, ...]
    back_to_assistant_words: tuple[str, ...]
    date_words: tuple[str, ...]
    numbered_option_patterns: tuple[str, ...]
    anonymous_callers: tuple[str, ...]


def _words(raw: Any) -> tuple[str, ...]:
    return tuple(str(word).strip() for word in raw or () if str(word).strip())


def load_messages(path: Path = MESSAGES_FILE) -> Messages:
    return Messages(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Vocabulary(
        hints_always=_words(data.get("hints_always")),
        hints_catalogue=_words(data.get("hints_catalogue")),
        location_name_prefixes=_words(data.get("location_name_prefixes")),
        yes_words=_words(data.get("yes_words")),
        no_words=_words(data.get("no_words")),
        goodbye_words=_words(data.get("goodbye_words")),
        menu_repeat_words=_words(data.get("menu_repeat_words")),
        menu_restart_words=_words(data.get("menu_restart_words")),
        menu_human_words=_words(data.get("menu_human_words")),
        back_to_assistant_words=_words(data.get("back_to_assistant_words")),
        date_words=_words(data.get("date_words")),
        numbered_option_patterns=_words(data.get("numbered_option_patterns")),
        anonymous_callers=tuple(word.lower() for word in _words(data.get("anonymous_callers"))),
    )
