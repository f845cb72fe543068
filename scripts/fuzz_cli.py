#!/usr/bin/env python3
"""Mutation fuzzing of the modelconv CLI: damaged model files must give an error, never a crash or a hang.

Each round takes a seed model (SampleModels/ and the corpus, files under 3 MB), damages a copy (random bytes,
truncation, insertion, an int32 set to 0x7fffffff), and runs `inspect`, `run` and `convert` on it. Exit codes
0-3 are the documented ones; anything else (a signal) or a timeout is a finding, kept as
<out>/crash<N>.<ext> or <out>/hang<N>.<ext> and printed with the command.

With --fields, ONNX seeds get one field set to an extreme instead (an attribute, an initializer's dims, a node input's
name, a declared dim), which reaches shape inference and the kernels rather than the parser.

Usage: python3 scripts/fuzz_cli.py --modelconv .build/release/modelconv [--seconds 300] [--seed 1] [--out /tmp/fuzz] [--fields]
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = {".onnx": ".tflite", ".tflite": ".onnx", ".ort": ".onnx"}


def seeds(corpus):
    files = sorted((REPO / "SampleModels").glob("*")) + sorted(corpus.glob("models/*/*"))
    return [f for f in files if f.suffix in TARGET and f.stat().st_size < 3_000_000]


def damage(data, rng):
    data = bytearray(data)
    kind = rng.choice(["bytes", "bytes", "truncate", "insert", "int32"])
    if kind == "bytes":
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == "truncate":
        data = data[: rng.randrange(len(data))]
    elif kind == "insert":
        i = rng.randrange(len(data))
        data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    else:
        i = rng.randrange(len(data))
        data[i : i + 4] = b"\xff\xff\xff\x7f"
    return bytes(data)


EXTREMES = [0, -1, 1, 2, 3, 7, 1 << 20, (1 << 31) - 1, 1 << 40, -(1 << 63), (1 << 63) - 1]


def damage_fields(data, rng):
    """An ONNX model with one field set to an extreme: an int/float attribute, an initializer's dims, a
    node input's name or a value's declared dim (needs the onnx package)."""
    import onnx
    model = onnx.load_from_string(data)
    graph = model.graph
    kind = rng.choice(["attribute", "attribute", "dims", "input", "declared"])
    if kind == "attribute":
        nodes = [n for n in graph.node if any(a.type in (1, 2, 6, 7) for a in n.attribute)]
        if nodes:
            a = rng.choice([a for a in rng.choice(nodes).attribute if a.type in (1, 2, 6, 7)])
            if a.type == 2:
                a.i = rng.choice(EXTREMES)
            elif a.type == 7 and a.ints:
                a.ints[rng.randrange(len(a.ints))] = rng.choice(EXTREMES)
            elif a.type == 1:
                a.f = rng.choice([0.0, -1.0, float("nan"), float("inf"), 1e30])
            elif a.type == 6 and a.floats:
                a.floats[rng.randrange(len(a.floats))] = rng.choice([0.0, float("nan"), float("inf")])
    elif kind == "dims" and graph.initializer:
        t = rng.choice(graph.initializer)
        if t.dims:
            t.dims[rng.randrange(len(t.dims))] = rng.choice(EXTREMES[:8])
    elif kind == "input" and graph.node:
        n = rng.choice(graph.node)
        names = [v for m in graph.node for v in m.output] + [i.name for i in graph.input]
        if n.input and names:
            n.input[rng.randrange(len(n.input))] = rng.choice(names + ["", "nowhere"])
    else:
        values = [v for v in list(graph.input) + list(graph.value_info) if v.type.tensor_type.shape.dim]
        if values:
            d = rng.choice(rng.choice(values).type.tensor_type.shape.dim)
            d.dim_value = rng.choice(EXTREMES[:8])
    return model.SerializeToString()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modelconv", required=True)
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("MODELCONV_CORPUS", REPO.parent / "shared" / "corpus")))
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/modelconv-fuzz"))
    ap.add_argument("--fields", action="store_true", help="ONNX seeds only, with one field set to an extreme value")
    args = ap.parse_args()
    pool = [f for f in seeds(args.corpus) if not args.fields or f.suffix == ".onnx"]
    if not pool:
        print("no seed models found", file=sys.stderr)
        return 1
    work = args.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    deadline = time.time() + args.seconds
    findings, mutants = 0, 0
    while time.time() < deadline:
        source = rng.choice(pool)
        model = work / f"mutant{source.suffix}"
        try:
            model.write_bytes(damage_fields(source.read_bytes(), rng) if args.fields else damage(source.read_bytes(), rng))
        except Exception:  # the onnx package refused to serialize the damage: another one
            continue
        output = work / f"out{TARGET[source.suffix]}"
        for command in (["inspect", str(model)], ["run", str(model)], ["convert", str(model), str(output)]):
            try:
                r = subprocess.run([args.modelconv] + command, capture_output=True, timeout=60)
                problem = None if r.returncode in (0, 1, 2, 3) else f"exit {r.returncode}"
            except subprocess.TimeoutExpired:
                problem = "timeout"
            if problem:
                kept = args.out / f"{'hang' if problem == 'timeout' else 'crash'}{findings}{source.suffix}"
                shutil.copy(model, kept)
                findings += 1
                print(f"FINDING {problem}: modelconv {command[0]} {kept} (from {source.name})", flush=True)
        mutants += 1
    print(f"{mutants} mutants of {len(pool)} seed models, {findings} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
