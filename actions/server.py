"""Start the action server with its collaborators wired: `python -m actions.server`."""
from __future__ import annotations

import logging
import os

from rasa_sdk import endpoint
from rasa_sdk.executor import ActionExecutor

from actions import wiring
from booking_adapter.bootstrap import build_booking_port
from common.settings import Settings


def bootstrap(settings: Settings) -> wiring.ActionServices:
    from handover.bootstrap import build_handover_store, hotline_hours

    return wiring.ActionServices(
        booking=build_booking_port(settings),
        clock=settings.clock(),
        handover=build_handover_store(settings),
        hotline=hotline_hours(settings),
    )


def main() -> None:
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level)
    wiring.install(bootstrap(settings))
    executor = ActionExecutor()
    executor.register_package("actions")  # registers every Action subclass in the package
    # rasa-sdk takes its host from SANIC_HOST only and listens on 0.0.0.0 without it: the
    # setting (default loopback) is handed on. No CORS: only Rasa calls, never a browser.
    os.environ["SANIC_HOST"] = settings.action_host
    endpoint.run(executor, port=settings.action_port, cors_origins=None)


if __name__ == "__main__":
    main()
