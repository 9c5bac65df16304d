#!/usr/bin/env bash
# A single-node Slurm cluster on this machine (slurmctld and slurmd on localhost, munge for
# authentication), for testing job arrays: `sweep --slurm-script` and test/sweep/slurm.test.ts.
#
#   bash scripts/slurm/start-cluster.sh [STATE_DIR]     (default: $ASGD_SDDE_SLURM_DIR or /tmp/asgd-sdde-slurm)
#   export SLURM_CONF=STATE_DIR/slurm.conf              (printed on the last line; sbatch, squeue, … need it)
#   bash scripts/slurm/stop-cluster.sh [STATE_DIR]
#
# Needs Debian's slurm-wlm and munge (apt-get install slurm-wlm munge) and root: slurmd runs jobs
# as the submitting user. Idempotent: a cluster already running from STATE_DIR is left as it is.
# Everything (key, configuration, spool, logs, sockets) lives in STATE_DIR, so the system's own
# munge and Slurm configuration (/etc/munge, /etc/slurm) are neither used nor changed.
# No cgroups: proctrack/linuxproc and task/none work in a container without a cgroup mount.
# Exit code 0: the node is idle and takes jobs; 1: a daemon could not start (its log is printed).
set -euo pipefail

DIR="${1:-${ASGD_SDDE_SLURM_DIR:-/tmp/asgd-sdde-slurm}}"
CTLD_PORT="${ASGD_SDDE_SLURMCTLD_PORT:-6817}"
SLURMD_PORT="${ASGD_SDDE_SLURMD_PORT:-6818}"
export SLURM_CONF="$DIR/slurm.conf"
export PATH="$PATH:/usr/sbin:/sbin" # the daemons, for a shell whose PATH lacks sbin

fail() {
  echo "start-cluster: $1" >&2
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 20 "$2" >&2
  exit 1
}
for cmd in munged slurmctld slurmd sinfo; do
  command -v "$cmd" >/dev/null 2>&1 || fail "$cmd is missing: install Debian's packages slurm-wlm and munge (apt-get install slurm-wlm munge)"
done
[ "$(id -u)" = 0 ] || fail "slurmd must run as root (it starts jobs as their user); run this script as root"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
node_idle() { [ "$(sinfo -h -N -n localhost -o %t 2>/dev/null)" = idle ]; }

if running "$DIR/munged.pid" && running "$DIR/slurmctld.pid" && running "$DIR/slurmd.pid" && node_idle; then
  echo "start-cluster: already running from $DIR"
  echo "export SLURM_CONF=$SLURM_CONF"
  exit 0
fi

mkdir -p "$DIR/munge" "$DIR/ctld" "$DIR/spool"
chmod 711 "$DIR/munge" # the socket is reached by every user who submits jobs

# munge: a private key (made once) and a private socket
if [ ! -s "$DIR/munge/munge.key" ]; then
  dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$DIR/munge/munge.key"
fi
SOCKET="$DIR/munge/munge.socket"
if ! running "$DIR/munged.pid"; then
  rm -f "$SOCKET" "$SOCKET.lock"
  munged --force --socket="$SOCKET" --key-file="$DIR/munge/munge.key" --pid-file="$DIR/munged.pid" \
    --log-file="$DIR/munged.log" --seed-file="$DIR/munge/munged.seed" || fail "munged did not start" "$DIR/munged.log"
fi

# the node as this machine has it: all cores, memory less a margin for the daemons
CPUS=$(nproc)
MEM_MB=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
cat >"$SLURM_CONF.tmp" <<CONF
# Written by scripts/slurm/start-cluster.sh: one node (localhost) for testing job arrays.
ClusterName=asgd-sdde-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
# no cgroups: processes tracked through /proc, no task binding
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# finished jobs stay visible to scontrol for 10 minutes (no accounting database here)
MinJobAge=600
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
mv "$SLURM_CONF.tmp" "$SLURM_CONF"

if ! running "$DIR/slurmctld.pid"; then
  slurmctld -i || fail "slurmctld did not start" "$DIR/slurmctld.log"
fi
if ! running "$DIR/slurmd.pid"; then
  slurmd -N localhost || fail "slurmd did not start" "$DIR/slurmd.log"
fi

# the node registers within a few seconds; a node left down by an earlier run is resumed
for _ in $(seq 1 60); do
  if node_idle; then
    echo "start-cluster: node localhost idle ($CPUS CPUs, $MEM_MB MB) in $DIR"
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  state=$(sinfo -h -N -n localhost -o %t 2>/dev/null || true)
  case "$state" in down*|drain*) scontrol update NodeName=localhost State=RESUME 2>/dev/null || true ;; esac
  sleep 0.5
done
echo "start-cluster: the node did not become idle within 30 s (state: ${state:-unknown})" >&2
tail -n 20 "$DIR/slurmctld.log" "$DIR/slurmd.log" >&2 || true
exit 1
