#!/usr/bin/env python3
"""Read/write speed and peak memory of modelconv versus the onnx Python package on a large ONNX model.

Synthesises (once; cached in the work dir) an ONNX model of about --size-mb megabytes: a chain of
MatMul/Add layers with large float32 initializers in raw_data, interleaved with thousands of small
elementwise nodes (each with its own small initializer) so the graph part is not trivial. Then times:

  modelconv inspect FILE --json            (read)
  modelconv convert FILE OUT.onnx          (read + write)
  python: onnx.load(FILE)                  (read)
  python: onnx.save(onnx.load(FILE), OUT)  (read + write)
  python: import onnx                      (baseline: interpreter + import cost, included in the two above)
  /bin/true                                (measurement floor: the launcher's RSS is inherited at exec)

Each task runs --runs times (default 3), every run as a separate process started from a fresh
Python wrapper that reports wall time and resource.getrusage(RUSAGE_CHILDREN).ru_maxrss (the peak
RSS of the measured process). Reported: best time, maximum peak RSS, peak RSS / model file size.
The file is read from the page cache after the first run (no cache dropping).

Usage: python3 Benchmarks/onnx_io_bench.py --modelconv PATH [--size-mb 300] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SYNTH_VERSION = 1
DIM = 1024

# Runs the measured command as its only child and prints "exit-code seconds peak-rss-KiB".
# Kept minimal (python3 -S -I, os-level spawn) because the RSS of the process that launches the
# command is inherited into the child's peak RSS at exec; see the "measurement floor" row.
WRAPPER = r"""
import os, sys, time, resource
out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
fo = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
fe = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
t0 = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=[
    (os.POSIX_SPAWN_DUP2, fo, 1), (os.POSIX_SPAWN_DUP2, fe, 2),
    (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0)])
_, status = os.waitpid(pid, 0)
dt = time.perf_counter() - t0
print(os.waitstatus_to_exitcode(status), dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


class BenchError(Exception):
    pass


def synth_params(size_mb: float, nodes: int) -> dict:
    target = int(size_mb * 1_000_000)
    big = DIM * DIM * 4
    small_bytes_est = nodes * DIM * 4 * 2 // 3  # about 2 of 3 small nodes carry a [DIM] initializer
    layers = max(1, round(max(target - small_bytes_est, big) / big))
    per_layer = max(0, (nodes - 2 * layers) // layers)
    return {"version": SYNTH_VERSION, "size_mb": size_mb, "dim": DIM, "layers": layers,
            "small_nodes_per_layer": per_layer, "seed": 0}


def synthesize(path: Path, params: dict) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(params["seed"])
    d = params["dim"]
    nodes, inits = [], []
    cur = "X"
    for i in range(params["layers"]):
        w = (rng.standard_normal((d, d), dtype=np.float32) / np.float32(np.sqrt(d))).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f"layer{i}.weight"))
        inits.append(numpy_helper.from_array(rng.standard_normal(d, dtype=np.float32) * np.float32(0.1), f"layer{i}.bias"))
        nodes.append(helper.make_node("MatMul", [cur, f"layer{i}.weight"], [f"layer{i}.mm"], name=f"layer{i}/MatMul"))
        nodes.append(helper.make_node("Add", [f"layer{i}.mm", f"layer{i}.bias"], [f"layer{i}.out"], name=f"layer{i}/Add"))
        cur = f"layer{i}.out"
        for j in range(params["small_nodes_per_layer"]):
            out = f"layer{i}.e{j}"
            kind = j % 3
            if kind == 0:
                c = f"layer{i}.e{j}.scale"
                inits.append(numpy_helper.from_array(
                    (1.0 + 0.01 * rng.standard_normal(d, dtype=np.float32)).astype(np.float32), c))
                nodes.append(helper.make_node("Mul", [cur, c], [out], name=f"layer{i}/Mul_{j}"))
            elif kind == 1:
                c = f"layer{i}.e{j}.shift"
                inits.append(numpy_helper.from_array(rng.standard_normal(d, dtype=np.float32) * np.float32(0.01), c))
                nodes.append(helper.make_node("Add", [cur, c], [out], name=f"layer{i}/Add_{j}"))
            else:
                nodes.append(helper.make_node("Tanh", [cur], [out], name=f"layer{i}/Tanh_{j}"))
            cur = out
    nodes.append(helper.make_node("Identity", [cur], ["Y"], name="output"))
    graph = helper.make_graph(
        nodes, "synthetic_mlp",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", d])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["batch", d])],
        initializer=inits,
        doc_string="modelconv benchmark model (synthetic, deterministic)",
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="onnx_io_bench")
    model.ir_version = 8
    tmp = path.with_suffix(".onnx.tmp")
    onnx.save(model, str(tmp))
    onnx.checker.check_model(str(tmp))
    os.replace(tmp, path)


def ensure_model(workdir: Path, size_mb: float, nodes: int) -> Path:
    params = synth_params(size_mb, nodes)
    tag = f"{size_mb:g}".replace(".", "_")
    path = workdir / f"synthetic_{tag}mb.onnx"
    meta = path.with_suffix(".json")
    if path.is_file() and meta.is_file():
        try:
            if json.loads(meta.read_text()) == params:
                print(f"using cached model {path}")
                return path
        except ValueError:
            pass
    print(f"synthesising {path} ({params['layers']} layers of {DIM}x{DIM}, "
          f"{params['small_nodes_per_layer']} small nodes per layer) ...", flush=True)
    t0 = time.monotonic()
    synthesize(path, params)
    meta.write_text(json.dumps(params))
    print(f"  done in {time.monotonic() - t0:.1f}s")
    return path


