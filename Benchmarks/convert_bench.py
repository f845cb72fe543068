#!/usr/bin/env python3
"""Conversion time and peak memory per corpus model: modelconv (validation included) and, optionally, onnx2tf and tf2onnx.

For every corpus ONNX model: `modelconv convert M.onnx M.tflite --inputs refs.npz` and, with --onnx2tf PATH,
`onnx2tf -i M.onnx -o DIR`; for every corpus TFLite model: `modelconv convert M.tflite M.onnx` and, with
--tf2onnx PYTHON (an interpreter that has tf2onnx and tensorflow, e.g. a venv), `PYTHON -m tf2onnx.convert
--tflite M.tflite --output M.onnx --opset 17`, whose result onnxruntime then runs on the reference inputs
(the largest distance from LiteRT's reference kernels is printed: steps for int8 outputs, abs for float).
Each runs as a child process; seconds are wall time, peak memory is the child's ru_maxrss.

Usage: python3 Benchmarks/convert_bench.py --modelconv .build/release/modelconv [--onnx2tf PATH] [--tf2onnx PYTHON] [--corpus DIR]
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


def distance_from_reference(onnx_path, refs_path):
    """onnxruntime's largest distance from LiteRT's reference-kernel outputs: steps (integers) or max abs."""
    import numpy as np
    import onnxruntime as ort

    refs = np.load(refs_path)
    try:
        sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
        feeds = {i.name: refs["input:" + i.name] for i in sess.get_inputs() if "input:" + i.name in refs.files}
        got = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
    except Exception as e:  # noqa: BLE001
        return "onnxruntime: " + str(e).splitlines()[0][:60]
    worst = []
    for name, y in got.items():
        key = next((k for k in (f"output_builtin_ref:{name}", f"output:{name}") if k in refs.files), None)
        if key is None:
            continue
        d = float(np.max(np.abs(y.astype(np.float64) - refs[key].astype(np.float64)))) if y.size else 0.0
        worst.append(f"{d:g} steps" if y.dtype.kind in "iu" else f"{d:.2g}")
    return ", ".join(worst) or "no matching output names"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modelconv", required=True)
    ap.add_argument("--onnx2tf", default=None)
    ap.add_argument("--tf2onnx", default=None, help="a Python interpreter with tf2onnx installed")
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
            if args.tf2onnx and target == ".onnx":
                t2o = tmp / f"{model.stem}.tf2onnx.onnx"
                o = measure([args.tf2onnx, "-m", "tf2onnx.convert", "--tflite", str(model), "--output", str(t2o), "--opset", "17"], tmp)
                row += ["ok" if o["rc"] == 0 else f"exit {o['rc']}", f"{o['seconds']:.2f}", f"{o['maxrss_kib'] / 1024:.0f}",
                        distance_from_reference(t2o, refs) if o["rc"] == 0 else "-",
                        distance_from_reference(out, refs) if r["rc"] == 0 else "-"]
            rows.append(row)
            print("  " + " | ".join(row), flush=True)
    headers = ["path", "model", "modelconv", "s", "MiB"] + (["onnx2tf", "s", "MiB"] if args.onnx2tf else [])
    headers += ["tf2onnx", "s", "MiB", "tf2onnx error", "modelconv error"] if args.tf2onnx else []
    widths = [max(len(h), *(len(r[i]) if i < len(r) else 0 for r in rows)) for i, h in enumerate(headers)]
    print()
    print(" | ".join(h.ljust(widths[i]) for i, h in enumerate(headers)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(widths[i]) for i, c in enumerate(r)))


if __name__ == "__main__":
    sys.exit(main())
