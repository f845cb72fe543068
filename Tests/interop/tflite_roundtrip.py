#!/usr/bin/env python3
"""Round-trip every corpus .tflite through `modelconv convert` and let LiteRT judge the result.

For each models/tflite/<id>.tflite: convert to a temp .tflite, then check with ai-edge-litert that
(a) the written model loads and its outputs on the reference inputs are identical to the original's,
(b) the operator list (count and types, in order) is the same,
(c) every tensor's quantization parameters (scales, zero points, quantized dimension) are equal,
and that the original file was not modified. Prints a table and `N passed, M failed`.

Usage: python3 Tests/interop/tflite_roundtrip.py --modelconv PATH [--corpus DIR]
"""
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interop_common as ic  # noqa: E402


def ops_of(path):
    interp = Interpreter(model_path=str(path))
    return [d["op_name"] for d in interp._get_ops_details()]


def quant_of(path):
    interp = Interpreter(model_path=str(path))
    out = []
    for d in interp.get_tensor_details():
        q = d["quantization_parameters"]
        out.append((d["name"], q["scales"].tolist(), q["zero_points"].tolist(), int(q["quantized_dimension"])))
    return out


def run(path, feeds):
    interp = Interpreter(model_path=str(path), num_threads=1)
    interp.allocate_tensors()
    for d in interp.get_input_details():
        x = feeds[d["name"]]
        if list(d["shape"]) != list(x.shape):
            interp.resize_tensor_input(d["index"], x.shape)
            interp.allocate_tensors()
    for d in interp.get_input_details():
        interp.set_tensor(d["index"], feeds[d["name"]])
    interp.invoke()
    return {d["name"]: interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()}


def main():
    args, corpus = ic.corpus_arguments(__doc__)
    models = sorted((corpus / "models" / "tflite").glob("*.tflite"))
    passed = failed = 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for src in models:
            mid = src.stem
            before = hashlib.sha256(src.read_bytes()).hexdigest()
            dst = Path(tmp) / src.name
            r = subprocess.run([args.modelconv, "convert", str(src), str(dst)], capture_output=True, text=True)
            problems = []
            ops_a = ops_b = []
            maxdiff = "-"
            if r.returncode != 0:
                problems.append("convert failed: " + r.stderr.strip())
            else:
                ops_a, ops_b = ops_of(src), ops_of(dst)
                if ops_a != ops_b:
                    problems.append(f"operators differ: {len(ops_a)} vs {len(ops_b)}")
                if quant_of(src) != quant_of(dst):
                    problems.append("quantization parameters differ")
                refs = np.load(corpus / "refs" / f"{mid}.npz")
                feeds = {k.split(":", 1)[1]: refs[k] for k in refs.files if k.startswith("input:")}
                a, b = run(src, feeds), run(dst, feeds)
                diffs = []
                for name in a:
                    if name not in b or a[name].dtype != b[name].dtype or a[name].shape != b[name].shape:
                        problems.append(f"output {name} missing or of another type")
                        continue
                    diffs.append(float(np.max(np.abs(a[name].astype(np.float64) - b[name].astype(np.float64)))) if a[name].size else 0.0)
                    if not np.array_equal(a[name], b[name], equal_nan=True):
                        problems.append(f"output {name} differs")
                maxdiff = f"{max(diffs) if diffs else 0:g}"
            if hashlib.sha256(src.read_bytes()).hexdigest() != before:
                problems.append("the input file was modified")
            ok = not problems
            passed += ok
            failed += not ok
            rows.append((mid, "PASS" if ok else "FAIL", f"{len(ops_a)}/{len(ops_b)}", maxdiff, "; ".join(problems)))
    w = max(len(r[0]) for r in rows)
    print(f"{'model'.ljust(w)} | result | ops before/after | max diff | problems")
    print("-" * (w + 50))
    for r in rows:
        print(f"{r[0].ljust(w)} | {r[1]}   | {r[2]:<16} | {r[3]:<8} | {r[4]}")
    print(f"\n{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
