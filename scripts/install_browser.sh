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

"$(dirname "$0")/apt_install.sh" chromium chromium-driver fonts-dejavu-core
/usr/bin/chromium --version
