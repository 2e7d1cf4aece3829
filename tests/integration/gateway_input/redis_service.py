"""The local Redis for tests of the shared rate limits: started like `make services` starts it
(scripts/ensure_services.sh) when it does not answer yet. Tests use their own database number
and key names and delete what they wrote."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis

REDIS_PORT = 6379
TEST_DB = 13  # not 0, which the production profile's lock store and `make run` may use
URL = f"redis://127.0.0.1:{REDIS_PORT}/{TEST_DB}"


def _answers() -> bool:
    try:
        return bool(redis.Redis.from_url(URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def ensure_redis() -> str:
    """The URL of a running Redis (test database), starting redis-server if needed."""
    if _answers():
        return URL
    if shutil.which("redis-server") is None:
        pytest.fail("Redis is not running and redis-server is not installed (apt-get install redis-server)")
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(REDIS_PORT),
                    "--save", "", "--appendonly", "no"], check=True, capture_output=True)
    for _ in range(40):
        if _answers():
            return URL
        time.sleep(0.25)
    pytest.fail(f"redis-server did not come up on port {REDIS_PORT}")


def delete_keys(client: redis.Redis, pattern: str) -> None:
    keys = list(client.scan_iter(match=pattern, count=500))
    if keys:
        client.delete(*keys)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
