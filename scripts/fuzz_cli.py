#!/usr/bin/env python3
"""Mutation fuzzing of the modelconv CLI: damaged model files must give an error, never a crash or a hang.

Each round takes a seed model (SampleModels/ and the corpus, files under 3 MB), damages a copy (random bytes,
truncation, insertion, an int32 set to 0x7fffffff), and runs `inspect`, `run` and `convert` on it. Exit codes
0-3 are the documented ones; anything else (a signal) or a timeout is a finding, kept as
<out>/crash<N>.<ext> or <out>/hang<N>.<ext> and printed with the command.

Usage: python3 scripts/fuzz_cli.py --modelconv .build/release/modelconv [--seconds 300] [--seed 1] [--out /tmp/fuzz]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modelconv", required=True)
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("MODELCONV_CORPUS", REPO.parent / "shared" / "corpus")))
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/modelconv-fuzz"))
    args = ap.parse_args()
    pool = seeds(args.corpus)
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
        model.write_bytes(damage(source.read_bytes(), rng))
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
