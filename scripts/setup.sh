#!/usr/bin/env bash
# Everything a fresh machine needs: Debian's Chromium (for PNG figures and browser tests; never a
# downloaded browser), Debian's slurm-wlm and munge (the Slurm job-array test,
# test/sweep/slurm.test.ts, starts a single-node cluster with scripts/slurm/start-cluster.sh), the npm
# dependencies pinned by package-lock.json, and the build (dist/).
#   bash scripts/setup.sh              all of the above
#   bash scripts/setup.sh --no-slurm   without slurm-wlm and munge (the Slurm test is then skipped,
#                                      except under CI=true, where it fails)
set -euo pipefail
cd "$(dirname "$0")/.."

slurm=1
for arg in "$@"; do
  case "$arg" in
    --slurm) slurm=1 ;;
    --no-slurm) slurm=0 ;;
    *) echo "setup: unknown option $arg (known: --no-slurm)" >&2; exit 2 ;;
  esac
done

# apt_install WHAT PACKAGE…: Debian's packages, as root or through sudo; 1 if neither is possible
apt_install() {
  local what=$1; shift
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing $what from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$@" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    echo "setup: installing $what from Debian's packages (sudo)"
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    return 1
  fi
}

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  apt_install chromium chromium fonts-dejavu-core ||
    echo "setup: chromium is missing and this user cannot apt-get install it; PNG figures will be skipped (HTML and CSV are still written)" >&2
fi

if [ "$slurm" = 1 ] && { [ ! -x /usr/sbin/slurmctld ] || [ ! -x /usr/sbin/slurmd ] || [ ! -x /usr/sbin/munged ]; }; then
  apt_install "slurm-wlm and munge" slurm-wlm munge ||
    echo "setup: slurm-wlm and munge are missing and this user cannot apt-get install them; the Slurm test will be skipped" >&2
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
node scripts/build.mjs
