"""Rasa's own command line, started with one speed repair: `python -m bot.rasa_server run ...`.

Rasa 3.6 checks every reply of the action server with `jsonschema.validate(reply, schema)`.
That function first validates the schema itself against the JSON Schema meta-schema, and
Rasa's schema of events is large and never changes, so this check is repeated, to the same
result, on every custom action call. Profiled under load (py-spy, 20 citizens without pauses),
it took 44 % of a Rasa instance's CPU. `install()` replaces the method with one that builds
the validator once; each reply is still validated against the same schema and an invalid
reply raises the same `ValidationError` with the same message.

A second repair: Rasa makes one attempt per call to the action server, so an action server
that is restarting (connection refused) turns a citizen's turn into the apology. `install()`
wraps `EndpointConfig.request` so that a connection that could not be opened is tried again
after 0, 0.5 and 1 s; anything that reached the action server (an answer, an error status, a
timeout) is never repeated, so no action runs twice.

Patched here, in the process's entry point, and nowhere else: importing `bot` changes
nothing, and `rasa train` / `rasa test` run unpatched.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

_INSTALLED = False
CONNECT_RETRIES = 3
BACKOFF_FACTOR = 0.25  # pauses 0, 0.5, 1 s: the same as the gateway's Rasa client


def cached_validator(schema_of: Callable[[], dict[str, Any]]):
    """A jsonschema validator for `schema_of()`, the schema checked once, on first use."""
    from jsonschema.validators import validator_for

    validator = None

    def get():
        nonlocal validator
        if validator is None:
            schema = schema_of()
            cls = validator_for(schema)
            cls.check_schema(schema)
            validator = cls(schema)
        return validator

    return get


def install() -> None:
    """Make RemoteAction validate action server replies with a validator built once."""
    global _INSTALLED
    if _INSTALLED:
        return
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    validator = cached_validator(RemoteAction.action_response_format_spec)

    def _validate_action_result(self, result: dict[str, Any]) -> bool:
        error = best_match(validator().iter_errors(result))
        if error is None:
            return True
        # the same message as Rasa's own method (rasa/core/actions/action.py)
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = _validate_action_result
    _retry_refused_connections()
    _INSTALLED = True


def _pause(attempt: int) -> float:
    return 0.0 if attempt == 0 else BACKOFF_FACTOR * 2 ** attempt


def _retry_refused_connections() -> None:
    import asyncio
    import logging

    from aiohttp import ClientConnectorError
    from rasa.utils.endpoints import EndpointConfig

    log = logging.getLogger(__name__)
    request = EndpointConfig.request

    async def request_with_retry(self, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(CONNECT_RETRIES + 1):
            try:
                return await request(self, *args, **kwargs)
            except ClientConnectorError:  # no connection was made: nothing was sent
                if attempt == CONNECT_RETRIES:
                    raise
                log.warning("%s refused the connection; trying again", self.url)
                await asyncio.sleep(_pause(attempt))
        raise AssertionError("unreachable")

    EndpointConfig.request = request_with_retry


LOOPBACK = "127.0.0.1"


def with_loopback_default(argv: list[str]) -> list[str]:
    """`rasa run` listens on every interface unless told otherwise; started through this entry
    point it listens on loopback unless `--interface` (or `-i`) says otherwise."""
    if len(argv) < 2 or argv[1] != "run" or argv[2:3] == ["actions"]:
        return argv
    if any(arg in ("-i", "--interface") or arg.startswith("--interface=") for arg in argv[2:]):
        return argv
    return [*argv, "--interface", LOOPBACK]


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv = with_loopback_default(["rasa", *sys.argv[1:]])
    rasa_main()


if __name__ == "__main__":
    main()
