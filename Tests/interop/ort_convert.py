#!/usr/bin/env python3
"""ORT format interop: onnxruntime judges what modelconv writes and reads.

1. Every corpus ONNX model converts to .ort with modelconv and, for comparison, with onnxruntime's own
   tool; onnxruntime loads modelconv's file and its outputs on the reference inputs match the stored
   onnxruntime outputs of the source (float32 tier; float16 tier for float16 models; 1 quantization
   step for QDQ outputs, as the corpus's own alternate runs differ).
2. Every corpus .ort, every .ort made by onnxruntime's tool (at 'basic' and at its default level, whose
   contrib ops -- FusedConv, QLinearConv, QGemm, NhwcMaxPool, ... -- modelconv rewrites into standard
   ops and QDQ groups) and every .ort modelconv made in step 1 converts back to .onnx that passes
   onnx.checker (full) and matches the same reference outputs in onnxruntime.
3. Every corpus TFLite model converts to .ort and onnxruntime runs it matching LiteRT's outputs
   (float32 tier against the reference kernels; integer outputs within 1 step of the reference kernels'
   outputs, or of the default path where the reference kernels could not run the model).
Prints a table and `N passed, M failed`.

Usage: python3 Tests/interop/ort_convert.py --modelconv PATH [--corpus DIR]
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interop_common as ic  # noqa: E402


def run(model, refs, extra=None):
    feeds = dict(extra or {})
    feeds.update({k.split(":", 1)[1]: refs[k] for k in refs.files if k.startswith("input:")})
    return ic.ort_run(model, feeds, only_model_inputs=True)


meta = {}


def judge(got, refs, mid, tflite=False):
    """The largest error and whether every output is within its tier."""
    worst, ok = 0.0, True
    for name, y in got.items():
        key = f"output:{name}"
        if key not in refs.files:
            continue  # e.g. state outputs of converted streaming models
        if tflite and y.dtype.kind in "iu":
            k = f"output_builtin_ref:{name}" if f"output_builtin_ref:{name}" in refs.files else key
            steps = float(np.max(np.abs(y.astype(np.int64) - refs[k].astype(np.int64)))) if y.size else 0.0
            worst = max(worst, steps)
            ok &= steps <= 1
            continue
        if tflite and f"output_builtin_ref:{name}" in refs.files:
            key = f"output_builtin_ref:{name}"  # the reference kernels, not XNNPACK's approximations
        ref = refs[key].astype(np.float64)
        d = np.abs(y.astype(np.float64) - ref)
        m = float(d.max()) if d.size else 0.0
        # Two runtimes agree at best as closely as the corpus's own two runs of the source did.
        alt = (meta.get(mid, {}).get("max_abs_diff_alternate") or {}).get(name) or 0.0
        worst = max(worst, m)
        if "qdq" in mid:
            ok &= m <= 0.00392157 * 1.000001
        elif "f16" in mid or "fp16" in mid:
            ok &= bool(np.all(d <= 1e-3 + 1e-3 * np.abs(ref)))
        elif y.dtype.kind in "iu":
            ok &= m == 0
        else:
            tol = (1e-3, 1e-2) if mid == "mp_selfie_segmentation" else (1e-5, 1e-4)
            ok &= bool(np.all(d <= np.maximum(tol[0] + tol[1] * np.abs(ref), 2 * alt)))
    return worst, ok


def main():
    args, corpus = ic.corpus_arguments(__doc__)
    for j in (corpus / "refs").glob("*.json"):
        meta[j.stem] = json.loads(j.read_text())
    rows = []

    def record(kind, mid, fn):
        try:
            worst, ok, note = fn()
        except Exception as e:  # noqa: BLE001
            worst, ok, note = float("nan"), False, str(e).strip().splitlines()[-1][-200:]
        rows.append((kind, mid, "PASS" if ok else "FAIL", f"{worst:.3g}", note))

    def convert(src, dst, refs_path):
        r = subprocess.run([args.modelconv, "convert", str(src), str(dst), "--inputs", str(refs_path)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("modelconv: " + (r.stderr.strip().splitlines() or ["failed"])[-1])

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ort_tool_dir = tmp / "ort_tool"
        ort_tool_dir.mkdir()
        ort_all_dir = tmp / "ort_tool_all"
        ort_all_dir.mkdir()
        modelconv_dir = tmp / "modelconv_ort"
        modelconv_dir.mkdir()
        for src in sorted((corpus / "models" / "onnx").glob("*.onnx")):
            mid = src.stem
            refs = np.load(corpus / "refs" / f"{mid}.npz")

            def onnx_to_ort(src=src, mid=mid, refs=refs):
                dst = modelconv_dir / f"{mid}.ort"
                convert(src, dst, corpus / "refs" / f"{mid}.npz")
                w, ok = judge(run(dst, refs), refs, mid)
                return w, ok, ""
            record("onnx -> ort", mid, onnx_to_ort)
            (ort_tool_dir / src.name).write_bytes(src.read_bytes())
            (ort_all_dir / src.name).write_bytes(src.read_bytes())
        # The corpus's .ort files were made at the 'basic' level, which adds no contrib ops.
        env = dict(os.environ, ORT_CONVERT_ONNX_MODELS_TO_ORT_OPTIMIZATION_LEVEL="basic")
        subprocess.run([sys.executable, "-m", "onnxruntime.tools.convert_onnx_models_to_ort", str(ort_tool_dir),
                        "--optimization_style", "Fixed"], capture_output=True, text=True, env=env)
        # The tool's default level ('all') adds contrib ops (FusedConv; the QLinear* family and NhwcMaxPool in
        # QDQ models), which modelconv rewrites into standard ops.
        subprocess.run([sys.executable, "-m", "onnxruntime.tools.convert_onnx_models_to_ort", str(ort_all_dir),
                        "--optimization_style", "Fixed"], capture_output=True, text=True)
        made = sorted(ort_tool_dir.glob("*.ort")) + sorted(ort_all_dir.glob("*.ort")) + sorted(modelconv_dir.glob("*.ort"))
        # Every model must take part at both levels: a model the tool could not convert is a failed row.
        for d, level in ((ort_tool_dir, "basic"), (ort_all_dir, "all")):
            for src in sorted(d.glob("*.onnx")):
                if not any((d / name).exists() for name in (f"{src.stem}.ort", f"{src.stem}.{level}.ort")):
                    rows.append(("ort -> onnx", src.stem, "FAIL", "nan", f"onnxruntime's tool made no .ort at level '{level}'"))
        for src in sorted((corpus / "models" / "ort").glob("*.ort")) + made:
            mid = src.stem
            ref_id = mid if (corpus / "refs" / f"{mid}.npz").exists() else mid.split(".")[0]
            refs = np.load(corpus / "refs" / f"{ref_id}.npz")

            def ort_to_onnx(src=src, mid=mid, refs=refs, ref_id=ref_id):
                dst = tmp / f"{mid}.back.onnx"
                convert(src, dst, corpus / "refs" / f"{ref_id}.npz")
                onnx.checker.check_model(str(dst), full_check=True)
                # onnxruntime's tool keeps IR-3 initializers of shufflenet as required inputs (OC2_DUMMY_*):
                # feed them from the source ONNX model, as the original .ort needs too.
                source = corpus / "models" / "onnx" / f"{ref_id}.onnx"
                extra = {}
                if source.exists():
                    from onnx import numpy_helper
                    extra = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(source)).graph.initializer}
                w, ok = judge(run(dst, refs, extra), refs, ref_id)
                note = {ort_tool_dir: "onnxruntime's tool, basic", ort_all_dir: "onnxruntime's tool, all",
                        modelconv_dir: "modelconv"}.get(src.parent, "")
                return w, ok, note
            record("ort -> onnx", mid, ort_to_onnx)
        for src in sorted((corpus / "models" / "tflite").glob("*.tflite")):
            mid = src.stem
            refs = np.load(corpus / "refs" / f"{mid}.npz")

            def tflite_to_ort(src=src, mid=mid, refs=refs):
                dst = tmp / f"{mid}.ort"
                convert(src, dst, corpus / "refs" / f"{mid}.npz")
                w, ok = judge(run(dst, refs), refs, mid, tflite=True)
                return w, ok, ""
            record("tflite -> ort", mid, tflite_to_ort)
    w = max(len(r[1]) for r in rows)
    print(f"{'path':13} | {'model'.ljust(w)} | result | max error | note")
    print("-" * (w + 50))
    for r in rows:
        print(f"{r[0]:13} | {r[1].ljust(w)} | {r[2]}   | {r[3]:>9} | {r[4]}")
    passed = sum(r[2] == "PASS" for r in rows)
    print(f"\n{passed} passed, {len(rows) - passed} failed")
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
