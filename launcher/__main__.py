"""`make run`: the embedded profile (launcher/stack.py) in the foreground; Ctrl-C stops it."""
from __future__ import annotations

import os
import sys

from common.settings import Settings
from launcher.stack import ROOT, Ports, Stack, stack_environment
from launcher.supervisor import run_in_foreground


def main() -> int:
    settings = Settings.from_env()
    ports = Ports.from_settings(settings)
    stack = Stack(env=stack_environment(dict(os.environ), ports, ROOT / "var"), ports=ports)
    chat = (f"curl -s -XPOST http://127.0.0.1:{ports.gateway}/api/chat -H 'Content-Type: application/json' "
            "-d '{\"session_id\":\"demo-session\",\"message\":\"Hallo\"}'")

    def start() -> None:
        stack.start()
        stack.wait_healthy(timeout=settings.startup_timeout, report=print)

    return run_in_foreground(
        start, stack, stack.stop,
        banner="· starting Rasa, action server and gateway (logs in var/log/) ...",
        ready=[f"Web chat:  http://127.0.0.1:{ports.gateway}/", f"Terminal:  {chat}"],
    )


if __name__ == "__main__":
    sys.exit(main())
