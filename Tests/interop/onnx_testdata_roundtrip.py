#!/usr/bin/env python3
"""Round-trip the ONNX backend test models (Debian package libonnx-testdata) through modelconv.

For every <testdata>/{node,simple,pytorch-converted,pytorch-operator}/<test>/model.onnx:
  - `modelconv convert model.onnx OUT.onnx` exits 0,
  - OUT.onnx passes the onnx checker at the level the original passes (full_check, or the
    basic check for the few originals whose full check fails; nothing if the original fails both),
  - OUT.onnx equals the original after normalising tensor storage (see onnx_roundtrip.py).
No onnxruntime run here.

Usage: python3 Tests/interop/onnx_testdata_roundtrip.py --modelconv PATH [--testdata DIR] [--limit N]
Exit status: 0 all passed, 1 a model failed or the test data is missing, 2 usage/configuration error.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep Tests/interop free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))

import interop_common as ic  # noqa: E402

DEFAULT_TESTDATA = Path("/usr/share/libonnx-testdata/data")
FOLDERS = ("node", "simple", "pytorch-converted", "pytorch-operator")


def testdata_missing(path: Path) -> None:
    line = "!" * 78
    print(
        "\n".join(
            [
                line,
                "!!!",
                f"!!!  ONNX TEST DATA NOT FOUND at {path}",
                "!!!",
                "!!!  Install the Debian package libonnx-testdata or pass --testdata DIR",
                f"!!!  (a folder holding {', '.join(FOLDERS)}).",
                "!!!  NOTHING WAS TESTED.",
                "!!!",
                line,
            ]
        ),
        file=sys.stderr,
    )
    sys.exit(1)


def verify(src: Path, dst: Path, ignore_default_presence: bool) -> list[tuple[str, str]]:
    """Checker + structural comparison; returns [(category, message)]."""
    fails = []
    level, _ = ic.checker_level(src)
    ok, text = ic.check_written(level, dst)
    if not ok:
        fails.append(("checker", text))
    try:
        orig = ic.load_model(src, external=True)
        written = ic.load_model(dst, external=True)
        diff = ic.compare_structure(orig, written, ignore_default_presence=ignore_default_presence)
    except Exception as e:  # noqa: BLE001
        diff = f"cannot load: {ic.one_line(e, 200)}"
    if diff is not None:
        fails.append(("structure", diff))
    return fails


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modelconv", required=True, help="path of the modelconv executable")
    ap.add_argument("--testdata", type=Path, default=DEFAULT_TESTDATA, help=f"test data root (default {DEFAULT_TESTDATA})")
    ap.add_argument("--limit", type=int, default=None, help="only the first N models (sorted by path)")
    ap.add_argument("--workdir", type=Path, default=None, help="keep converted models here (default: a temp dir, removed)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel convert processes (default 2)")
    ap.add_argument("--filter", default=None, help="only models whose '<folder>/<test>' contains this substring")
    ap.add_argument("--ignore-default-presence", action="store_true", help="see onnx_roundtrip.py")
    ap.add_argument("--show", type=int, default=200, help="list at most this many failures (default 200)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per convert call")
    args = ap.parse_args()

    root = args.testdata.resolve()
    if not all((root / f).is_dir() for f in FOLDERS):
        testdata_missing(root)
    modelconv = ic.resolve_modelconv(args.modelconv)

    models: list[tuple[str, Path]] = []
    for folder in FOLDERS:
        for p in sorted((root / folder).glob("*/model.onnx")):
            key = f"{folder}/{p.parent.name}"
            if args.filter is None or args.filter in key:
                models.append((key, p))
    if args.limit is not None:
        models = models[: max(0, args.limit)]
    if not models:
        print(f"error: no model.onnx found under {root}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1

    print(f"testdata:  {root}")
    print(f"modelconv: {modelconv}")
    print(f"models:    {len(models)}\n")

    t0 = time.monotonic()
    results: dict[str, list[tuple[str, str]]] = {}
    sha_before = {key: ic.sha256_file(src) for key, src in models}

    with ic.work_folder(args.workdir, "modelconv-testdata-") as (workdir, temporary):
        for folder in FOLDERS:
            (workdir / folder).mkdir(parents=True, exist_ok=True)

        def convert(item):
            key, src = item
            dst = workdir / f"{key}.onnx"
            if dst.exists():
                dst.unlink()
            return key, src, dst, ic.run_convert(modelconv, src, dst, timeout=args.timeout)

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            # convert in the pool, verify in this thread as conversions finish
            for fut in concurrent.futures.as_completed([pool.submit(convert, m) for m in models]):
                key, src, dst, err = fut.result()
                if err:
                    results[key] = [("convert", err)]
                else:
                    results[key] = verify(src, dst, args.ignore_default_presence)
                    if temporary:
                        dst.unlink(missing_ok=True)
    for key, src in models:
        if ic.sha256_file(src) != sha_before[key]:
            results[key].append(("modified", "ORIGINAL FILE WAS MODIFIED"))
    elapsed = time.monotonic() - t0

    # per-folder counts
    rows = []
    for folder in FOLDERS:
        keys = [k for k, _ in models if k.split("/", 1)[0] == folder]
        if keys:
            nf = sum(1 for k in keys if results[k])
            rows.append([folder, str(len(keys)), str(len(keys) - nf), str(nf)])
    ic.print_table(["folder", "models", "passed", "failed"], rows)

    failed = sorted(k for k, _ in models if results[k])
    if failed:
        cats = collections.Counter(c for k in failed for c, _ in results[k])
        print("\nfailure categories: " + ", ".join(f"{c} {n}" for c, n in sorted(cats.items())))
        print("failures:")
        for k in failed[: args.show]:
            for cat, msg in results[k]:
                print(f"  {k}: {cat}: {msg}")
        if len(failed) > args.show:
            print(f"  ... and {len(failed) - args.show} more models (use --show N)")
    print(f"\n({elapsed:.1f}s, {len(models) / max(elapsed, 1e-9):.0f} models/s)")
    print(f"{len(models) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    ic.run_main(main)
