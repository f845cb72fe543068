#!/usr/bin/env python3
"""Read and read+write time and peak memory of modelconv on TFLite models.

Measures `modelconv inspect --json` (read) and `modelconv convert IN OUT.tflite` (read + write) on the
largest corpus .tflite and on a synthesized ~--size-mb MB TFLite model (a chain of FULLY_CONNECTED layers
with large float32 weights, built once with the ai-edge-litert wheel's schema object API and cached in
the work dir), plus loading the same file in LiteRT's Python interpreter for reference. Peak RSS is
the measured process's ru_maxrss (see onnx_io_bench.py for the method).

Usage: python3 Benchmarks/tflite_io_bench.py --modelconv PATH [--size-mb 300] [--workdir DIR] [--corpus DIR]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from onnx_io_bench import REPO_ROOT, BenchError, measure  # noqa: E402

DIM = 1024


def synthesize(path: Path, size_mb: float) -> None:
    import flatbuffers
    from ai_edge_litert import schema_py_generated as s

    layers = max(1, int(size_mb * 1e6 // (DIM * DIM * 4)))
    rng = np.random.default_rng(0)
    m = s.ModelT()
    m.version = 3
    m.description = b"modelconv benchmark model"
    code = s.OperatorCodeT()
    code.builtinCode = s.BuiltinOperator.FULLY_CONNECTED
    code.deprecatedBuiltinCode = s.BuiltinOperator.FULLY_CONNECTED
    code.version = 1
    m.operatorCodes = [code]
    empty = s.BufferT()
    m.buffers = [empty]
    g = s.SubGraphT()
    g.tensors, g.operators = [], []

    def tensor(name, shape, buffer=0):
        t = s.TensorT()
        t.name = name.encode()
        t.shape = shape
        t.type = s.TensorType.FLOAT32
        t.buffer = buffer
        g.tensors.append(t)
        return len(g.tensors) - 1

    x = tensor("input", [1, DIM])
    g.inputs = [x]
    for i in range(layers):
        b = s.BufferT()
        b.data = (rng.standard_normal(DIM * DIM, dtype=np.float32) * 0.03).view(np.uint8)
        m.buffers.append(b)
        w = tensor(f"w{i}", [DIM, DIM], len(m.buffers) - 1)
        y = tensor(f"y{i}", [1, DIM])
        op = s.OperatorT()
        op.opcodeIndex = 0
        op.inputs, op.outputs = [x, w, -1], [y]
        op.builtinOptionsType = s.BuiltinOptions.FullyConnectedOptions
        op.builtinOptions = s.FullyConnectedOptionsT()
        op.builtinOptions.fusedActivationFunction = s.ActivationFunctionType.RELU
        g.operators.append(op)
        x = y
    g.outputs = [x]
    m.subgraphs = [g]
    builder = flatbuffers.Builder(int(size_mb * 1.1e6))
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(builder.Output())
    tmp.replace(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modelconv", required=True)
    ap.add_argument("--size-mb", type=float, default=300.0)
    ap.add_argument("--workdir", type=Path, default=REPO_ROOT / ".build" / "bench")
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("MODELCONV_CORPUS", REPO_ROOT.parent / "shared" / "corpus")))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    mc = os.path.abspath(args.modelconv)
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    models = []
    corpus = sorted((args.corpus / "models" / "tflite").glob("*.tflite"), key=lambda p: p.stat().st_size)
    if corpus:
        models.append(corpus[-1])
    else:
        print(f"CORPUS NOT FOUND at {args.corpus}: only the synthesized model is measured", file=sys.stderr)
    synth = workdir / f"synthetic_{int(args.size_mb)}mb.tflite"
    if not synth.exists():
        print(f"synthesizing {synth} ...", flush=True)
        synthesize(synth, args.size_mb)
    models.append(synth)

    rows = []
    for model in models:
        size = model.stat().st_size
        out = workdir / "out_modelconv.tflite"
        tasks = [
            ("modelconv inspect --json (read)", [mc, "inspect", str(model), "--json"]),
            ("modelconv convert (read+write)", [mc, "convert", str(model), str(out)]),
            ("LiteRT Interpreter load (reference)",
             [sys.executable, "-c", "import sys; from ai_edge_litert.interpreter import Interpreter; Interpreter(model_path=sys.argv[1])", str(model)]),
        ]
        for name, cmd in tasks:
            best, peak = None, 0
            for _ in range(args.runs):
                r = measure(cmd, workdir)
                if r["rc"] != 0:
                    raise BenchError(f"{name} on {model.name} failed: {r['stderr'][-300:]}")
                best = r["seconds"] if best is None else min(best, r["seconds"])
                peak = max(peak, r["maxrss_kib"] / 1024)
            rows.append([model.name, f"{size / 2**20:.1f}", name, f"{best:.3f}", f"{peak:.0f}", f"{peak * 2**20 / size:.2f}"])
            print(f"  {model.name}: {name}: {best:.3f}s, {peak:.0f} MiB", flush=True)
        if out.exists():
            out.unlink()

    headers = ["model", "MiB", "task", "seconds", "peak RSS MiB", "peak/file-size"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print()
    print(" | ".join(h.ljust(widths[i]) for i, h in enumerate(headers)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(widths[i]) for i, c in enumerate(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
