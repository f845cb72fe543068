#!/usr/bin/env python3
"""Compare `modelconv infer-shapes` with onnx's shape inference on the corpus ONNX models.

For each models/onnx/<id>.onnx of the corpus:
  - onnx: onnx.shape_inference.infer_shapes(model, data_prop=True);
  - modelconv: `modelconv infer-shapes <id>.onnx out.onnx --json`;
  - both are counted over the same values: every node output of every graph (main graph and
    subgraphs). A value is unknown when it has no type, no rank, or a dim without a number or a name
    (onnx's generated `unk__N` names and modelconv's data-dependent symbols count as unknown);
  - the model modelconv wrote must pass onnx.checker and onnx's own inference in strict mode
    (so its value_info never contradicts onnx).
Prints a table; exits 1 when modelconv leaves more values unknown than onnx on any model, or a
check fails.

Usage: python3 Tests/interop/shape_inference_compare.py --modelconv PATH [--corpus DIR] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # keep Tests/interop free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))

import interop_common as ic  # noqa: E402
import onnx  # noqa: E402


def graphs(g):
    """The graph and every nested subgraph, depth first."""
    yield g
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from graphs(a.g)
            elif a.type == onnx.AttributeProto.GRAPHS:
                for sub in a.graphs:
                    yield from graphs(sub)


def node_outputs(model):
    return [o for g in graphs(model.graph) for n in g.node for o in n.output if o]


def type_known(t) -> bool:
    """True when the type has a rank and every dim is a number or a (non-generated) name."""
    which = t.WhichOneof("value")
    if which == "tensor_type":
        tt = t.tensor_type
        if not tt.HasField("shape"):
            return False
        for d in tt.shape.dim:
            if d.HasField("dim_value"):
                continue
            if d.HasField("dim_param") and d.dim_param and not d.dim_param.startswith("unk__"):
                continue
            return False
        return True
    if which == "sequence_type":
        return type_known(t.sequence_type.elem_type)
    if which == "optional_type":
        return type_known(t.optional_type.elem_type)
    return which is not None


def onnx_unknown(model, names) -> int:
    inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    types = {}
    for g in graphs(inferred.graph):
        for v in list(g.value_info) + list(g.output):
            types[v.name] = v.type
    return sum(1 for n in names if n not in types or not type_known(types[n]))


def modelconv_unknown(modelconv: str, src: Path, dst: Path, names):
    proc = subprocess.run([modelconv, "infer-shapes", str(src), str(dst), "--json"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"infer-shapes exit {proc.returncode}: {ic.one_line(proc.stderr.decode('utf-8', 'replace'))}")
    doc = json.loads(proc.stdout)
    known = {v["name"]: not v["unknown"] for v in doc["report"]["values"]}
    return sum(1 for n in names if not known.get(n, False)), doc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modelconv", required=True)
    ap.add_argument("--corpus", type=Path, default=ic.default_corpus_dir())
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()
    modelconv = ic.resolve_modelconv(args.modelconv)
    ic.require_corpus(args.corpus)
    models = sorted((args.corpus / "models" / "onnx").glob("*.onnx"))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="modelconv-shapes-"))
    workdir.mkdir(parents=True, exist_ok=True)

    rows, passed, failed = [], 0, 0
    for src in models:
        model = onnx.load(str(src))
        names = node_outputs(model)
        fails = []
        o_unknown = m_unknown = None
        try:
            o_unknown = onnx_unknown(model, names)
        except Exception as e:  # onnx's own inference failing is information, not a modelconv failure
            o_unknown = len(names)
            print(f"note: {src.stem}: onnx shape inference failed: {ic.one_line(e)}", file=sys.stderr)
        dst = workdir / f"{src.stem}.onnx"
        try:
            m_unknown, _ = modelconv_unknown(modelconv, src, dst, names)
            written = onnx.load(str(dst))
            onnx.checker.check_model(written, full_check=False)
            onnx.shape_inference.infer_shapes(written, strict_mode=True, data_prop=True)
        except Exception as e:
            fails.append(ic.one_line(e))
        if m_unknown is not None and m_unknown > o_unknown:
            fails.append(f"modelconv leaves {m_unknown} values unknown, onnx {o_unknown}")
        rows.append((src.stem, len(names), o_unknown, "-" if m_unknown is None else m_unknown, "ok" if not fails else "FAIL"))
        for f in fails:
            print(f"FAIL {src.stem}: {f}", file=sys.stderr)
        if fails:
            failed += 1
        else:
            passed += 1

    header = ("model", "values", "onnx unknown", "modelconv unknown", "check")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    ic.run_main(main)
