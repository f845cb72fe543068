#!/usr/bin/env python3
"""Round-trip every corpus ONNX model through `modelconv convert` and verify the result.

For each models/onnx/<id>.onnx of the corpus:
  (a) onnx.checker.check_model(written, full_check=True) passes (at least the level the original passes),
  (b) the written ModelProto equals the original after normalising tensor storage
      (raw_data vs typed fields allowed, values must be bit-identical),
  (c) onnxruntime (CPU, 1 thread, same optimisation level) gives bit-identical outputs for the
      original and the written model on the reference inputs refs/<id>.npz; the max |diff| versus
      the stored reference outputs is reported for information,
  and the original file is not modified.

Usage: python3 Tests/interop/onnx_roundtrip.py --modelconv PATH [--corpus DIR] [--workdir DIR]
Exit status: 0 all passed, 1 a model failed or the corpus is missing, 2 usage/configuration error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep Tests/interop free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))

import interop_common as ic  # noqa: E402


def check_model(args, modelconv: str, src: Path, refs_dir: Path, workdir: Path):
    """Returns (row cells, list of failure reasons)."""
    mid = src.stem
    fails: list[str] = []
    row = {"checker": "-", "structure": "-", "ort": "-", "ref": "-"}
    sha_before = ic.sha256_file(src)
    meta = refs_dir / f"{mid}.json"
    if meta.is_file():
        try:
            expected = json.loads(meta.read_text()).get("model_sha256")
        except ValueError:
            expected = None
        if expected and expected != sha_before:
            print(f"warning: {mid}: model sha256 differs from refs/{mid}.json (refs may not belong to this file)",
                  file=sys.stderr)

    outdir = workdir / mid
    outdir.mkdir(parents=True, exist_ok=True)
    dst = outdir / f"{mid}.onnx"
    if dst.exists():
        dst.unlink()

    err = ic.run_convert(modelconv, src, dst, timeout=args.timeout)
    if err:
        fails.append(err)
        row["checker"] = "convert failed"
    else:
        # (a) checker
        level, orig_err = ic.checker_level(src)
        ok, text = ic.check_written(level, dst)
        row["checker"] = text if ok else "FAIL"
        if not ok:
            fails.append(f"checker: {text}")
        if level != "full":
            print(f"note: {mid}: original does not pass the full checker: {orig_err}", file=sys.stderr)

        # (b) structure
        try:
            orig = ic.load_model(src, external=True)
            written = ic.load_model(dst, external=True)
            diff = ic.compare_structure(orig, written, ignore_default_presence=args.ignore_default_presence)
        except Exception as e:  # noqa: BLE001 - e.g. written file unparsable
            diff = f"cannot load: {ic.one_line(e, 200)}"
        row["structure"] = "ok" if diff is None else "FAIL"
        if diff is not None:
            fails.append(f"structure: {diff}")

        # (c) onnxruntime
        npz = refs_dir / f"{mid}.npz"
        if not npz.is_file():
            row["ort"] = "no refs"
            fails.append(f"ort: reference file missing: {npz}")
        else:
            inputs, ref_out = ic.load_refs(npz)
            row["ort"], ort_fails, out_written = ic.ort_bit_identical(src, dst, inputs, args.ort_opt_level)
            fails.extend(ort_fails)
            if out_written is not None:
                # informational: distance to the stored reference outputs
                diffs = []
                for name, ref in ref_out.items():
                    if name in out_written:
                        diffs.append(ic.max_abs_diff(out_written[name], ref))
                known = [d for d in diffs if d is not None]
                if known and len(known) == len(diffs):
                    row["ref"] = f"{max(known):.3g}"
                elif known:
                    row["ref"] = f"{max(known):.3g} (partial)"
                else:
                    row["ref"] = "n/a"

    if ic.sha256_file(src) != sha_before:
        fails.append("ORIGINAL FILE WAS MODIFIED")
    return row, fails


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modelconv", required=True, help="path of the modelconv executable")
    ap.add_argument("--corpus", type=Path, default=None, help="corpus dir (default: $MODELCONV_CORPUS or ../shared/corpus)")
    ap.add_argument("--workdir", type=Path, default=None, help="keep converted models here (default: a temp dir, removed)")
    ap.add_argument("--model", action="append", default=[], help="only this model id (repeatable)")
    ap.add_argument("--ort-opt-level", choices=ic.OPT_LEVELS, default="all", help="onnxruntime graph optimisation level (default all, as the refs)")
    ap.add_argument(
        "--ignore-default-presence",
        action="store_true",
        help="treat an explicitly set default scalar value as equal to an unset field (proto2 presence)",
    )
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

    rows, failures = [], []
    t0 = time.monotonic()
    with ic.work_folder(args.workdir, "modelconv-roundtrip-") as (workdir, temporary):
        print(f"corpus:    {corpus}")
        print(f"modelconv: {modelconv}")
        print(f"workdir:   {workdir}{' (temporary)' if temporary else ''}")
        print(f"onnxruntime optimisation level: {args.ort_opt_level}\n")
        for src in models:
            cells, fails = check_model(args, modelconv, src, corpus / "refs", workdir)
            status = "PASS" if not fails else "FAIL"
            rows.append([src.stem, status, cells["checker"], cells["structure"], cells["ort"], cells["ref"]])
            if fails:
                failures.append((src.stem, fails))

    ic.print_table(["model", "result", "checker", "structure", "ort bit-identical", "max |Δ| vs ref"], rows)
    if failures:
        print("\nfailures:")
        for mid, fails in failures:
            for f in fails:
                print(f"  {mid}: {f}")
    print(f"\n({time.monotonic() - t0:.1f}s)")
    npass = len(rows) - len(failures)
    print(f"{npass} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    ic.run_main(main)
