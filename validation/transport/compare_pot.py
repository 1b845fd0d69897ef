#!/usr/bin/env python3
"""POT's ot.emd2 on the transport benchmark problems, merged with our BenchmarkDotNet results.

Builds the same data bit for bit as tests/FokkerPlanckNtk.Benchmarks/TransportProblems.cs (only
+ - * /, sqrt and libm's exp/log/cos, in the same order; a checksum confirms it), times ot.emd2 on the
dense squared-Euclidean cost matrix (best of several runs, each problem in a fresh process for its
peak memory), then reads BenchmarkDotNet's report and the values file written by the benchmark and
prints/writes the comparison table (results.md next to this script).

For our own comparison only: never used by tests or CI.
Usage (from the repository root): /usr/bin/python3 validation/transport/compare_pot.py [ARTIFACTS_DIR VALUES_CSV]
"""
import csv
import json
import math
import os
import resource
import subprocess
import sys
import time

PROBLEMS = ["grid16", "grid32", "grid48", "grid64", "cloud1000", "cloud4000"]
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed

    def uniform(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        return (z >> 11) * (1.0 / 9007199254740992.0)

    def gaussian(self):
        u1 = self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)


def normalize(w):
    s = 0.0
    for v in w:
        s += v
    return [v / s for v in w]


def grid(n):
    pos, p, q = [], [], []
    for i in range(n):
        for j in range(n):
            x = -4 + (i + 0.5) * (8.0 / n)
            y = -4 + (j + 0.5) * (8.0 / n)
            pos.append((x, y))
            p.append(math.exp(-0.5 * (x * x + y * y)))
            q.append(math.exp(-0.5 * ((x - 1) * (x - 1) / 0.8 + (y + 0.5) * (y + 0.5) / 1.5) + 0.15 * x * y))
    return pos, normalize(p), pos, normalize(q)


def cloud(m):
    a, b = SplitMix64(1), SplitMix64(2)
    x = []
    for _ in range(m):
        g0 = a.gaussian()
        g1 = a.gaussian()
        x.append((g0, g1))
    y = []
    for _ in range(m):
        g0 = 1 + math.sqrt(0.8) * b.gaussian()
        g1 = -0.5 + math.sqrt(1.5) * b.gaussian()
        y.append((g0, g1))
    w = [1.0 / m] * m
    return x, w, y, list(w)


def create(name):
    return grid(int(name[4:])) if name.startswith("grid") else cloud(int(name[5:]))


def checksum(x, a, y, b):
    s = 0.0
    for pts, w in ((x, a), (y, b)):
        for p in pts:
            for v in p:
                s += abs(v)
        for i, v in enumerate(w):
            s += i * v
    return s


def run_one(name):
    """Times ot.emd2 on one problem (in this process) and prints one JSON line."""
    import numpy as np
    import ot

    x, a, y, b = create(name)
    t0 = time.perf_counter()
    X, Y = np.array(x), np.array(y)
    M = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    cost_matrix_seconds = time.perf_counter() - t0
    a, b = np.array(a), np.array(b)
    repeats = 5 if len(x) * len(y) <= 2_000_000 else 3
    best, value = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value, log = ot.emd2(a, b, M, numItermax=10**9, log=True)
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({
        "problem": name, "w2_squared": float(value), "seconds": best, "cost_matrix_seconds": cost_matrix_seconds,
        "warning": log.get("warning"), "checksum": checksum(x, list(a), y, list(b)),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "pot": ot.__version__,
    }))


def seconds(text):
    """BenchmarkDotNet's formatted time, e.g. '1.234 s', '12.3 ms', '950.1 us'."""
    number, unit = text.replace(",", "").split()
    return float(number) * {"s": 1, "ms": 1e-3, "us": 1e-6, "μs": 1e-6, "ns": 1e-9}[unit]


def main():
    root = os.path.dirname(os.path.abspath(__file__))
    artifacts = sys.argv[1] if len(sys.argv) > 1 else "BenchmarkDotNet.Artifacts"
    values_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(artifacts, "transport-values.csv")
    report = os.path.join(artifacts, "results", "FokkerPlanckNtk.Benchmarks.TransportBenchmarks-report.csv")
    ours = {r["Problem"]: r for r in csv.DictReader(open(report))}
    values = {r["problem"]: r for r in csv.DictReader(open(values_path))}
    rows = []
    for name in PROBLEMS:
        out = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True, check=True)
        pot = json.loads(out.stdout.strip().splitlines()[-1])
        v = values[name]
        ours_w2 = float(v["w2_squared"])
        same_data = float(v["checksum"]) == pot["checksum"]
        rel = abs(ours_w2 - pot["w2_squared"]) / pot["w2_squared"]
        t_ours = seconds(ours[name]["Min"])
        rows.append((name, t_ours, pot["seconds"], pot["seconds"] / t_ours, ours_w2, pot["w2_squared"], rel,
                     v["pivots"], v["peak_working_set_mb"], pot["peak_rss_mb"], same_data, v["status"], pot["warning"],
                     pot["cost_matrix_seconds"]))
        print(name, "done", file=sys.stderr)
    lines = [
        "| problem | ours, min (s) | POT emd2, min (s) | POT / ours | W2² ours | W2² POT | rel. diff | pivots | peak MB ours | peak MB POT | same data | status |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r[0]} | {r[1]:.4g} | {r[2]:.4g} | {r[3]:.2f} | {r[4]!r} | {r[5]!r} | {r[6]:.1e} | {r[7]} | {r[8]} | {r[9]:.0f} | {'yes' if r[10] else 'NO'} | {r[11]}{'' if r[12] is None else ' / POT: ' + r[12]} |")
    lines.append("")
    lines.append("POT's time excludes building its dense cost matrix (" +
                 ", ".join(f"{r[0]}: {r[13]:.3g} s" for r in rows) + "); ours computes costs on the fly.")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(root, "results.md"), "w") as f:
        f.write(table + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        run_one(sys.argv[2])
    else:
        main()
