#!/usr/bin/env bash
# Install Debian's espeak-ng (German voice) and sox for the phone wording check: every
# prompt is synthesised and its spoken length measured (tests/integration/telephony,
# eval/phone). Needs root (or sudo) the first time; a no-op when both are there.
set -euo pipefail

if command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1; then
  exit 0
fi

"$(dirname "$0")/apt_install.sh" espeak-ng sox
espeak-ng --version
