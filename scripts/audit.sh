#!/usr/bin/env bash
# make audit: scan both locked dependency sets for known vulnerabilities with pip-audit.
# pip-audit asks a vulnerability service (PyPI's JSON API, or OSV) about every pinned package.
# Where neither can be reached, the scan cannot run: this script then fails and says so,
# instead of reporting a clean result it never obtained.
set -uo pipefail
cd "$(dirname "$0")/.."
AUDIT=.venv/bin/pip-audit
SERVICE="${AUDIT_SERVICE:-pypi}"   # pypi or osv

probe() {
  case "$SERVICE" in
    pypi) curl -fsS --max-time 15 -o /dev/null https://pypi.org/pypi/requests/2.32.3/json ;;
    osv)  curl -fsS --max-time 15 -o /dev/null -X POST https://api.osv.dev/v1/query \
            -d '{"package":{"name":"requests","ecosystem":"PyPI"},"version":"2.32.3"}' ;;
  esac
}

if ! probe 2>/dev/null; then
  echo "✗ make audit: the vulnerability service '$SERVICE' cannot be reached from this machine" >&2
  echo "  (PyPI's JSON API or api.osv.dev; only package downloads are reachable here)." >&2
  echo "  The dependency scan did NOT run. Run it where the service is reachable (CI), e.g." >&2
  echo "  AUDIT_SERVICE=osv make audit" >&2
  exit 2
fi

status=0
for lock in requirements/app.lock requirements/rasa.lock; do
  echo "· pip-audit $lock ($SERVICE)"
  "$AUDIT" --strict --progress-spinner off --vulnerability-service "$SERVICE" \
           --no-deps --disable-pip -r "$lock" || status=1
done
exit $status
