#!/usr/bin/env bash
# Create both virtual environments and install the locked dependencies.
# Re-running is cheap: an environment is only synced again when its lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="$(sed -n 's/^uv==\(.*\)$/\1/p' requirements/app.lock)"

lock_stamp() { sha256sum "$1" | cut -c1-16; }

sync_env() {  # sync_env VENV LOCK PYTHON_VERSION
  local venv="$1" lock="$2" version="$3" stamp
  stamp="$venv/.lock-$(lock_stamp "$lock")"
  if [[ -f "$stamp" ]]; then
    echo "· $venv is up to date"
    return
  fi
  if [[ ! -x "$venv/bin/python" ]]; then
    local python
    python="$(scripts/find_python.sh "$version")"
    echo "· creating $venv with Python $version ($python)"
    .venv/bin/uv venv --quiet --python "$python" "$venv"
  fi
  echo "· installing $lock into $venv (this takes a few minutes the first time)"
  .venv/bin/uv pip sync --quiet --python "$venv/bin/python" "$lock"
  rm -f "$venv"/.lock-*
  touch "$stamp"
}

if [[ ! -x .venv/bin/uv ]]; then
  python311="$(scripts/find_python.sh 3.11)"
  echo "· creating .venv with Python 3.11 ($python311)"
  "$python311" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
fi
sync_env .venv requirements/app.lock 3.11
sync_env .venv-rasa requirements/rasa.lock 3.10
