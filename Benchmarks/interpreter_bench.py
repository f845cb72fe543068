#!/usr/bin/env python3
"""Time modelconv's reference interpreter against onnxruntime (one thread) on every corpus ONNX model.

Both run each model on its reference inputs; the time per run excludes loading (modelconv: `run
--repeat N --json` reports the best of N runs; onnxruntime: best of N session.run calls after one
warm-up, ORT_ENABLE_ALL, intra_op_num_threads=1). Prints a table with the ratio modelconv / onnxruntime.

Usage: python3 Benchmarks/interpreter_bench.py --modelconv PATH [--corpus DIR] [--runs 5]
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

REPO = Path(__file__).resolve().parent.parent


def ort_time(model, feeds, runs):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    s = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    s.run(None, feeds)
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        s.run(None, feeds)
        best = min(best, time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modelconv", required=True)
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("MODELCONV_CORPUS", REPO.parent / "shared" / "corpus")))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    models = sorted((args.corpus / "models" / "onnx").glob("*.onnx"))
    if not models:
        print(f"CORPUS NOT FOUND at {args.corpus}", file=sys.stderr)
        return 1
    core = os.environ.get("OPENBLAS_CORETYPE")
    if core:
        # modelconv's GEMMs are OpenBLAS's; onnxruntime's MLAS picks its kernels for the CPU itself.
        print(f"note: OPENBLAS_CORETYPE={core} fixes OpenBLAS's kernels (unset it to let OpenBLAS choose for this CPU)")
    rows = []
    for m in models:
        refs = args.corpus / "refs" / f"{m.stem}.npz"
        data = np.load(refs)
        feeds = {k.split(":", 1)[1]: data[k] for k in data.files if k.startswith("input:")}
        r = subprocess.run([args.modelconv, "run", str(m), "--inputs", str(refs), "--repeat", str(args.runs), "--json"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            rows.append((m.stem, "-", "-", "FAILED: " + r.stderr.strip()[:80]))
            continue
        mc = json.loads(r.stdout)["best_seconds"]
        o = ort_time(m, feeds, args.runs)
        rows.append((m.stem, f"{mc * 1000:.2f}", f"{o * 1000:.2f}", f"{mc / o:.2f}x"))
        print(f"  {m.stem}: modelconv {mc * 1000:.2f} ms, onnxruntime {o * 1000:.2f} ms", flush=True)
    w = max(len(r[0]) for r in rows)
    print(f"\n{'model'.ljust(w)} | modelconv ms | onnxruntime ms | ratio")
    print("-" * (w + 40))
    for r in rows:
        print(f"{r[0].ljust(w)} | {r[1]:>12} | {r[2]:>14} | {r[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
