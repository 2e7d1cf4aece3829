#!/usr/bin/env bash
# Start PostgreSQL and Redis for tests and benchmarks, each only if it does not answer yet.
# Idempotent; exits non-zero when a service cannot be brought up.
set -euo pipefail

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}

pg_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
    else
        (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") 2>/dev/null
    fi
}

redis_up() {
    command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
}

wait_for() {  # wait_for NAME CHECK_FUNCTION
    for _ in $(seq 1 60); do
        if "$2"; then echo "$1 is up"; return 0; fi
        sleep 0.5
    done
    echo "$1 did not come up" >&2
    return 1
}

if pg_up; then
    echo "PostgreSQL already answers on $PG_HOST:$PG_PORT"
else
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /etc/postgresql ]; then
        echo "PostgreSQL is not running and no cluster is installed (apt-get install postgresql)" >&2
        exit 1
    fi
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_for PostgreSQL pg_up
fi

if redis_up; then
    echo "Redis already answers on port $REDIS_PORT"
else
    if ! command -v redis-server >/dev/null 2>&1; then
        echo "Redis is not running and redis-server is not installed (apt-get install redis-server)" >&2
        exit 1
    fi
    echo "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for Redis redis_up
fi
