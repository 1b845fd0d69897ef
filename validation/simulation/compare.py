#!/usr/bin/env python3
"""Compares the run folders WORK/before/CASE and WORK/now/CASE file by file (bytes; CSV: largest relative
difference per column). Usage: compare.py WORK (compare.sh runs it at the end)."""
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
