#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, to try `repro figure N --executor slurm` without a real cluster.
#
#   sudo scripts/slurm-cluster.sh start    # install Debian's slurm-wlm and munge if missing, write a config, start
#   sudo scripts/slurm-cluster.sh status   # sinfo and squeue
#   sudo scripts/slurm-cluster.sh stop     # stop slurmd, slurmctld and munged (by their pid files)
#
# Debian or Ubuntu, as root (slurmd runs jobs as the submitting user; root keeps it to one command). Everything the
# cluster writes lives under $SLURM_DIR (default /var/tmp/repro-slurm): slurm.conf, state, logs, pid files. One
# partition, `cpu`, holds this node with all its CPUs and most of its memory. Jobs see the same filesystem as the
# submitting shell, so the artifact store and the virtualenv are shared as on a cluster's network filesystem.
#
# No accounting database. slurmdbd on MariaDB (both Debian's) would make `sacct` answer, but it adds a database
# server, its schema and a third daemon to start, wait for and stop (a minute or more, and ~200 MB of packages)
# for nothing the executor needs: it follows jobs with squeue, which lists every queued and running job and, for
# MinJobAge (10 minutes here) after it ends, its final state; a job gone from squeue whose step is not COMPLETE
# is resubmitted either way. Real clusters usually run slurmdbd; the executor does not depend on it.
set -euo pipefail

SLURM_DIR=${SLURM_DIR:-/var/tmp/repro-slurm}
CONF=$SLURM_DIR/slurm.conf
HOST=$(hostname -s)

install() {
  command -v slurmctld >/dev/null && command -v munged >/dev/null && return
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurm-wlm munge
}

write_conf() {
  local cpus mem_mb
  cpus=$(nproc)
  mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  mkdir -p "$SLURM_DIR"/{state,spool,log}
  # ProctrackType=linuxproc and TaskPlugin=none: no cgroups, which containers and laptops may not delegate.
  # SelectType=cons_tres: several jobs share the node, each with the CPUs and memory it asked for.
  # MinJobAge=600: a finished job stays visible to squeue/scontrol for 10 minutes (there is no accounting).
  cat > "$CONF" <<CONF
ClusterName=repro
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=600
KillWait=10
JobRequeue=1
MpiDefault=none
NodeName=$HOST CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  # The client commands (sbatch, squeue, scontrol) read the default path: point it at this file.
  mkdir -p /etc/slurm
  if [ ! -e /etc/slurm/slurm.conf ] || [ -L /etc/slurm/slurm.conf ]; then ln -sf "$CONF" /etc/slurm/slurm.conf; fi
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  install
  write_conf
  mkdir -p /run/munge /var/log/munge /var/lib/munge /etc/munge
  [ -f /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
  chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
  chmod 400 /etc/munge/munge.key
  alive /run/munge/munged.pid || runuser -u munge -- munged --pid-file=/run/munge/munged.pid 2>/dev/null \
    || munged --force --pid-file=/run/munge/munged.pid
  alive "$SLURM_DIR/slurmctld.pid" || slurmctld -f "$CONF"
  alive "$SLURM_DIR/slurmd.pid" || slurmd -f "$CONF"
  for _ in $(seq 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then sinfo; return; fi
    sleep 1
  done
  echo "error: the node did not come up; see $SLURM_DIR/log/" >&2
  tail -20 "$SLURM_DIR"/log/*.log >&2 || true
  return 1
}

stop_one() {
  local pidfile=$1
  alive "$pidfile" || return 0
  local pid
  pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  stop_one "$SLURM_DIR/slurmd.pid"
  stop_one "$SLURM_DIR/slurmctld.pid"
  stop_one /run/munge/munged.pid
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) sinfo; squeue ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
