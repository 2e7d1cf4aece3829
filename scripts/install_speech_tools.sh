#!/usr/bin/env bash
# Install Debian's espeak-ng (German voice) and sox for the phone wording check: every
# prompt is synthesised and its spoken length measured (tests/integration/telephony,
# eval/phone). Needs root (or sudo) the first time; a no-op when both are there.
set -euo pipefail

if command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install_speech_tools: espeak-ng or sox is missing and this user cannot install packages." >&2
    echo "Run as root: apt-get update && apt-get install -y espeak-ng sox" >&2
    exit 1
  fi
fi

echo "· installing Debian's espeak-ng and sox (apt)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends espeak-ng sox >/dev/null
espeak-ng --version
