#!/usr/bin/env python3
"""Run a source ONNX model and its converted copy in onnxruntime on the same inputs; compare outputs.

Usage: python3 Tests/interop/compare_runs.py SOURCE.onnx CONVERTED.onnx REFS.npz
REFS.npz holds `input:<name>` arrays (the corpus layout). Exit 0 when every output is bit-identical.
"""
import sys

import numpy as np
import onnx
import onnxruntime as ort


def run(path, feeds):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    source, converted, refs = sys.argv[1:]
    onnx.checker.check_model(converted, full_check=True)
    data = np.load(refs)
    feeds = {k.split(":", 1)[1]: data[k] for k in data.files if k.startswith("input:")}
    a, b = run(source, feeds), run(converted, feeds)
    ok = True
    for name in a:
        same = a[name].dtype == b[name].dtype and np.array_equal(a[name], b[name], equal_nan=True)
        ok &= same
        print(f"  {name}: {'identical' if same else 'DIFFERENT'} {a[name].dtype}{list(a[name].shape)}")
    print("onnx.checker (full) passed; onnxruntime outputs " + ("bit-identical" if ok else "DIFFER"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
