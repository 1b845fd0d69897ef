#!/usr/bin/env bash
# The worker pool's acceptance measurements (see README.md here), written to measure.md beside this script:
#   1. the 2 × 3 × 4 sweep measure-sweep.json (24 small tasks) with 1 and with 2 workers: wall time against
#      Σ task time / workers;
#   2. the same sweep killed with SIGKILL midway (after 8 tasks completed, others running) and run again: every
#      task's files compared byte for byte with the uninterrupted 2-worker sweep (manifest.json: every field but
#      start/end/wallSeconds/threads/resumes), and the collected sweep.csv (wall time and resumes columns aside);
#   3. bad input: the exit code and message of each case, before any task starts.
# Usage: validation/sweep/measure.sh (from anywhere; about 3 minutes on 2 cores). Exit 0 when every check holds.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/validation/sweep"
fpntk="$repo/src/FokkerPlanckNtk.Cli/bin/Release/net10.0/fpntk"
[ -x "$fpntk" ] || { echo "build first: dotnet build src/FokkerPlanckNtk.Cli -c Release"; exit 1; }
work=$(mktemp -d /tmp/fpntk-measure-XXXXXX)
trap 'rm -rf "$work"' EXIT
out="$here/measure.md"
summary() { grep -o 'ran on .* s)' "$1" | tail -1; }

# ---- 1. time ----
"$fpntk" sweep create "$here/measure-sweep.json" --out "$work/one" >/dev/null
"$fpntk" sweep run "$work/one" --workers 1 --threads 1 2>"$work/one.log" >/dev/null
"$fpntk" sweep create "$here/measure-sweep.json" --out "$work/two" >/dev/null
"$fpntk" sweep run "$work/two" --workers 2 --threads 2 2>"$work/two.log" >/dev/null
"$fpntk" sweep collect "$work/two" >/dev/null

