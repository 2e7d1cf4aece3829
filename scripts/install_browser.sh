#!/usr/bin/env bash
# Install Debian's headless-capable Chromium and its matching chromedriver for the browser
# tests (tests/browser). Nothing is downloaded at test time: Selenium is pointed at
# /usr/bin/chromedriver and never fetches a driver or browser build of its own.
# Needs root (or sudo) the first time; a no-op when Chromium is already there.
set -euo pipefail

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  echo "· chromium is installed ($(/usr/bin/chromium --version 2>/dev/null || echo unknown version))"
  exit 0
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install_browser: Chromium is missing and this user cannot install packages." >&2
    echo "Run as root: apt-get update && apt-get install -y chromium chromium-driver" >&2
    exit 1
  fi
fi

echo "· installing Debian's chromium and chromium-driver (apt)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
