#!/usr/bin/env python3
"""Check `modelconv convert --external-data --external-data-threshold 1024` on corpus ONNX models.

For each selected corpus model (default: all of models/onnx/*.onnx) the model is converted into an
empty folder of its own; then:
  - the folder holds the model file plus the external data file(s) it references; every
    reference is a relative path inside that folder and offset+length lie inside the file;
    every initializer larger than the threshold is stored externally,
  - onnx.load (with external data) and onnx.checker (path based, level the original passes) pass,
  - the loaded model equals the original after normalising tensor storage (external/raw/typed),
  - onnxruntime outputs on the reference inputs equal the original model's outputs bit for bit,
  - the original file is not modified.

Usage: python3 Tests/interop/external_data_check.py --modelconv PATH [--corpus DIR] [--model ID ...]
Exit status: 0 all passed, 1 a model failed or the corpus is missing, 2 usage/configuration error.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep Tests/interop free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, numpy_helper  # noqa: E402

import interop_common as ic  # noqa: E402


def iter_tensors(msg, path="model"):
    """(path, TensorProto, is_initializer) for every tensor reachable from msg."""
    for fd, value in msg.ListFields():
        if fd.type != fd.TYPE_MESSAGE:
            continue
        items = list(enumerate(value)) if fd.is_repeated else [(None, value)]
        for i, sub in items:
            p = f"{path}.{fd.name}" + (f"[{i}]" if i is not None else "")
            if isinstance(sub, TensorProto):
                yield p, sub, fd.name == "initializer"
            yield from iter_tensors(sub, p)


def tensor_nbytes(t: TensorProto) -> int | None:
    if t.data_type == TensorProto.STRING:
        return None
    try:
        return int(np.asarray(numpy_helper.to_array(t)).nbytes)
    except Exception:  # noqa: BLE001
        return None


def check_layout(orig: onnx.ModelProto, dst: Path, threshold: int) -> tuple[list[str], dict]:
    """Validate the external data references of the written (unloaded) model."""
    fails: list[str] = []
    outdir = dst.parent
    written = ic.load_model(dst, external=False)
    referenced: set[str] = set()
    missing: set[str] = set()
    n_external = 0
    for path, t, _ in iter_tensors(written):
        if t.data_location != TensorProto.EXTERNAL:
            continue
        n_external += 1
        info = {e.key: e.value for e in t.external_data}
        loc = info.get("location")
        if not loc:
            fails.append(f"{path} <{t.name}>: external tensor without 'location'")
            continue
        if os.path.isabs(loc) or ".." in Path(loc).parts:
            fails.append(f"{path} <{t.name}>: location {loc!r} is not a plain relative path")
            continue
        f = outdir / loc
        if not f.is_file():
            if loc not in missing:
                missing.add(loc)
                fails.append(f"{path} <{t.name}>: external file {loc!r} missing (first tensor referring to it)")
            continue
        referenced.add(os.path.normpath(loc))
        try:
            offset = int(info.get("offset", "0"))
            size = f.stat().st_size
            length = int(info["length"]) if "length" in info else size - offset
        except ValueError:
            fails.append(f"{path} <{t.name}>: bad offset/length {info}")
            continue
        if offset < 0 or length < 0 or offset + length > size:
            fails.append(f"{path} <{t.name}>: offset {offset} + length {length} beyond {loc!r} ({size} bytes)")
    # initializers above the threshold must be external
    written_by_path = {p: t for p, t, _ in iter_tensors(written)}
    n_large = 0
    inline = []
    for path, t, is_init in iter_tensors(orig):
        if not is_init:
            continue
        nb = tensor_nbytes(t)
        if nb is None or nb <= threshold:
            continue
        n_large += 1
        w = written_by_path.get(path)
        if w is not None and w.data_location != TensorProto.EXTERNAL:
            inline.append(f"{t.name} ({nb} bytes)")
    if inline:
        shown = ", ".join(inline[:3]) + (f", ... ({len(inline) - 3} more)" if len(inline) > 3 else "")
        fails.append(f"{len(inline)} initializer(s) above the threshold {threshold} stored inline: {shown}")
    files = sorted(p.name for p in outdir.iterdir() if p.name != dst.name)
    if n_large and not n_external:
        fails.append(f"{n_large} initializer(s) above the threshold but no external data file referenced")
    unreferenced = [f for f in files if f not in referenced]
    stats = {"files": files, "referenced": sorted(referenced), "n_external": n_external, "n_large": n_large,
             "unreferenced": unreferenced}
    return fails, stats


def check_model(args, modelconv: str, src: Path, refs_dir: Path, workdir: Path):
    mid = src.stem
    fails: list[str] = []
    notes: list[str] = []
    row = {"files": "-", "tensors": "-", "checker": "-", "structure": "-", "ort": "-"}
    sha_before = ic.sha256_file(src)
    outdir = workdir / mid
    if outdir.exists():
        for p in outdir.iterdir():
            p.unlink()
    outdir.mkdir(parents=True, exist_ok=True)
    dst = outdir / f"{mid}.onnx"
    extra = ["--external-data", "--external-data-threshold", str(args.threshold)]
    err = ic.run_convert(modelconv, src, dst, extra, timeout=args.timeout)
    if err:
        fails.append(err)
        row["files"] = "convert failed"
        return row, fails, notes

    orig = ic.load_model(src, external=True)
    try:
        layout_fails, st = check_layout(orig, dst, args.threshold)
    except Exception as e:  # noqa: BLE001
        layout_fails, st = [f"cannot read written model: {ic.one_line(e, 200)}"], None
    fails.extend(f"layout: {m}" for m in layout_fails)
    if st is not None:
        row["files"] = f"1+{len(st['files'])}" + (" FAIL" if layout_fails else "")
        row["tensors"] = f"{st['n_external']} ext / {st['n_large']} large"
        if st["unreferenced"]:
            notes.append(f"unreferenced files in output folder: {', '.join(st['unreferenced'])}")

    level, _ = ic.checker_level(src)
    ok, text = ic.check_written(level, dst)
    row["checker"] = text if ok else "FAIL"
    if not ok:
        fails.append(f"checker: {text}")

    try:
        written = ic.load_model(dst, external=True)
        diff = ic.compare_structure(orig, written, strip_storage=True,
                                    ignore_default_presence=args.ignore_default_presence)
    except Exception as e:  # noqa: BLE001
        diff = f"cannot load with external data: {ic.one_line(e, 200)}"
    row["structure"] = "ok" if diff is None else "FAIL"
    if diff is not None:
        fails.append(f"structure: {diff}")

    npz = refs_dir / f"{mid}.npz"
    if not npz.is_file():
        row["ort"] = "no refs"
        fails.append(f"ort: reference file missing: {npz}")
    else:
        inputs, _ = ic.load_refs(npz)
        row["ort"], ort_fails, _ = ic.ort_bit_identical(src, dst, inputs, args.ort_opt_level)
        fails.extend(ort_fails)

    if ic.sha256_file(src) != sha_before:
        fails.append("ORIGINAL FILE WAS MODIFIED")
    return row, fails, notes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modelconv", required=True, help="path of the modelconv executable")
    ap.add_argument("--corpus", type=Path, default=None, help="corpus dir (default: $MODELCONV_CORPUS or ../shared/corpus)")
    ap.add_argument("--workdir", type=Path, default=None, help="keep converted models here (default: a temp dir, removed)")
    ap.add_argument("--model", action="append", default=[], help="model id (repeatable; default: every corpus ONNX model)")
    ap.add_argument("--threshold", type=int, default=1024, help="--external-data-threshold value (default 1024)")
    ap.add_argument("--ort-opt-level", choices=ic.OPT_LEVELS, default="all")
    ap.add_argument("--ignore-default-presence", action="store_true", help="see onnx_roundtrip.py")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per convert call")
    args = ap.parse_args()

    corpus = (args.corpus or ic.default_corpus_dir()).resolve()
    ic.require_corpus(corpus)
    modelconv = ic.resolve_modelconv(args.modelconv)
    models = ic.corpus_onnx_models(corpus, args.model)
    if not models:
        print(f"error: no models/onnx/*.onnx in {corpus}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1

    print(f"corpus:    {corpus}")
    print(f"modelconv: {modelconv}")
    print(f"options:   --external-data --external-data-threshold {args.threshold}\n")

    rows, failures, all_notes = [], [], []
    t0 = time.monotonic()
    with ic.work_folder(args.workdir, "modelconv-extdata-") as (workdir, _):
        for src in models:
            cells, fails, notes = check_model(args, modelconv, src, corpus / "refs", workdir)
            rows.append([src.stem, "PASS" if not fails else "FAIL", cells["files"], cells["tensors"],
                         cells["checker"], cells["structure"], cells["ort"]])
            if fails:
                failures.append((src.stem, fails))
            all_notes.extend((src.stem, n) for n in notes)

    ic.print_table(["model", "result", "files", "tensors (>thr inits)", "checker", "structure", "ort bit-identical"], rows)
    for mid, n in all_notes:
        print(f"note: {mid}: {n}")
    if failures:
        print("\nfailures:")
        for mid, fails in failures:
            for f in fails:
                print(f"  {mid}: {f}")
    print(f"\n({time.monotonic() - t0:.1f}s)")
    print(f"{len(rows) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    ic.run_main(main)