# ---- 2. killed midway ----
"$fpntk" sweep create "$here/measure-sweep.json" --out "$work/killed" >/dev/null
"$fpntk" sweep run "$work/killed" --workers 2 --threads 2 2>"$work/killed-1.log" >/dev/null &
pid=$!
# Killed once 8 tasks are complete and a running one has a checkpoint (state.bin) to resume from.
until [ "$(grep -l '"completed"' "$work"/killed/tasks/*/manifest.json 2>/dev/null | wc -l)" -ge 8 ] \
    && ls "$work"/killed/tasks/*/checkpoint/state.bin >/dev/null 2>&1; do sleep 0.05; done
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
at_kill=$(for m in "$work"/killed/tasks/*/manifest.json; do python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$m"; done | sort | uniq -c | tr -s ' ' | tr '\n' ',')
checkpoints=$(ls -d "$work"/killed/tasks/*/checkpoint 2>/dev/null | wc -l)
"$fpntk" sweep run "$work/killed" --workers 2 --threads 2 2>"$work/killed-2.log" >/dev/null
"$fpntk" sweep collect "$work/killed" >/dev/null

# ---- 3. bad input ----
mk() { echo "$2" >"$work/$1.json"; echo "$work/$1.json"; }
base='"base": {"grid": {"cells": 16}, "time": {"end": 0.1}, "particles": {"count": 100, "step": 0.01}}'
set +e
"$fpntk" sweep create "$(mk unknown "{\"command\": \"run\", $base, \"product\": {\"problem.alpah\": [1, 2]}}")" --out "$work/b1" >/dev/null 2>"$work/e"; c1=$?
"$fpntk" sweep create "$(mk empty "{\"command\": \"run\", $base, \"product\": {\"problem.alpha\": []}}")" --out "$work/b2" >/dev/null 2>"$work/e2"; c2=$?
"$fpntk" sweep create "$(mk range "{\"command\": \"run\", $base, \"product\": {\"problem.lambda\": [0.1, 0.2, -1]}}")" --out "$work/b3" >/dev/null 2>"$work/e3"; c3=$?
"$fpntk" sweep create "$(mk other "{\"command\": \"run\", $base, \"product\": {\"problem.alpha\": [1, 3]}}")" --out "$work/two" >/dev/null 2>"$work/e4"; c4=$?
"$fpntk" sweep run "$work/two" --task 24 >/dev/null 2>"$work/e5"; c5=$?
set -e
line() { grep -v '^\s*$' "$1" | grep -iv '^\s*at \|usage' | head -1 | sed "s#$work#DIR#g; s#$here#validation/sweep#g"; }
written() { [ -e "$1" ] && echo "yes" || echo "nothing"; }

python3 - "$work" "$out" "$(summary "$work/one.log")" "$(summary "$work/two.log")" "$at_kill" "$checkpoints" \
  "$c1" "$(line "$work/e")" "$(written "$work/b1")" "$c2" "$(line "$work/e2")" "$(written "$work/b2")" \
  "$c3" "$(line "$work/e3")" "$(written "$work/b3")" "$c4" "$(line "$work/e4")" "$c5" "$(line "$work/e5")" <<'PY'
import csv, json, os, re, sys
(work, out, one, two, at_kill, checkpoints, c1, m1, w1, c2, m2, w2, c3, m3, w3, c4, m4, c5, m5) = sys.argv[1:20]
def parse(s):
    m = re.search(r"ran on (\d+) workers × (\d+) threads? in ([\d.]+) s \(their times sum to ([\d.]+) s\)", s)
    return int(m[1]), int(m[2]), float(m[3]), float(m[4])
ok = True
rows = []
for label, s in (("1 worker × 1 thread", one), ("2 workers × 1 thread", two)):
    k, t, wall, total = parse(s)
    rows.append(f"| {label} | {total:.1f} | {total / k:.1f} | {wall:.1f} | {wall / (total / k):.2f} |")
timing = {"start", "end", "wallSeconds", "threads", "resumes"}
def task_files(root):
    res = {}
    for d, _, names in os.walk(root):
        for n in names: res[os.path.relpath(os.path.join(d, n), root)] = os.path.join(d, n)
    return res
identical, compared = 0, 0
for i in range(24):
    a = task_files(os.path.join(work, "two", "tasks", f"{i:04d}"))
    b = task_files(os.path.join(work, "killed", "tasks", f"{i:04d}"))
    same = sorted(a) == sorted(b)
    for rel in sorted(set(a) & set(b)):
        compared += 1
        if os.path.basename(rel) == "manifest.json":
            ma, mb = json.load(open(a[rel])), json.load(open(b[rel]))
            for k in timing: ma.pop(k, None); mb.pop(k, None)
            same &= ma == mb
        else:
            same &= open(a[rel], "rb").read() == open(b[rel], "rb").read()
    identical += same
resumed = sum(json.load(open(os.path.join(work, "killed", "tasks", f"{i:04d}", "manifest.json")))["resumes"] > 0 for i in range(24))
def table(root):
    r = list(csv.reader(open(os.path.join(root, "sweep.csv"))))
    keep = [j for j, h in enumerate(r[0]) if h not in ("wall_seconds", "resumes")]
    return [[x[j] for j in keep] for x in r]
tables = table(os.path.join(work, "two")) == table(os.path.join(work, "killed"))
ok &= identical == 24 and tables
bad = [("unknown key on an axis (`problem.alpah`)", "sweep create", c1, m1, w1),
       ("empty axis (`problem.alpha: []`)", "sweep create", c2, m2, w2),
       ("value out of range (`problem.lambda = -1`, task 2)", "sweep create", c3, m3, w3),
       ("a folder holding a different sweep", "sweep create --out (the 24-task folder)", c4, m4, "unchanged"),
       ("`--task 24` of a 24-task sweep", "sweep run --task", c5, m5, "nothing run")]
for _, _, code, _, _ in bad: ok &= code == "2"
with open(out, "w") as f:
    f.write("Written by validation/sweep/measure.sh.\n\n")
    f.write("### Wall time of the 24-task sweep against Σ task time / workers\n\n")
    f.write("| workers × threads | Σ task seconds | Σ / workers | wall seconds | wall / (Σ / workers) |\n|---|---|---|---|---|\n")
    f.write("\n".join(rows) + "\n\n")
    f.write("### Killed (SIGKILL) midway, then run again\n\n")
    f.write(f"At the kill: task states {at_kill.strip(',')} (a task with no manifest yet is not counted), {checkpoints} task(s) with a checkpoint. ")
    f.write(f"After the second `fpntk sweep run`: {identical} of 24 tasks identical to the uninterrupted 2-worker sweep ({compared} files compared; "
            f"manifest.json without start/end/wallSeconds/threads/resumes), {resumed} task(s) resumed from a checkpoint, "
            f"sweep.csv {'identical' if tables else 'DIFFERENT'} (wall_seconds and resumes aside).\n\n")
    f.write("### Bad input (exit code 2 = bad input; nothing starts)\n\n| case | command | exit | folder written | message |\n|---|---|---|---|---|\n")
    for case, cmd, code, msg, w in bad:
        f.write(f"| {case} | {cmd} | {code} | {w} | {msg.replace('|', '∣')} |\n")
    f.write(f"\nResult: {'PASS' if ok else 'FAIL'}\n")
print(open(out).read())
sys.exit(0 if ok else 1)
PY