def measure(cmd: list[str], workdir: Path) -> dict:
    out, err = workdir / "last_stdout.txt", workdir / "last_stderr.txt"
    p = subprocess.run([sys.executable, "-S", "-I", "-c", WRAPPER, str(out), str(err), *cmd],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        rc, seconds, rss = p.stdout.split()
        res = {"rc": int(rc), "seconds": float(seconds), "maxrss_kib": int(rss)}
    except ValueError:
        raise BenchError(f"measurement wrapper failed for {cmd[0]}: {p.stderr.strip()[-500:]}") from None
    res["stderr"] = err.read_text(errors="replace")[-4000:] if err.exists() else ""
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modelconv", required=True, help="path of the modelconv executable")
    ap.add_argument("--size-mb", type=float, default=300.0, help="approximate model size in MB (10^6 bytes; default 300)")
    ap.add_argument("--nodes", type=int, default=3000, help="approximate number of graph nodes (default 3000)")
    ap.add_argument("--workdir", type=Path, default=REPO_ROOT / ".build" / "bench", help="cache/output dir (default .build/bench)")
    ap.add_argument("--runs", type=int, default=3, help="runs per task (default 3)")
    ap.add_argument("--json-out", type=Path, default=None, help="also write the results as JSON here")
    args = ap.parse_args()

    mc = args.modelconv if os.sep in args.modelconv else (shutil.which(args.modelconv) or args.modelconv)
    if not (os.path.isfile(mc) and os.access(mc, os.X_OK)):
        print(f"error: modelconv binary not found or not executable: {args.modelconv}", file=sys.stderr)
        return 2
    mc = os.path.abspath(mc)
    if args.size_mb <= 0 or args.runs < 1:
        print("error: --size-mb must be > 0 and --runs >= 1", file=sys.stderr)
        return 2

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    model = ensure_model(workdir, args.size_mb, args.nodes)
    size = model.stat().st_size
    out_mc = workdir / "out_modelconv.onnx"
    out_py = workdir / "out_python.onnx"
    py = sys.executable

    tasks = [
        ("modelconv inspect --json (read)", [mc, "inspect", str(model), "--json"], None),
        ("modelconv convert (read+write)", [mc, "convert", str(model), str(out_mc)], out_mc),
        ("python onnx.load (read)", [py, "-c", "import onnx, sys; onnx.load(sys.argv[1])", str(model)], None),
        ("python onnx.load+save (read+write)",
         [py, "-c", "import onnx, sys; onnx.save(onnx.load(sys.argv[1]), sys.argv[2])", str(model), str(out_py)], out_py),
        ("python import onnx (baseline)", [py, "-c", "import onnx"], None),
        ("measurement floor (/bin/true)", ["true"], None),
    ]

    print(f"model:     {model}")
    print(f"file size: {size / 2**20:.1f} MiB ({size} bytes)")
    print(f"modelconv: {mc}")
    print(f"runs:      {args.runs} per task (best time, max peak RSS)\n", flush=True)

    rows, results, problems = [], [], []
    for name, cmd, out in tasks:
        times, rss, err = [], [], None
        for _ in range(args.runs):
            if out is not None and out.exists():
                out.unlink()
            r = measure(cmd, workdir)
            if r["rc"] != 0:
                lines = [ln for ln in r["stderr"].splitlines() if ln.strip()]
                err = f"exit {r['rc']}: {lines[-1] if lines else '(no stderr)'}"
                break
            times.append(r["seconds"])
            rss.append(r["maxrss_kib"])
            if out is not None and (not out.is_file() or out.stat().st_size < size // 2):
                written = out.stat().st_size if out.is_file() else 0
                err = f"suspicious output: {out.name} has {written} bytes (input {size})"
                break
            if "inspect" in cmd[1:2] and "--json" in cmd:
                try:
                    json.loads((workdir / "last_stdout.txt").read_text())
                except ValueError:
                    err = "inspect --json did not print valid JSON"
                    break
        if err:
            problems.append(f"{name}: {err}")
            rows.append([name, "FAILED", "-", "-"])
            results.append({"task": name, "error": err})
            continue
        best, peak = min(times), max(rss) / 1024.0
        rows.append([name, f"{best:.2f}", f"{peak:.0f}", f"{peak * 2**20 / size:.2f}"])
        results.append({"task": name, "best_seconds": best, "all_seconds": times,
                        "peak_rss_mib": peak, "peak_rss_over_file_size": peak * 2**20 / size})
        print(f"  {name}: {best:.2f}s, {peak:.0f} MiB", flush=True)

    for p in (out_mc, out_py, workdir / "last_stdout.txt", workdir / "last_stderr.txt"):
        if p.exists():
            p.unlink()

    headers = ["task", "seconds", "peak RSS MiB", "peak/file-size"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print()
    print(" | ".join(h.ljust(widths[i]) for i, h in enumerate(headers)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    if args.json_out:
        args.json_out.write_text(json.dumps({"model": str(model), "file_bytes": size, "runs": args.runs,
                                             "results": results}, indent=1))
    if problems:
        print("\nproblems:")
        for p in problems:
            print(f"  {p}")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
