#!/usr/bin/env bash
# Install Debian packages for a test tier: `scripts/apt_install.sh PACKAGE...`. Needs root or
# sudo; the callers check first whether the tools are there, so this runs once per machine.
set -euo pipefail

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "apt_install: $* missing and this user cannot install packages." >&2
    echo "Run as root: apt-get update && apt-get install -y $*" >&2
    exit 1
  fi
fi

echo "· installing Debian's $* (apt)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
