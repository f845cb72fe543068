#!/usr/bin/env python3
"""Convert every corpus .tflite to ONNX with modelconv and let onnx and onnxruntime judge the result.

For each models/tflite/<id>.tflite: `modelconv convert` to .onnx (peak memory and time measured), then
(a) onnx.checker.check_model(full_check=True) passes, (b) onnxruntime runs it on the reference inputs,
(c) its outputs match LiteRT's: float outputs within the float32 tier (atol 1e-5 + rtol 1e-4) of the
reference kernels' `output_builtin_ref` (`output` when unavailable; one quantization step of the
source's scale for outputs computed by a DEQUANTIZE of a quantized tensor); integer outputs within
1 quantization step of LiteRT: the table shows the distance to the reference kernels and to the
default XNNPACK path, and a model passes when one of them is within 1 step (the two LiteRT paths
themselves differ by 15 steps on mlperf_ic_resnet8).
Prints a table: model, ops, seconds, peak memory, max error (float or steps), and `N passed, M failed`.

Usage: python3 Tests/interop/tflite_to_onnx.py --modelconv PATH [--corpus DIR]
"""
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interop_common as ic  # noqa: E402

# Models whose only reference is XNNPACK (the reference kernels lack an op), which is itself not
# float32-exact on these MediaPipe models (corpus README: 9e-5 on face detection); approximate tier.
# Known numeric drift, printed as KNOWN (not counted as passed): onnxruntime's QDQ requantization rounds
# half to even in float, TFLite's integer kernels round in fixed point; on this model the one-step
# differences of depthwise conv, average pool (ties are common there) and mean compound to 3 steps.
KNOWN_DRIFT = {"mltk_fingerprint_signature": "float QDQ rounding vs TFLite fixed-point rounding compounds to 3 steps"}

APPROXIMATE = {"mp_selfie_segmentation": "XNNPACK-only reference (custom op), approximate tier atol 1e-3 + rtol 1e-2"}


def convert(modelconv, src, dst):
    """Runs convert as a child; returns (returncode, stderr, seconds, peak RSS MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    # The real runtimes judge here; convert's own interpreter validation is covered by the Swift tests
    # (and reports the quantization drift of some int8 models, see the closing notes).
    r = subprocess.run([modelconv, "convert", str(src), str(dst), "--json", "--no-validate"], capture_output=True, text=True)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return r.returncode, r.stderr.strip(), r.stdout, seconds, max(peak, before) / 1024


def main():
    args, corpus = ic.corpus_arguments(__doc__)
    rows, passed, failed = [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted((corpus / "models" / "tflite").glob("*.tflite")):
            mid = src.stem
            dst = Path(tmp) / f"{mid}.onnx"
            rc, err, out, seconds, peak = convert(args.modelconv, src, dst)
            problems, worst, ops = [], "-", "-"
            if rc != 0:
                problems.append("convert failed: " + err.splitlines()[-1][:120] if err else "convert failed")
            else:
                ops = str(json.loads(out)["nodesOut"])
                try:
                    onnx.checker.check_model(str(dst), full_check=True)
                except Exception as e:  # noqa: BLE001
                    problems.append(f"checker: {str(e).splitlines()[0][:100]}")
                refs = np.load(corpus / "refs" / f"{mid}.npz")
                meta = json.loads((corpus / "refs" / f"{mid}.json").read_text())
                feeds = {k.split(":", 1)[1]: refs[k] for k in refs.files if k.startswith("input:")}
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = 1
                try:
                    sess = ort.InferenceSession(str(dst), opts, providers=["CPUExecutionProvider"])
                    names = [o.name for o in sess.get_outputs()]
                    got = dict(zip(names, sess.run(names, {i.name: feeds[i.name] for i in sess.get_inputs() if i.name in feeds})))
                except Exception as e:  # noqa: BLE001
                    problems.append(f"onnxruntime: {str(e).splitlines()[0][:120]}")
                    got = {}
                quant = {o["name"]: o.get("quantization") for o in meta["outputs"]}
                errs = []
                for o in meta["outputs"]:
                    name = o["name"]
                    if name not in got:
                        if got:
                            problems.append(f"output {name} missing")
                        continue
                    y = got[name]
                    q = quant.get(name)
                    if y.dtype.kind in "iu":
                        def steps_to(key):
                            if f"{key}:{name}" not in refs.files:
                                return None
                            r = refs[f"{key}:{name}"].astype(np.int64)
                            return float(np.max(np.abs(y.astype(np.int64) - r))) if y.size else 0.0
                        ref_steps, xnn_steps = steps_to("output_builtin_ref"), steps_to("output")
                        errs.append(f"{ref_steps if ref_steps is not None else '-'} steps (ref kernels) / {xnn_steps:g} (XNNPACK)")
                        best = min(s for s in (ref_steps, xnn_steps) if s is not None)
                        if best > 1:
                            problems.append(f"{name}: {best:g} steps from every LiteRT reference")
                    else:
                        key = f"output_builtin_ref:{name}" if f"output_builtin_ref:{name}" in refs.files else f"output:{name}"
                        ref = refs[key].astype(np.float64)
                        d = np.abs(y.astype(np.float64) - ref)
                        m = float(d.max()) if d.size else 0.0
                        errs.append(f"{m:.2e}")
                        step = meta.get("max_abs_diff_alternate_quant_steps", {}).get(name)
                        if mid in APPROXIMATE:
                            ok = np.all(d <= 1e-3 + 1e-2 * np.abs(ref))
                        elif step is not None and q is None and (meta["max_abs_diff_alternate"].get(name) or 0) > 0:
                            unit = meta["max_abs_diff_alternate"][name] / max(step, 1)
                            ok = m <= unit * 1.000001
                        else:
                            ok = np.all(d <= 1e-5 + 1e-4 * np.abs(ref))
                        if not ok:
                            problems.append(f"{name}: max abs {m:.3g} beyond the tier")
                worst = ", ".join(errs)
            ok = not problems
            known = not ok and mid in KNOWN_DRIFT and all("steps from every LiteRT reference" in p for p in problems)
            passed += ok
            failed += not ok and not known
            rows.append((mid, "PASS" if ok else ("KNOWN" if known else "FAIL"), ops, f"{seconds:.2f}", f"{peak:.0f}", worst, "; ".join(problems)))
    w = max(len(r[0]) for r in rows)
    print(f"{'model'.ljust(w)} | result | ops | seconds | peak MiB | max error | problems")
    print("-" * (w + 70))
    for r in rows:
        print(f"{r[0].ljust(w)} | {r[1]}   | {r[2]:>3} | {r[3]:>7} | {r[4]:>8} | {r[5]} | {r[6]}")
    for k, v in APPROXIMATE.items():
        print(f"note: {k}: {v}")
    for k, v in KNOWN_DRIFT.items():
        print(f"known drift (not counted as passed): {k}: {v}")
    known = sum(1 for r in rows if r[1] == "KNOWN")
    if known:
        print(f"\n{known} known gaps (listed above as KNOWN, not counted as passed)")
    print(f"\n{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
