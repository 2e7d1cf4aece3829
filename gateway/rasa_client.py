"""Talks to the Rasa server's input channels over Rasa's REST protocol.

Every turn gets an answer: when the dialogue policy predicts no reply for a state no rule or
story covers, the client sends the `/next_step` intent on the same channel, and the bot's
deciding action (actions/next_step.py) answers from the conversation's state.

A refused connection (Rasa restarting, not yet listening) is tried again with a growing pause
(urllib3's Retry, connect errors only: the request never reached Rasa, so nothing runs twice).
A turn that was sent and then timed out or was cut is never repeated: it may still be running.
"""
from __future__ import annotations

import logging
from typing import Any, Optional, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)
NUDGE = "/next_step"
CONNECT_RETRIES = 3  # after the first try: pauses of 0, 0.5 and 1 s (backoff factor 0.25)
BACKOFF_FACTOR = 0.25


def retrying_session(connect_retries: int = CONNECT_RETRIES, backoff_factor: float = BACKOFF_FACTOR) -> requests.Session:
    """A session that retries connections refused before the request was sent, and nothing else."""
    retry = Retry(total=connect_retries, connect=connect_retries, read=0, redirect=0, status=0, other=0,
                  backoff_factor=backoff_factor, raise_on_status=False)
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class ChatBot(Protocol):
    """What the gateway asks of the bot: one user turn in, the bot's messages out (the Rasa
    client, a pool of them, or a fake in tests and benchmarks)."""

    def send(
        self, channel: str, sender: str, message: str, metadata: Optional[dict[str, Any]] = None
    ) -> list[dict[str, Any]]: ...


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 30.0, session: requests.Session | None = None,
                 connect_retries: int = CONNECT_RETRIES):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or retrying_session(connect_retries)

    def send(
        self, channel: str, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """One user turn; returns the bot's messages ({"text", "buttons", "custom", ...})."""
        messages = self._post(channel, sender, message, metadata)
        if not messages and message != NUDGE:
            log.info("silent bot turn on %s; asking the deciding action", channel)
            messages = self._post(channel, sender, NUDGE, metadata)
        return messages

    def _post(
        self, channel: str, sender: str, message: str, metadata: dict[str, Any] | None
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
