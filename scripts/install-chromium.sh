#!/usr/bin/env bash
# Installs Debian's chromium for the Playwright tests when it is missing. Playwright's own browser
# download is not used: it is a prebuilt binary from outside the package registries.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing and apt-get is not available: install Chromium as /usr/bin/chromium." >&2
  echo "The browser tests will be skipped outside CI." >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
