"""A Flask app served on a spare loopback port in a background thread (werkzeug's threaded
server, which flask-sock's WebSockets work on): for the relay-mode tests, `make call MODE=relay`
and the relay benchmark, which need a real socket the Flask test client cannot give."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, make_server


@dataclass
class ServedApp:
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(app) -> ServedApp:
    """Port 0: the operating system picks a free one."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="served-app", daemon=True)
    thread.start()
    return ServedApp(server, thread)
