"""Talks to the Rasa server's input channels over Rasa's REST protocol.

Every turn gets an answer: when the dialogue policy predicts no reply for a state no rule or
story covers, the client sends the `/next_step` intent on the same channel, and the bot's
deciding action (actions/next_step.py) answers from the conversation's state.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

import requests

log = logging.getLogger(__name__)
NUDGE = "/next_step"


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 30.0, session: Optional[requests.Session] = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()

    def send(
        self, channel: str, sender: str, message: str, metadata: Optional[dict[str, Any]] = None
    ) -> list[dict[str, Any]]:
        """One user turn; returns the bot's messages ({"text", "buttons", "custom", ...})."""
        messages = self._post(channel, sender, message, metadata)
        if not messages and message != NUDGE:
            log.info("silent bot turn on %s; asking the deciding action", channel)
            messages = self._post(channel, sender, NUDGE, metadata)
        return messages

    def _post(
        self, channel: str, sender: str, message: str, metadata: Optional[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        url = f"{self.base_url}/webhooks/{channel}/webhook"
        body = {"sender": sender, "message": message, "metadata": metadata or {}}
        try:
            response = self.session.post(url, json=body, timeout=self.timeout)
        except requests.RequestException as error:
            raise RasaUnavailable(str(error)) from error
        if response.status_code != 200:
            raise RasaUnavailable(f"status {response.status_code}")
        messages = response.json()
        if not isinstance(messages, list):
            raise RasaUnavailable("unexpected answer")
        return messages
