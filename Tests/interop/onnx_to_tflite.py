#!/usr/bin/env python3
"""Convert every corpus .onnx to TFLite with modelconv and let LiteRT judge the result.

For each models/onnx/<id>.onnx: `modelconv ops --target tflite` (pre-flight), then `modelconv convert`
to .tflite with the reference inputs (`--inputs refs/<id>.npz`, which also fixes dynamic input dims;
modelconv validates the result in its reference interpreter), time and peak memory measured; then
LiteRT (`ai_edge_litert.interpreter.Interpreter`) runs the .tflite on the reference inputs and its
outputs are compared with the stored onnxruntime outputs (`output:<name>`): float within the float32
tier (atol 1e-5 + rtol 1e-4), integer outputs within 1 step, float outputs of a DEQUANTIZE (QDQ models)
within 1 quantization step of the tensor it dequantizes (the two onnxruntime configurations differ by 1 step),
outputs of float16 models within the float16 tier (atol 1e-3 + rtol 1e-3: onnxruntime computes in float16, LiteRT in float32). Models the pre-flight refuses are listed
as NOT SUPPORTED with the reason and count as failures.
Dynamic dims: where the written model keeps an input dim dynamic (-1 in shape_signature), LiteRT is
resized to 3x that dim and run on seeded random inputs (drawn in the reference inputs' range) next to
onnxruntime on the source with the same inputs, with the same tolerances; a mismatch fails the model.
Prints a table: model, ops, transposes left, seconds, peak memory, max error, dynamic dims; then
`N passed, M failed`.

Usage: python3 Tests/interop/onnx_to_tflite.py --modelconv PATH [--corpus DIR] [--nhwc-io]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interop_common as ic  # noqa: E402

ATOL, RTOL = 1e-5, 1e-4


def convert(modelconv, src, dst, refs, extra):
    """Runs convert as a child; returns (returncode, stderr, stdout, seconds, peak RSS MiB of that child)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        actions = [(os.POSIX_SPAWN_DUP2, out.fileno(), 1), (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        pid = os.posix_spawn(modelconv, [modelconv, "convert", str(src), str(dst), "--inputs", str(refs), "--json", *extra],
                             os.environ, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        return os.waitstatus_to_exitcode(status), err.read().strip(), out.read(), seconds, usage.ru_maxrss / 1024


def run_litert(path, feeds, nhwc_io):
    """Runs the model in LiteRT on `feeds` (by tensor name); returns outputs by name (NCHW when nhwc_io)."""
    it = Interpreter(model_path=str(path), num_threads=1)
    for d in it.get_input_details():
        x = feeds[d["name"]]
        if nhwc_io and x.ndim == 4:
            x = x.transpose(0, 2, 3, 1)
        if list(d["shape"]) != list(x.shape):
            it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    for d in it.get_input_details():
        x = feeds[d["name"]]
        if nhwc_io and x.ndim == 4:
            x = x.transpose(0, 2, 3, 1)
        it.set_tensor(d["index"], np.array(x, dtype=d["dtype"], order="C"))  # keeps 0-d inputs 0-d
    it.invoke()
    outs, steps = {}, {}
    details = {d["index"]: d for d in it.get_tensor_details()}
    for op in it._get_ops_details():  # noqa: SLF001 (the public API has no op list)
        if op["op_name"] == "DEQUANTIZE":
            scale = details[op["inputs"][0]]["quantization_parameters"]["scales"]
            for o in op["outputs"]:
                if len(scale):
                    steps[details[o]["name"]] = float(np.max(scale))
    for d in it.get_output_details():
        y = it.get_tensor(d["index"])
        if nhwc_io and y.ndim == 4:
            y = y.transpose(0, 3, 1, 2)
        outs[d["name"]] = y
    return outs, steps


def dynamic_feeds(path, feeds, nhwc_io, seed):
    """Inputs 3x as large in each dim the .tflite keeps dynamic (None when none is), drawn in the range of `feeds`."""
    it = Interpreter(model_path=str(path), num_threads=1)
    rng = np.random.default_rng(seed)
    out, grown = {}, False
    for d in it.get_input_details():
        x = feeds[d["name"]]
        signature = list(d["shape_signature"])
        if nhwc_io and x.ndim == 4:
            signature = [signature[i] for i in (0, 3, 1, 2)]
        shape = [n * 3 if s < 0 else n for n, s in zip(x.shape, signature)]
        grown = grown or shape != list(x.shape)
        if shape == list(x.shape):
            out[d["name"]] = x
        elif np.issubdtype(x.dtype, np.floating):
            out[d["name"]] = rng.uniform(float(x.min()), float(x.max()), size=shape).astype(x.dtype)
        else:
            out[d["name"]] = rng.integers(int(x.min()), int(x.max()) + 1, size=shape).astype(x.dtype)
    return out if grown else None


def compare(got, want, step=None, tol=(ATOL, RTOL)):
    """Max error and whether it is within tolerance (float tier `tol`, or 1 step for integers and dequantized outputs)."""
    if got.shape != want.shape:
        return f"shape {got.shape} vs {want.shape}", False
    if step is not None and np.issubdtype(want.dtype, np.floating):
        err = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))) if want.size else 0.0
        return f"{err:.3g} ({err / step:.2g} steps)", err <= step * (1 + 1e-6)
    if np.issubdtype(want.dtype, np.floating):
        g, w = got.astype(np.float64), want.astype(np.float64)
        err = float(np.max(np.abs(g - w))) if w.size else 0.0
        ok = bool(np.all(np.abs(g - w) <= tol[0] + tol[1] * np.abs(w)))
        return f"{err:.3g}", ok
    err = int(np.max(np.abs(got.astype(np.int64) - want.astype(np.int64)))) if want.size else 0
    return f"{err} steps", err <= (0 if want.dtype == np.int64 else 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modelconv", required=True)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--nhwc-io", action="store_true", help="convert with --nhwc-io (inputs/outputs transposed here)")
    args = ap.parse_args()
    modelconv = ic.resolve_modelconv(args.modelconv)
    corpus = args.corpus or ic.default_corpus_dir()
    ic.require_corpus(corpus)
    extra = ["--nhwc-io"] if args.nhwc_io else []
    rows, passed, failed, notes = [], 0, 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted((corpus / "models" / "onnx").glob("*.onnx")):
            mid = src.stem
            refs_path = corpus / "refs" / f"{mid}.npz"
            pre = subprocess.run([modelconv, "ops", "--target", "tflite", str(src)], capture_output=True, text=True)
            if pre.returncode != 0:
                reasons = [line.strip() for line in pre.stdout.splitlines() if line.strip()]
                rows.append([mid, "-", "-", "-", "-", "NOT SUPPORTED", "-"])
                notes.append(f"{mid}: NOT SUPPORTED — {len(reasons)} node(s), e.g. {ic.one_line(reasons[0] if reasons else pre.stderr, 160)}")
                failed += 1
                continue
            dst = Path(tmp) / f"{mid}.tflite"
            rc, err, out, seconds, peak = convert(modelconv, src, dst, refs_path, extra)
            if rc != 0:
                rows.append([mid, "-", "-", f"{seconds:.2f}", f"{peak:.0f} MiB", "CONVERT FAILED", "-"])
                notes.append(f"{mid}: convert failed (exit {rc}): {ic.one_line(err, 200)}")
                failed += 1
                continue
            report = json.loads(out)
            # float16 models (float16 compute in onnxruntime, float32 here): the float16 tier modelconv's
            # validation chose for that output from its provenance (a Cast from float16).
            tiers = {o["name"]: (o["tolerance"]["atol"], o["tolerance"]["rtol"])
                     for o in (report.get("validation") or {}).get("outputs", []) if o["tolerance"]["tier"] == "float16"}
            refs = np.load(refs_path)
            feeds = {k.split(":", 1)[1]: refs[k] for k in refs.files if k.startswith("input:")}
            want = {k.split(":", 1)[1]: refs[k] for k in refs.files if k.startswith("output:")}
            try:
                got, steps = run_litert(dst, feeds, args.nhwc_io)
            except Exception as e:  # noqa: BLE001
                rows.append([mid, str(report["nodesOut"]), str(report["transposesLeft"]), f"{seconds:.2f}", f"{peak:.0f} MiB", "LITERT FAILED", "-"])
                notes.append(f"{mid}: LiteRT failed: {ic.one_line(str(e), 200)}")
                failed += 1
                continue
            errors, ok = [], True
            for name, w in want.items():
                if name not in got:
                    errors.append(f"{name}: missing")
                    ok = False
                    continue
                e, good = compare(got[name], w, steps.get(name), tiers.get(name, (ATOL, RTOL)))
                errors.append(e if len(want) == 1 else f"{name}: {e}")
                ok = ok and good
            dynamic = "-"
            grown = dynamic_feeds(dst, feeds, args.nhwc_io, seed=len(mid))
            if grown is not None:
                try:
                    want3 = ic.ort_run(src, grown, "all")
                    got3, steps3 = run_litert(dst, grown, args.nhwc_io)
                    results = [compare(got3[n], w, steps3.get(n), tiers.get(n, (ATOL, RTOL))) for n, w in want3.items()]
                    good = all(r[1] for r in results)
                    shapes = ",".join("x".join(map(str, v.shape)) for v in grown.values() if v.ndim)
                    dynamic = ("" if good else "FAIL ") + f"{shapes}: " + "; ".join(r[0] for r in results)
                except Exception as e:  # noqa: BLE001
                    good, dynamic = False, "FAILED"
                    notes.append(f"{mid}: dynamic dims: {ic.one_line(str(e), 200)}")
                ok = ok and good
            rows.append([mid, str(report["nodesOut"]), str(report["transposesLeft"]), f"{seconds:.2f}", f"{peak:.0f} MiB",
                         ("" if ok else "FAIL ") + "; ".join(errors), dynamic])
            passed += ok
            failed += not ok
    ic.print_table(["model", "ops", "transposes left", "seconds", "peak memory", "max error", "dynamic dims (LiteRT resized)"], rows)
    for n in notes:
        print("  " + n)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    ic.run_main(main)
