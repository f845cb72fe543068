#!/usr/bin/env python3
"""TFLite -> ONNX -> TFLite: does the round trip give back the original model? (issue 8, point 2)

For each corpus models/tflite/<id>.tflite: `modelconv convert` to .onnx (default options), then that
.onnx back to .tflite (with the reference inputs, which fix dynamic dims). LiteRT judges the result
against the original:
  ops    the multiset of builtin operators (LiteRT's op details) is equal,
  quant  the multiset of (operator, output scale(s), zero point(s)) is equal,
  out    LiteRT's outputs on the reference inputs are identical (reference kernels).
Prints a table and `N passed, M failed`; gating in scripts/test.sh.

Usage: python3 Tests/interop/tflite_onnx_tflite.py --modelconv PATH [--corpus DIR]
"""
import collections
import sys
import tempfile
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interop_common as ic  # noqa: E402


def describe(path, resolver=OpResolverType.BUILTIN_REF):
    """(op multiset, (op, output quantization) multiset, interpreter) of a .tflite file."""
    it = Interpreter(model_path=str(path), num_threads=1, experimental_op_resolver_type=resolver)
    tensors = {t["index"]: t for t in it.get_tensor_details()}
    ops, quant = collections.Counter(), collections.Counter()
    for op in it._get_ops_details():  # noqa: SLF001 (LiteRT has no public op listing)
        ops[op["op_name"]] += 1
        for o in op["outputs"]:
            q = tensors.get(int(o), {}).get("quantization_parameters") or {}
            scales = tuple(np.round(np.asarray(q.get("scales", [])), 12).tolist())
            zps = tuple(np.asarray(q.get("zero_points", [])).tolist())
            quant[(op["op_name"], scales, zps)] += 1
    return ops, quant, it


def outputs(it, refs):
    it.allocate_tensors()
    for d in it.get_input_details():
        key = "input:" + d["name"]
        if key in refs.files:
            if list(d["shape"]) != list(refs[key].shape):
                it.resize_tensor_input(d["index"], refs[key].shape)
                it.allocate_tensors()
            it.set_tensor(d["index"], refs[key])
    it.invoke()
    return {d["name"]: it.get_tensor(d["index"]) for d in it.get_output_details()}


def main():
    args, corpus = ic.corpus_arguments(__doc__)
    rows, passed = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted((corpus / "models" / "tflite").glob("*.tflite")):
            mid = src.stem
            onnx_path, back = Path(tmp) / f"{mid}.onnx", Path(tmp) / f"{mid}.back.tflite"
            refs_path = corpus / "refs" / f"{mid}.npz"
            problem = ic.run_convert(args.modelconv, src, onnx_path, ["--no-validate"])
            if problem is None:
                problem = ic.run_convert(args.modelconv, onnx_path, back, ["--inputs", str(refs_path), "--no-validate"])
            if problem:
                rows.append([mid, "FAIL", "-", "-", "-", problem.replace("convert exit", "back: exit", 1)[:140]])
                continue
            refs = np.load(refs_path)
            try:
                ops_a, quant_a, it_a = describe(src)
                ops_b, quant_b, it_b = describe(back)
                try:
                    out_a, out_b = outputs(it_a, refs), outputs(it_b, refs)
                except RuntimeError:
                    # The reference kernels lack MediaPipe's custom ops: both models on the default resolver.
                    it_a, it_b = describe(src, OpResolverType.AUTO)[2], describe(back, OpResolverType.AUTO)[2]
                    out_a, out_b = outputs(it_a, refs), outputs(it_b, refs)
                same_out = set(out_a) == set(out_b) and all(np.array_equal(out_a[k], out_b[k]) for k in out_a)
            except Exception as e:  # noqa: BLE001
                same_out, out_a = False, {}
                rows.append([mid, "FAIL", "-", "-", "-", f"LiteRT: {ic.one_line(e, 120)}"])
                continue
            extra = ops_b - ops_a
            missing = ops_a - ops_b
            note = ""
            if extra or missing:
                note = f"extra {dict(extra)} missing {dict(missing)}"[:140]
            ok = ops_a == ops_b and quant_a == quant_b and same_out
            passed += ok
            rows.append([mid, "PASS" if ok else "FAIL", "equal" if ops_a == ops_b else "differ",
                         "equal" if quant_a == quant_b else "differ", "identical" if same_out else "differ", note])
    ic.print_table(["model", "result", "ops", "quant", "outputs", "notes"], rows)
    print(f"\n{passed} passed, {len(rows) - passed} failed")
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    ic.run_main(main)
