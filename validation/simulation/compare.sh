#!/usr/bin/env bash
# Every file of fpntk run, solve, simulate, stationary, ntk, reference (default problem, the d = 2 problem of
# d2.json, solver.kind = spectral) and of the studies (--quick), written by two builds, compared byte for byte;
# CSV files that differ: the largest relative difference per column. Usage (from the repository root):
#   validation/simulation/compare.sh BEFORE/fpntk.dll NOW/fpntk.dll WORKDIR [CASE...]
# CASE: default, d2, spectral, studies, default-nodiag, d2-nodiag, spectral-nodiag (default: all). Each run: --threads 2, nice, timeout 1800 s.
set -u
before=$1; now=$2; work=$3; shift 3
cases=${*:-default d2 spectral studies default-nodiag d2-nodiag spectral-nodiag}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
run() { # build name folder args...
  local dll=$1 out=$2; shift 2
  [ -e "$out/manifest.json" ] && return
  rm -rf "$out"; mkdir -p "$(dirname "$out")"
  timeout 1800 nice -n 19 dotnet "$dll" "$@" --threads 2 --out "$out" > "$out.log" 2>&1 || echo "  exit $? : $*" >&2
}
for c in $cases; do
  case $c in
    default) jobs=("run" "solve" "simulate" "stationary" "ntk" "reference"); extra=() ;;
    d2) jobs=("run" "solve" "simulate" "stationary" "ntk" "reference"); extra=(--config "$here/d2.json") ;;
    spectral) jobs=("solve" "reference"); extra=(--solver:kind=spectral) ;;
    studies) jobs=("study grid-convergence" "study ntk-regime" "study particle-limit" "study spectral" "study theorem"); extra=(--quick) ;;
    # The new build without diagnostics.csv (its rows are output times the PDE lands on, so they move the steps):
    # against the before-build's default and d = 2 runs.
    default-nodiag) jobs=("run" "solve"); extra=() ;;
    d2-nodiag) jobs=("run" "solve"); extra=(--config "$here/d2.json") ;;
    spectral-nodiag) jobs=("solve"); extra=(--solver:kind=spectral) ;;
  esac
  for j in "${jobs[@]}"; do
    name="$c-${j// /-}"
    for side in before now; do
      dll=$before; [ $side = now ] && dll=$now
      if [[ $c == *-nodiag ]]; then
        if [ $side = before ]; then
          run "$dll" "$work/before/${c%-nodiag}-$j" $j "${extra[@]}"
          ln -sfn "${c%-nodiag}-$j" "$work/before/$name"
          continue
        fi
        run "$dll" "$work/now/$name" $j "${extra[@]}" --output:diagnosticsRows=0
        continue
      fi
      # shellcheck disable=SC2086
      run "$dll" "$work/$side/$name" $j "${extra[@]}"
    done
  done
done
python3 "$here/compare.py" "$work"
