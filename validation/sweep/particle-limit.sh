#!/usr/bin/env bash
# The particle-limit study both ways, at the size of validation/particle-limit (see README.md here), written to
# particle-limit.md beside this script:
#   1. in one process: fpntk study particle-limit --out A;
#   2. as a sweep: fpntk study particle-limit --sweep S; fpntk sweep run S --workers K; fpntk study particle-limit --from S --out B;
#   3. the tables of A and B compared byte for byte with the seconds columns removed (particle-limit-m.csv,
#      particle-limit-eta.csv, particle-limit.md), and both against the committed validation/particle-limit tables.
# Usage: validation/sweep/particle-limit.sh [WORKERS] (from anywhere; ~20 minutes on 2 cores). Exit 0 when A and B agree.
# KEEP=DIR keeps the two study folders there (to copy A into validation/particle-limit).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/validation/sweep"
committed="$repo/validation/particle-limit"
workers=${1:-2}
build="$repo/src/FokkerPlanckNtk.Cli/bin/Release/net10.0"
[ -x "$build/fpntk" ] || { echo "build first: dotnet build src/FokkerPlanckNtk.Cli -c Release"; exit 1; }
work=$(mktemp -d /tmp/fpntk-particle-limit-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$build" "$work/bin" # a rebuild while this runs does not change the program under it
commit=$(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src || echo "+changes")
fpntk="$work/bin/fpntk"
out="$here/particle-limit.md"
seconds() { python3 -c 'import sys,time; print(f"{time.time()-float(sys.argv[1]):.0f}")' "$1"; }

start=$(date +%s.%N)
"$fpntk" study particle-limit --out "$work/in-process" 2>"$work/in-process.log" >/dev/null
in_process=$(seconds "$start")

start=$(date +%s.%N)
"$fpntk" study particle-limit --sweep "$work/sweep" 2>"$work/create.log" >/dev/null
create=$(seconds "$start")
tasks=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["taskCount"])' "$work/sweep/sweep.json")
start=$(date +%s.%N)
"$fpntk" sweep run "$work/sweep" --workers "$workers" 2>"$work/run.log" >/dev/null
run=$(seconds "$start")
start=$(date +%s.%N)
"$fpntk" study particle-limit --from "$work/sweep" --out "$work/from-sweep" 2>"$work/from.log" >/dev/null
analysis=$(seconds "$start")
disk=$(du -sh "$work/sweep" | cut -f1)

# A study file without its seconds: the CSV's last column (seconds), the last column of the Markdown tables headed "| seconds |";
# the Markdown of the committed README is the part below its "---" line.
strip() {
    python3 - "$1" <<'EOF'
import sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().split("\n")
if path.endswith("README.md"):
    lines = lines[lines.index("---") + 2:]
if path.endswith(".csv"):
    assert lines[0].split(",")[-1] == "seconds", path
    print("\n".join(l[:l.rfind(",")] if l else l for l in lines))
else:
    timed = False
    for l in lines:
        if not l.startswith("|"): timed = False
        elif l.endswith("| seconds |"): timed = True
        print(l[:l.rstrip("|").rstrip().rfind("|")] if timed else l)
EOF
}
compare() { # A B → "identical" or the number of differing lines
    strip "$1" >"$work/a.txt"; strip "$2" >"$work/b.txt"
    if cmp -s "$work/a.txt" "$work/b.txt"; then echo "identical"
    else echo "$(diff "$work/a.txt" "$work/b.txt" | grep -c '^<') lines differ"; fi
}
status=0
rows=""
for f in particle-limit-m.csv particle-limit-eta.csv particle-limit.md; do
    same=$(compare "$work/in-process/$f" "$work/from-sweep/$f")
    [ "$same" = "identical" ] || status=1
    old="$committed/$f"; [ "$f" = particle-limit.md ] && old="$committed/README.md"
    rows+="| $f | $same | $(compare "$old" "$work/in-process/$f") |"$'\n'
done
# How far the committed full-precision CSV numbers are from the current code's (relative, largest over every field but seconds).
drift=$(python3 - "$committed" "$work/in-process" <<'EOF'
import csv, sys
worst = 0.0
for f in ("particle-limit-m.csv", "particle-limit-eta.csv"):
    a = list(csv.reader(open(f"{sys.argv[1]}/{f}"))); b = list(csv.reader(open(f"{sys.argv[2]}/{f}")))
    s = a[0].index("seconds")
    for ra, rb in zip(a[1:], b[1:]):
        for k, (x, y) in enumerate(zip(ra, rb)):
            if k != s and float(x) != float(y): worst = max(worst, abs(float(x) - float(y)) / max(abs(float(x)), abs(float(y))))
print(f"{worst:.1e}")
EOF
)
summary=$(grep -o 'ran on .* s)' "$work/run.log" | tail -1 || true)

cat >"$out" <<EOF
# The particle-limit study in one process and as a sweep (\`validation/sweep/particle-limit.sh $workers\`)

$(date -u +%Y-%m-%d), commit $commit (at the start), $(nproc) cores (load average $(cut -d' ' -f1-3 /proc/loadavg) at the end).

| step | command | seconds |
|---|---|---|
| in one process | \`fpntk study particle-limit --out A\` | $in_process |
| sweep: create ($tasks tasks) | \`fpntk study particle-limit --sweep S\` | $create |
| sweep: run | \`fpntk sweep run S --workers $workers\` | $run |
| sweep: analysis | \`fpntk study particle-limit --from S --out B\` | $analysis |

The sweep's tasks ($disk on disk: every task's snapshots.h5 holds its particles): $summary.

| file (seconds columns removed) | sweep B against in-process A | committed validation/particle-limit against A |
|---|---|---|
$rows
Largest relative difference between the committed CSVs' numbers and the current code's (seconds aside): $drift.
EOF
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP"; cp -r "$work/in-process" "$work/from-sweep" "$KEEP/"; cp "$work"/*.log "$KEEP/"; fi
cat "$out"
exit $status
