"""Several Rasa instances behind the gateway (the production profile's load balancer).

Each conversation sticks to one instance (a hash of the sender id), so its turns normally go
to the same place; when that instance cannot be reached at all (connection refused or cut),
the turn goes to the next one. With the SQL tracker store and the Redis lock store every
instance can take any conversation, so nothing is lost when one is down. A turn that timed
out is not repeated elsewhere: it may still be running. When no instance can be reached, the
round is tried again after a growing pause (all instances restarting at once).
"""
from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Sequence
from typing import Any

import requests

from gateway.rasa_client import (
    BACKOFF_FACTOR,
    CONNECT_RETRIES,
    RasaClient,
    RasaUnavailable,
)

log = logging.getLogger(__name__)


class RasaPool:
    def __init__(self, base_urls: Sequence[str], timeout: float = 30.0, rounds: int = CONNECT_RETRIES + 1,
                 backoff_factor: float = BACKOFF_FACTOR):
        if not base_urls:
            raise ValueError("at least one Rasa URL is needed")
        # the pool retries itself, over all instances, so a dead one costs no pause
        self.clients = [RasaClient(url, timeout=timeout, connect_retries=0) for url in base_urls]
        self.rounds, self.backoff_factor = max(1, rounds), backoff_factor

    def send(
        self, channel: str, sender: str, message: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        first = zlib.crc32(sender.encode("utf-8")) % len(self.clients)
        last_error: RasaUnavailable | None = None
        for round_ in range(self.rounds):
            if round_:
                time.sleep(self.backoff_factor * 2 ** round_)  # 0.5, 1, 2 s
            for step in range(len(self.clients)):
                client = self.clients[(first + step) % len(self.clients)]
                try:
                    return client.send(channel, sender, message, metadata)
                except RasaUnavailable as error:
                    if not _unreachable(error):
                        raise
                    log.warning("rasa at %s unreachable; trying the next instance", client.base_url)
                    last_error = error
        if last_error is None:  # no instance configured
            raise RasaUnavailable("no Rasa instance")
        raise last_error


def _unreachable(error: RasaUnavailable) -> bool:
    cause = error.__cause__
    return isinstance(cause, requests.ConnectionError) and not isinstance(cause, requests.Timeout)


def rasa_client_for(settings) -> Any:
    """One RasaClient, or a RasaPool when RASA_URLS names several instances."""
    urls = [u.strip() for u in str(getattr(settings, "rasa_urls", "") or "").split(",") if u.strip()]
    if len(urls) > 1:
        return RasaPool(urls)
    return RasaClient(urls[0] if urls else settings.rasa_url)
