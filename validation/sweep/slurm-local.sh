#!/usr/bin/env bash
# The real Slurm test of `fpntk sweep slurm` (see README.md here):
#   1. installs Debian's slurm-wlm and munge when they are missing (needs root),
#   2. writes a one-node cluster configuration in a scratch folder (nothing under /etc is changed),
#      with MaxArraySize = 5 so that the 12-task sweep is split into three arrays,
#   3. starts munged, slurmctld and slurmd on this machine,
#   4. creates the sweep slurm-sweep.json twice: one copy runs with the worker pool (fpntk sweep run),
#      the other is submitted with fpntk sweep slurm; waits for every array job,
#   5. collects both, compares every task's files byte for byte (manifest.json: every field but the
#      timings start/end/wallSeconds/threads) and the two sweep.csv tables (wall-time column aside),
#   6. stops the daemons it started (also on failure) and prints a result table.
# Usage: validation/sweep/slurm-local.sh [LOGFILE]   (about a minute; LOGFILE defaults to slurm-local.log here,
# the result table goes beside it as .md). Exit status 0 only when every comparison holds. Paths in the log are
# written as <repo> and <scratch> (the temporary cluster folder, removed at the end).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/validation/sweep"
log=${1:-$here/slurm-local.log}
: >"$log"
say() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$log"; }
run() { say "\$ $*"; "$@" 2>&1 | tee -a "$log"; return "${PIPESTATUS[0]}"; }

# ---- 1. packages ----
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge >>"$log" 2>&1
fi
say "slurm: $(sinfo --version 2>/dev/null || slurmctld -V), munge: $(munged --version 2>&1 | head -1)"

# ---- 2. a one-node cluster in a scratch folder ----
work=$(mktemp -d /tmp/fpntk-slurm-XXXXXX)
chmod 755 "$work"
host=$(hostname -s)
cpus=$(nproc)
memory=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
mkdir -p "$work"/{state,spool,munge}
chmod 700 "$work/munge"
head -c 1024 /dev/urandom >"$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=fpntk-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MaxArraySize=5
MinJobAge=3600
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
say "cluster: node $host, $cpus CPUs, RealMemory $memory MB, MaxArraySize 5; configuration $SLURM_CONF"

started=()
stop() {
    set +e
    for name in slurmd slurmctld munged; do
        pidfile="$work/$name.pid"
        [ "$name" = munged ] && pidfile="$work/munge/munged.pid"
        if [ -s "$pidfile" ] && [[ " ${started[*]} " == *" $name "* ]]; then
            pid=$(cat "$pidfile")
            kill "$pid" 2>/dev/null && say "stopped $name (pid $pid)"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
    done
    for f in slurmctld.log slurmd.log; do
        [ -f "$work/$f" ] && { echo "---- $f (last 15 lines)" >>"$log"; tail -n 15 "$work/$f" >>"$log"; }
    done
    sed -i "s#$work#<scratch>#g; s#$repo#<repo>#g" "$log"
    rm -rf "$work"
}
trap stop EXIT

# ---- 3. the daemons ----
munged --force --socket="$work/munge/munge.socket" --key-file="$work/munge/munge.key" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/munge.seed"
started+=(munged)
say "munged started (pid $(cat "$work/munge/munged.pid"))"
slurmctld; started+=(slurmctld)
slurmd; started+=(slurmd)
for _ in $(seq 60); do
    [ -s "$work/slurmctld.pid" ] && [ -s "$work/slurmd.pid" ] && sinfo -h -o %T 2>/dev/null | grep -q idle && break
    sleep 1
done
say "slurmctld pid $(cat "$work/slurmctld.pid"), slurmd pid $(cat "$work/slurmd.pid")"
run sinfo

# ---- 4. the sweep, twice ----
fpntk="$repo/src/FokkerPlanckNtk.Cli/bin/Release/net10.0/fpntk"
[ -x "$fpntk" ] || { say "build first: dotnet build src/FokkerPlanckNtk.Cli -c Release"; exit 1; }
pool="$work/pool" slurm="$work/slurm"
run "$fpntk" sweep create "$here/slurm-sweep.json" --out "$pool"
run "$fpntk" sweep create "$here/slurm-sweep.json" --out "$slurm"
t0=$(date +%s.%N)
run "$fpntk" sweep run "$pool" --workers 2 --threads 2
pool_seconds=$(echo "$(date +%s.%N) - $t0" | bc)

