#!/usr/bin/env bash
# Stops the cluster of scripts/slurm/start-cluster.sh (slurmd, slurmctld, munged, by their PID
# files in STATE_DIR) and leaves STATE_DIR for its logs. Idempotent.
#   bash scripts/slurm/stop-cluster.sh [STATE_DIR]     (default: $ASGD_SDDE_SLURM_DIR or /tmp/asgd-sdde-slurm)
set -euo pipefail
DIR="${1:-${ASGD_SDDE_SLURM_DIR:-/tmp/asgd-sdde-slurm}}"
for d in slurmd slurmctld munged; do
  pidfile="$DIR/$d.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pidfile"
done
echo "stop-cluster: stopped the cluster of $DIR"
