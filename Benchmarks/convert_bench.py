#!/usr/bin/env python3
"""Conversion time and peak memory per corpus model: modelconv (validation included) and, optionally, onnx2tf.

For every corpus ONNX model: `modelconv convert M.onnx M.tflite --inputs refs.npz` and, with --onnx2tf PATH,
`onnx2tf -i M.onnx -o DIR`; for every corpus TFLite model: `modelconv convert M.tflite M.onnx`. Each runs
as a child process; seconds are wall time, peak memory is the child's ru_maxrss.

Usage: python3 Benchmarks/convert_bench.py --modelconv .build/release/modelconv [--onnx2tf PATH] [--corpus DIR]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from onnx_io_bench import measure  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modelconv", required=True)
    ap.add_argument("--onnx2tf", default=None)
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("MODELCONV_CORPUS", REPO.parent / "shared" / "corpus")))
    args = ap.parse_args()
    mc = os.path.abspath(args.modelconv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        jobs = [(m, ".tflite") for m in sorted((args.corpus / "models" / "onnx").glob("*.onnx"))]
        jobs += [(m, ".onnx") for m in sorted((args.corpus / "models" / "tflite").glob("*.tflite"))]
        for model, target in jobs:
            refs = args.corpus / "refs" / f"{model.stem}.npz"
            out = tmp / (model.stem + target)
            r = measure([mc, "convert", str(model), str(out), "--inputs", str(refs)], tmp)
            status = "ok" if r["rc"] == 0 else f"exit {r['rc']}"
            row = [f"{model.suffix[1:]} -> {target[1:]}", model.stem, status, f"{r['seconds']:.2f}", f"{r['maxrss_kib'] / 1024:.0f}"]
            if args.onnx2tf and target == ".tflite":
                # onnx2tf rewrites its input in place (onnxsim) and fetches sample images from the web for
                # 4-D inputs unless a local copy exists: give it a writable copy and local (random) samples.
                work = tmp / "onnx2tf"
                work.mkdir(exist_ok=True)
                samples = work / "calibration_image_sample_data_20x128x128x3_float32.npy"
                if not samples.exists():
                    import numpy as np
                    np.save(samples, np.random.default_rng(0).random((20, 128, 128, 3), dtype=np.float32))
                copy = work / model.name
                copy.write_bytes(model.read_bytes())
                cwd = os.getcwd()
                os.chdir(work)
                try:
                    o = measure([args.onnx2tf, "-i", str(copy), "-o", str(work / f"out_{model.stem}")], work)
                finally:
                    os.chdir(cwd)
                row += ["ok" if o["rc"] == 0 else f"exit {o['rc']}", f"{o['seconds']:.2f}", f"{o['maxrss_kib'] / 1024:.0f}"]
            rows.append(row)
            print("  " + " | ".join(row), flush=True)
    headers = ["path", "model", "modelconv", "s", "MiB"] + (["onnx2tf", "s", "MiB"] if args.onnx2tf else [])
    widths = [max(len(h), *(len(r[i]) if i < len(r) else 0 for r in rows)) for i, h in enumerate(headers)]
    print()
    print(" | ".join(h.ljust(widths[i]) for i, h in enumerate(headers)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(widths[i]) for i, c in enumerate(r)))


if __name__ == "__main__":
    sys.exit(main())