run "$fpntk" sweep slurm "$slurm" --dry-run >/dev/null
t0=$(date +%s.%N)
submitted=$("$fpntk" sweep slurm "$slurm" 2>>"$log" | tee -a "$log")
jobs=$(echo "$submitted" | sed -n 's/^submitted: job \([0-9]*\).*/\1/p' | tr '\n' ' ')
[ -n "$jobs" ] || { say "no job was submitted"; exit 1; }
say "array jobs: $jobs"
for i in $(seq 600); do
    left=$(squeue -h -j "${jobs// /,}" 2>/dev/null | wc -l)
    [ "$left" -eq 0 ] && break
    if [ $((i % 5)) -eq 1 ]; then
        say "queue ($left entries):"
        squeue -j "${jobs// /,}" -o "%.12i %.10T %.10M %R" 2>&1 | tee -a "$log"
    fi
    sleep 1
done
slurm_seconds=$(echo "$(date +%s.%N) - $t0" | bc)
say "every array job has left the queue"
say "task states (scontrol show job):"
states=$(for j in $jobs; do scontrol -o show job "$j"; done \
    | sed -n 's/^JobId=\([0-9]*\) ArrayJobId=\([0-9]*\) ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ExitCode=\([0-9:]*\).*/\2_\3 job \1 \4 exit \5/p' \
    | sort -t_ -k1,1n -k2,2n)
echo "$states" | tee -a "$log"

# ---- 5. compare ----
run "$fpntk" sweep collect "$pool"
run "$fpntk" sweep collect "$slurm"
table="${log%.log}.md"
python3 - "$pool" "$slurm" "$table" "$jobs" "$pool_seconds" "$slurm_seconds" "$states" <<'PY' | tee -a "$log"
import csv, json, os, sys
pool, slurm, table, jobs, pool_s, slurm_s, states = sys.argv[1:8]
timing = {"start", "end", "wallSeconds", "threads"}
def files(root):
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            out[os.path.relpath(p, root)] = p
    return out
sweep = json.load(open(os.path.join(pool, "sweep.json")))
count = len(sweep["tasks"]) if "tasks" in sweep else sum(1 for _ in os.scandir(os.path.join(pool, "tasks")))
state_of = {}
for line in states.splitlines():
    parts = line.split()
    if len(parts) >= 5: state_of[parts[0]] = (parts[3], parts[5])
rows, ok = [], True
for i in range(count):
    a, b = files(os.path.join(pool, "tasks", f"{i:04d}")), files(os.path.join(slurm, "tasks", f"{i:04d}"))
    same = sorted(a) == sorted(b)
    compared = 0
    for rel in sorted(set(a) & set(b)):
        if os.path.basename(rel) == "manifest.json":
            ma, mb = json.load(open(a[rel])), json.load(open(b[rel]))
            for k in timing: ma.pop(k, None); mb.pop(k, None)
            equal = ma == mb
        else:
            equal = open(a[rel], "rb").read() == open(b[rel], "rb").read()
        same &= equal
        compared += 1
    ok &= same
    status = json.load(open(b["manifest.json"]))["status"] if "manifest.json" in b else "missing"
    rows.append((i, compared, "identical" if same else "DIFFERENT", status))
def table_of(root):
    with open(os.path.join(root, "sweep.csv")) as f:
        r = list(csv.reader(f))
    keep = [j for j, h in enumerate(r[0]) if "wall" not in h and "seconds" not in h]
    return [[row[j] for j in keep] for row in r]
tables_equal = table_of(pool) == table_of(slurm)
ok &= tables_equal
array_tasks = sorted(state_of.items(), key=lambda kv: (int(kv[0].split("_")[0]), int(kv[0].split("_")[1])))
with open(table, "w") as f:
    f.write("| task | files compared | pool vs Slurm | Slurm task status |\n|---|---|---|---|\n")
    for i, n, same, status in rows: f.write(f"| {i} | {n} | {same} | {status} |\n")
    f.write(f"\nArray jobs: {jobs.strip()} ({len(array_tasks)} array tasks: "
            + ", ".join(f"{k} {v[0]} {v[1]}" for k, v in array_tasks) + ").\n")
    f.write(f"sweep.csv (wall-time column aside): {'identical' if tables_equal else 'DIFFERENT'}.\n")
    f.write(f"Wall time: worker pool (2 workers × 1 thread) {float(pool_s):.1f} s; Slurm (throttle %2, 1 CPU per task, submission to the last task) {float(slurm_s):.1f} s.\n")
    f.write(f"Result: {'PASS' if ok else 'FAIL'}\n")
print(open(table).read())
sys.exit(0 if ok else 1)
PY
