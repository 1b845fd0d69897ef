#!/usr/bin/env bash
# The scale suite of issue 9: the product's own command at the sizes users run, one case at a time under nice,
# wall time and peak memory (GNU time's maximum resident set size) per case. Writes results.tsv next to this file.
# Usage: validation/scale/run.sh [CASE...]   (default: every case; the disk-full case needs root for mount)
set -uo pipefail
cd "$(dirname "$0")/../.."
fpntk=src/FokkerPlanckNtk.Cli/bin/Release/net10.0/fpntk
[ -x "$fpntk" ] || dotnet build src/FokkerPlanckNtk.Cli -c Release >/dev/null
work=$(mktemp -d)
out=validation/scale/results.tsv
[ -f "$out" ] || printf 'case\texit\twall_s\tpeak_MB\tnote\n' > "$out"

measure() { # name, note, command...
  local name=$1 note=$2; shift 2
  /usr/bin/time -f '%e %M' -o "$work/time" nice timeout 3600 "$@" > "$work/$name.out" 2> "$work/$name.err"
  local rc=$?
  read -r wall kb < <(tail -1 "$work/time") || { wall=NA; kb=0; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rc" "$wall" "$((kb / 1024))" "$note" >> "$out"
  echo "$name: exit $rc, $wall s, $((kb / 1024)) MB"; tail -3 "$work/$name.err"
}

cloud() { # file, m, seed: m atoms of N(0, I_2) as CSV
  python3 - "$1" "$2" "$3" <<'PY'
import sys, random
path, m, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
with open(path, "w") as f:
    f.write("x1,x2\n")
    for _ in range(m): f.write(f"{r.gauss(0, 1)!r},{r.gauss(0, 1)!r}\n")
PY
}

cases=${*:-simulate-1e5 simulate-1e6 run-128-1e5 solve-d2-64 solve-d3-32 w2-1e5 diskfull kill9}
for c in $cases; do case $c in
  simulate-1e5) measure "$c" "m = 1e5, 11 output times, t = 0.5, eta = 1e-3" \
      $fpntk simulate --particles:count=100000 --time:end=0.5 --output:plots=false --out "$work/$c" ;;
  simulate-1e6) measure "$c" "m = 1e6, 11 output times, t = 0.1, eta = 1e-3" \
      $fpntk simulate --particles:count=1000000 --time:end=0.1 --output:plots=false --out "$work/$c" ;;
  run-128-1e5) measure "$c" "128^2 cells, m = 1e5, 11 output times, t = 0.5" \
      $fpntk run --grid:cells=128 --particles:count=100000 --time:end=0.5 --out "$work/$c" ;;
  solve-d2-64) measure "$c" "d = 2, 64^3 cells, t = 0.5" \
      $fpntk solve --config validation/scale/d2.json --grid:cells=64 --time:end=0.5 --output:plots=false --out "$work/$c" ;;
  solve-d3-32) measure "$c" "d = 3, 32^4 cells, t = 0.25" \
      $fpntk solve --config validation/scale/d3.json --grid:cells=32 --time:end=0.25 --output:plots=false --out "$work/$c" ;;
  w2-1e5) cloud "$work/a.csv" 100000 1; cloud "$work/b.csv" 100000 2
      measure "$c" "two clouds of 1e5 atoms in 2D" $fpntk w2 "$work/a.csv" "$work/b.csv" --json ;;
  diskfull) mkdir -p "$work/tmpfs" && mount -t tmpfs -o size=1m tmpfs "$work/tmpfs" \
      && measure "$c" "tmpfs of 1 MB: exit 2, no space left on device, no partial file, manifest failed" \
           $fpntk solve --grid:cells=96 --time:end=0.2 --out "$work/tmpfs/run"
      ls "$work/tmpfs/run" | tr '\n' ' '; grep -o '"status": "[a-z]*"' "$work/tmpfs/run/manifest.json"; echo
      find "$work/tmpfs" -name '*.partial-*' | wc -l | xargs echo "partial files:"
      umount "$work/tmpfs" ;;
  kill9) for delay in 1 3 6; do
        d="$work/kill-$delay"; $fpntk run --grid:cells=64 --particles:count=5000 --time:end=1 --output:checkpointSeconds=0.5 \
          --output:plots=false --out "$d" > /dev/null 2>&1 & pid=$!
        sleep $delay; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
        measure "kill9-at-${delay}s" "kill -9 after ${delay} s, then resume" $fpntk resume "$d"
        find "$d" -name '*.partial-*' | wc -l | xargs echo "partial files after resume:"
      done ;;
esac; done
echo "results: $out (work files in $work)"
