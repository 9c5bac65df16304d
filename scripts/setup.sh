#!/usr/bin/env bash
# Everything a fresh machine needs: Debian's Chromium (for PNG figures and browser tests; never a
# downloaded browser), the npm dependencies pinned by package-lock.json, and the build (dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing chromium from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    echo "setup: installing chromium from Debian's packages (sudo)"
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    echo "setup: chromium is missing and this user cannot apt-get install it; PNG figures will be skipped (HTML and CSV are still written)" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
node scripts/build.mjs
