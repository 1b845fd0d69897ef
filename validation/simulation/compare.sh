#!/usr/bin/env bash
# Every file of fpntk run, solve, simulate, stationary, ntk, reference (default problem, the d = 2 problem of
# d2.json, solver.kind = spectral) and of the studies (--quick), written by two builds, compared byte for byte;
# CSV files that differ: the largest relative difference per column. Usage (from the repository root):
#   validation/simulation/compare.sh BEFORE/fpntk.dll NOW/fpntk.dll WORKDIR [CASE...]
# CASE: default, d2, spectral, studies (default: all). Each run: --threads 2, nice, timeout 1800 s.
set -u
before=$1; now=$2; work=$3; shift 3
cases=${*:-default d2 spectral studies}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
run() { # build name folder args...
  local dll=$1 out=$2; shift 2
  [ -e "$out/manifest.json" ] && return
  rm -rf "$out"
  timeout 1800 nice -n 19 dotnet "$dll" "$@" --threads 2 --out "$out" > "$out.log" 2>&1 || echo "  exit $? : $*" >&2
}
for c in $cases; do
  case $c in
    default) jobs=("run" "solve" "simulate" "stationary" "ntk" "reference"); extra=() ;;
    d2) jobs=("run" "solve" "simulate" "stationary" "ntk" "reference"); extra=(--config "$here/d2.json") ;;
    spectral) jobs=("solve" "reference"); extra=(--solver:kind=spectral) ;;
    studies) jobs=("study grid-convergence" "study ntk-regime" "study particle-limit" "study spectral" "study theorem"); extra=(--quick) ;;
  esac
  for j in "${jobs[@]}"; do
    name="$c-${j// /-}"
    for side in before now; do
      dll=$before; [ $side = now ] && dll=$now
      # shellcheck disable=SC2086
      run "$dll" "$work/$side/$name" $j "${extra[@]}"
    done
  done
done
python3 - "$work" <<'PY'
import csv, filecmp, os, sys
work = sys.argv[1]
b, n = os.path.join(work, "before"), os.path.join(work, "now")
def rel(x, y):
    try: x, y = float(x), float(y)
    except ValueError: return 0.0 if x == y else float("inf")
    if x == y: return 0.0
    return abs(x - y) / max(abs(x), abs(y))
for case in sorted(os.listdir(b)):
    cb, cn = os.path.join(b, case), os.path.join(n, case)
    if not os.path.isdir(cb): continue
    files = sorted(set(os.path.relpath(os.path.join(r, f), cb) for r, _, fs in os.walk(cb) for f in fs)
                   | set(os.path.relpath(os.path.join(r, f), cn) for r, _, fs in os.walk(cn) for f in fs))
    same, diff = [], []
    for f in files:
        fb, fn = os.path.join(cb, f), os.path.join(cn, f)
        if not os.path.exists(fb): diff.append(f"{f} (new)"); continue
        if not os.path.exists(fn): diff.append(f"{f} (gone)"); continue
        if filecmp.cmp(fb, fn, shallow=False): same.append(f); continue
        if f.endswith(".csv"):
            rb, rn = list(csv.reader(open(fb))), list(csv.reader(open(fn)))
            if rb[:1] != rn[:1] or len(rb) != len(rn): diff.append(f"{f} (columns or rows differ)"); continue
            cols = {}
            for xb, xn in zip(rb[1:], rn[1:]):
                for h, u, v in zip(rb[0], xb, xn):
                    d = rel(u, v)
                    if d > 0: cols[h] = max(cols.get(h, 0), d)
            diff.append(f"{f}: " + ", ".join(f"{h} {d:.1e}" for h, d in sorted(cols.items(), key=lambda t: -t[1])))
        else: diff.append(f)
    print(f"## {case}: {len(same)} identical, {len(diff)} differ")
    for d in diff: print("  " + d)
PY
