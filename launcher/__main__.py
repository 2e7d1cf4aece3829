"""`make run`: start Rasa, the action server and the gateway; stop all three on Ctrl-C."""
from __future__ import annotations

import os
import signal
import sys
import time

from launcher.stack import ROOT, Ports, Stack, stack_environment


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    ports = Ports(
        rasa=int(os.environ.get("RASA_PORT", 5005)),
        actions=int(os.environ.get("ACTION_PORT", 5055)),
        gateway=int(os.environ.get("GATEWAY_PORT", 8000)),
    )
    stack = Stack(env=stack_environment(dict(os.environ), ports, ROOT / "var"), ports=ports)
    # Ctrl-C and a plain `kill` both stop all three children cleanly (SIGINT may arrive
    # ignored when started from a script, so install the handler explicitly).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    print("· starting Rasa, action server and gateway (logs in var/log/) ...", flush=True)
    stack.start()
    try:
        stack.wait_healthy(timeout=float(os.environ.get("STARTUP_TIMEOUT", 300)))
        print(f"· all three are up after {time.monotonic() - started:.0f} s\n")
        print(f"  Web chat:  http://127.0.0.1:{ports.gateway}/")
        print(f"  Terminal:  curl -s -XPOST http://127.0.0.1:{ports.gateway}/api/chat "
              "-H 'Content-Type: application/json' -d '{\"session_id\":\"demo-session\",\"message\":\"Hallo\"}'")
        print("\n  Press Ctrl-C to stop.", flush=True)
        while all(p.popen and p.popen.poll() is None for p in stack.processes):
            time.sleep(1)
        crashed = [p.name for p in stack.processes if p.popen and p.popen.poll() is not None]
        print(f"· stopped unexpectedly: {', '.join(crashed)} (see var/log/)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n· stopping ...", flush=True)
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"· start-up failed: {error}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
        print("· stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
