#!/usr/bin/env bash
# Brings up (or down) a one-node SLURM cluster on this Debian 12 machine, for the tests that
# submit job arrays and for trying `sbatch` by hand. Runs as root, without systemd: the daemons
# are started directly. Idempotent: `up` on a running cluster only checks that the node is idle.
#
# Usage: scripts/slurm/cluster.sh up|down|status
#
#   up      installs slurmctld, slurmd, slurm-client and munge from Debian's packages if missing,
#           writes a munge key and /etc/slurm/slurm.conf if missing (it rewrites only a slurm.conf
#           that it wrote), starts munged, slurmctld and slurmd, and waits for the node to be idle
#   down    stops slurmd and slurmctld (munged is left running)
#   status  prints sinfo and squeue
set -euo pipefail

conf=/etc/slurm/slurm.conf
marker='# written by nst scripts/slurm/cluster.sh'
logs=/var/log/slurm
node=$(hostname -s)

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

# Whether the daemon whose pid file is $1 (named after the daemon) is running: the pid must
# be that daemon's, not some other process's that took the pid of a stale file.
running() {
    [[ -s $1 && $(cat "/proc/$(cat "$1")/comm" 2>/dev/null) == "$(basename "$1" .pid)" ]]
}

# Sends SIGTERM to the daemon whose pid file is $1 and waits up to 30 s for it to exit, then
# sends SIGKILL.
stop() {
    running "$1" || return 0
    local pid
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 60); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# The node's state as sinfo reports it (idle, mixed, down*, drained, ...), empty if slurmctld
# does not answer.
node_state() {
    sinfo -h -n "$node" -o %T 2>/dev/null | head -n1 || true
}

# The slurm.conf for this machine: every CPU schedulable, 1 GiB of memory left to the system,
# and a default of an equal share of memory per CPU so that `--mem`-less single-CPU tasks run
# side by side. The address 127.0.0.1 keeps it working where the host name does not resolve.
write_conf() {
    local cpus mem
    cpus=$(nproc)
    mem=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 - 1024))
    cat <<CONF
$marker
ClusterName=nst
SlurmctldHost=$node(127.0.0.1)
AuthType=auth/munge
# A requeued job waits cred_expire + 1 s before it can start again (default 120 s).
AuthInfo=cred_expire=30
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$logs/slurmctld.log
SlurmdLogFile=$logs/slurmd.log
# No cgroups: track and signal job processes through /proc.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
# A node that comes back after a restart (even one marked down) returns to service.
ReturnToService=2
# Seconds between a job's SIGTERM and its SIGKILL (on scancel, time limit or shutdown).
KillWait=10
MaxArraySize=10001
# Keep finished jobs an hour: sbatch --wait on an array takes its exit code from the records
# of its tasks, so a failed task purged before the last one ends would go unreported. (With
# MinJobAge <= 5, sbatch --wait would poll every 2 s instead of after 2, 8, then every 32 s.)
MinJobAge=3600
# No mail program is installed (slurmctld would otherwise log that /bin/mail is missing).
MailProg=/bin/true
# Start jobs within a second or two of their submission or of a slot freeing up.
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_interval=2,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((mem / cpus))
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

up() {
    export DEBIAN_FRONTEND=noninteractive
    local missing=() package
    for package in slurmctld slurmd slurm-client munge; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if ((${#missing[@]})); then
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi

    # munge: a key (the package usually makes one), its run folder, and the daemon.
    if [[ ! -s /etc/munge/munge.key ]]; then
        head -c 1024 /dev/urandom >/etc/munge/munge.key
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge
    chown munge:munge /run/munge
    if ! running /run/munge/munged.pid; then
        runuser -u munge -- /usr/sbin/munged
    fi

    # slurm.conf: written when absent or ours; when it changes, running daemons restart.
    if [[ -e $conf ]] && ! grep -qxF "$marker" "$conf"; then
        die "$conf was not written by this script; move it away to let it write its own"
    fi
    mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd "$logs"
    local new
    new=$(write_conf)
    if [[ ! -e $conf || $(cat "$conf") != "$new" ]]; then
        echo "$new" >"$conf"
        stop /run/slurmd.pid
        stop /run/slurmctld.pid
    fi

    running /run/slurmctld.pid || slurmctld
    running /run/slurmd.pid || slurmd

    # Wait for the node to register; resume it if it was left down or drained.
    local state=
    for _ in $(seq 60); do
        state=$(node_state)
        case $state in
        idle | mixed | allocated | completing) return 0 ;;
        down | drained | draining | drain) scontrol update nodename="$node" state=resume || true ;;
        esac
        sleep 1
    done
    tail -n 20 "$logs/slurmctld.log" "$logs/slurmd.log" >&2 || true
    die "node $node did not come up within 60 s (state: ${state:-no answer from slurmctld})"
}

down() {
    stop /run/slurmd.pid
    stop /run/slurmctld.pid
}

status() {
    sinfo
    squeue
}

case ${1:-} in
up | down | status) "$1" ;;
*) die "usage: $0 up|down|status" ;;
esac
