#!/usr/bin/env python3
"""Hold modelconv's ONNX → TFLite op table to the ONNX node tests, with LiteRT as the judge.

The claimed ops are what `modelconv ops --target tflite --json` lists (an entry is `Op` or
`Op — constraint`; the folding note names Constant and Shape). Every test folder under
<testdata>/node whose model.onnx has exactly one node, of a claimed op in the default ONNX domain,
is one test of that op (the op is read from the model with the `onnx` package, not guessed from
the folder name). `_expanded` tests (the op rewritten as its function body) and tests with more
than one node are skipped and counted.

For each test: `modelconv convert model.onnx out.tflite --input NAME=test_data_set_0/input_K.pb`
(inputs matched to the graph's inputs by position; modelconv also validates the result in its
reference interpreter). The node tests pass every operand as a graph input, while the table asks
for constant weights, shapes, axes, scales (`Conv — ... constant weights`): when the test as given
is refused and has more than one input, it is converted again with inputs 1.. turned into
initializers holding the test's values (input 0 stays the model input), as a model meeting the
constraint would have them; the table counts those conversions ("with constant operands") and
lists the refusal of the test as given. Then:
  - exit 2 with an `error:` line = REFUSED: the converter declined the variant up front with a
    reason (printed below the table); nothing was written. This is allowed.
  - exit 0 = CONVERTED: LiteRT (`ai_edge_litert.interpreter.Interpreter`, 1 thread) runs the
    .tflite on the same inputs (fed by tensor name, which the converter keeps), and every output
    (matched by name, else by position) must have the expected dtype and shape and match
    output_K.pb within the ONNX backend tolerance (rtol 1e-3, atol 1e-7, NaN equals NaN; integer
    and bool outputs exactly). A converted test that does not match is a FAILURE.
  - any other exit (a crash, exit 1, or exit 3 = modelconv's own validation failed) is a FAILURE.
A claimed op none of whose tests converts is a FAILURE too (the table claims too much).

Prints a table per op (tests, converted, of them with constant operands, matched, refused), the failures with their reason (the
max error, or the converter's message), the refusals with the converter's one-line reason, then
`N passed, M failed` (passed = tests matched or refused; failed = failed tests + claimed ops with
no converted test). Exit 1 when anything failed.

Usage: python3 Tests/interop/onnx_node_tests_to_tflite.py --modelconv PATH [--testdata DIR] [--op NAME] [--jobs N]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep Tests/interop free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402

import interop_common as ic  # noqa: E402

DEFAULT_TESTDATA = Path("/usr/share/libonnx-testdata/data/node")
RTOL, ATOL = 1e-3, 1e-7


# MARK: Claimed ops


def claimed_ops(modelconv: str) -> dict[str, str]:
    """Op → constraint text ('' when none), from `modelconv ops --target tflite --json`."""
    proc = subprocess.run([modelconv, "ops", "--target", "tflite", "--json"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ic.Fatal(f"modelconv ops --target tflite --json failed: {ic.one_line(proc.stderr)}")
    ops: dict[str, str] = {}
    for entry in json.loads(proc.stdout)["supported"]:
        head, _, constraint = entry.partition(" — ")
        if re.fullmatch(r"[A-Za-z]\w*", head):
            ops[head] = constraint
        else:  # "Constant, Shape and any op whose inputs are all constant — folded at conversion time"
            for name in re.findall(r"\b[A-Z]\w*\b", head.split(" and ")[0]):
                ops[name] = constraint
    if not ops:
        raise ic.Fatal("modelconv ops --target tflite --json lists no ops")
    return ops


# MARK: Test discovery


def single_node_op(model_path: Path) -> tuple[str | None, int]:
    """The op type of the model's only node in the default domain (None otherwise) and the node count."""
    model = onnx.load(str(model_path), load_external_data=False)
    nodes = model.graph.node
    if len(nodes) != 1 or nodes[0].domain not in ("", "ai.onnx"):
        return None, len(nodes)
    return nodes[0].op_type, 1


def discover(testdata: Path, ops: dict[str, str], only: set[str] | None):
    """Tests per claimed op, and the counts of folders skipped (by reason)."""
    tests: dict[str, list[Path]] = {op: [] for op in ops if not only or op in only}
    skipped = collections.Counter()
    for folder in sorted(p for p in testdata.iterdir() if p.is_dir()):
        if folder.name.endswith("_expanded"):
            skipped["`_expanded` (the op's function body, not the op)"] += 1
            continue
        model = folder / "model.onnx"
        if not model.is_file() or not (folder / "test_data_set_0").is_dir():
            skipped["no model.onnx or test_data_set_0"] += 1
            continue
        op, count = single_node_op(model)
        if op is None:
            skipped["more than one node" if count > 1 else "no node" if count == 0 else "a node of another domain"] += 1
        elif op in tests:
            tests[op].append(folder)
        elif op not in ops:
            skipped["single node of an op the table does not claim"] += 1
    return tests, skipped


# MARK: One test


def pb_files(folder: Path, prefix: str) -> list[Path]:
    """The `prefix_K.pb` files of a test data set, in K order."""
    return sorted(folder.glob(f"{prefix}_*.pb"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))


def load_pb(path: Path) -> np.ndarray:
    t = onnx.TensorProto()
    t.ParseFromString(path.read_bytes())
    return numpy_helper.to_array(t)


def compare(got: np.ndarray, want: np.ndarray) -> tuple[str, bool]:
    """Max error and whether `got` matches `want` (ONNX backend tolerance for floats, exact otherwise)."""
    if got.dtype != want.dtype:
        return f"dtype {got.dtype} vs expected {want.dtype}", False
    if got.shape != want.shape:
        return f"shape {got.shape} vs expected {want.shape}", False
    if want.size == 0:
        return "0", True
    if want.dtype.kind == "f":
        g, w = got.astype(np.float64), want.astype(np.float64)
        ok = bool(np.all(np.isclose(g, w, rtol=RTOL, atol=ATOL, equal_nan=True)))
        d = np.where(np.isnan(g) & np.isnan(w), 0.0, np.abs(g - w))
        err = float(np.max(np.where(np.isnan(d), np.inf, d)))
        return f"max error {err:.3g}", ok
    if want.dtype.kind in "biu":
        err = int(np.max(np.abs(got.astype(np.int64) - want.astype(np.int64))))
        return f"max error {err}", err == 0
    return ("equal" if np.array_equal(got, want) else "values differ"), bool(np.array_equal(got, want))


def run_litert(path: Path, feeds: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray]] | str:
    """The outputs (name, value) in output order, or why the model cannot be fed (inputs by name, else position)."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path), num_threads=1)
    details = it.get_input_details()
    by_name = {d["name"]: d for d in details}
    if set(by_name) != set(feeds):
        if len(details) != len(feeds):
            return f"LiteRT inputs {[d['name'] for d in details]} vs source inputs {list(feeds)}"
        by_name = dict(zip(feeds, details))
    for name, d in by_name.items():
        x = feeds[name]
        if np.dtype(d["dtype"]) != x.dtype:
            return f"input {name}: LiteRT expects {np.dtype(d['dtype'])}, the source takes {x.dtype}"
        if list(d["shape"]) != list(x.shape):
            it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    for name, d in by_name.items():
        it.set_tensor(d["index"], np.require(feeds[name], requirements="C"))  # keeps rank 0, unlike ascontiguousarray
    it.invoke()
    return [(d["name"], it.get_tensor(d["index"])) for d in it.get_output_details()]


class Outcome:
    """The verdict on one test: status matched, refused or failed."""

    def __init__(self, status: str, detail: str, converted: bool = False):
        self.status, self.detail, self.converted = status, detail, converted
        # Set when the test as given was refused and converted with operands 1.. as constants.
        self.refused_as_given: str | None = None


def convert(modelconv: str, model: Path, dst: Path, inputs: list[tuple[str, Path]]) -> Outcome | None:
    """Runs `modelconv convert`; None when it converted, else the refusal or failure."""
    cmd = [modelconv, "convert", str(model), str(dst)]
    for name, path in inputs:
        cmd += ["--input", f"{name}={path}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode == 0:
        return None
    err = " ".join(proc.stderr.split()).removeprefix("error: ")
    if proc.returncode == 2 and proc.stderr.startswith("error:"):
        return Outcome("refused", ic.one_line(err, 240))
    what = {1: "convert failed", 3: "modelconv's own validation failed"}.get(proc.returncode, f"convert exit {proc.returncode}")
    return Outcome("failed", f"{what}: {ic.one_line(err, 240)}")


def with_constant_operands(model: onnx.ModelProto, names: list[str], files: list[Path], dst: Path) -> None:
    """Writes `model` with the graph inputs `names` turned into initializers holding the test's values."""
    frozen = onnx.ModelProto()
    frozen.CopyFrom(model)
    keep = [i for i in frozen.graph.input if i.name not in names]
    del frozen.graph.input[:]
    frozen.graph.input.extend(keep)
    for name, path in zip(names, files):
        frozen.graph.initializer.append(numpy_helper.from_array(load_pb(path), name))
    onnx.save(frozen, str(dst))


FROZEN_CONDITION = {"If"}


def run_test(modelconv: str, folder: Path, work: Path) -> Outcome:
    """Converts the test (as given; when refused, again with operands 1.. as constants) and judges it in LiteRT."""
    source = folder / "model.onnx"
    model = onnx.load(str(source), load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    input_names = [i.name for i in model.graph.input if i.name not in initializers]
    output_names = [o.name for o in model.graph.output]
    data = folder / "test_data_set_0"
    input_files, output_files = pb_files(data, "input"), pb_files(data, "output")
    if len(input_files) != len(input_names) or len(output_files) != len(output_names):
        return Outcome("failed", f"test data has {len(input_files)} inputs / {len(output_files)} outputs, "
                                 f"the model {len(input_names)} / {len(output_names)}")
    dst = work / f"{folder.name}.tflite"
    given = list(zip(input_names, input_files))
    refusal = convert(modelconv, source, dst, given)
    refused_as_given = None
    # If is claimed for a condition that folds at conversion time: its condition (operand 0) is frozen too.
    first = 0 if single_node_op(source)[0] in FROZEN_CONDITION else 1
    if refusal is not None and refusal.status == "refused" and len(given) > first:
        # The table's constraints ask for constant weights, shapes, axes, bounds, scales: give the
        # operands after the first as constants, as a model that meets the constraint would.
        refused_as_given = refusal.detail
        frozen = work / f"{folder.name}.onnx"
        with_constant_operands(model, input_names[first:], input_files[first:], frozen)
        given = given[:first]
        refusal = convert(modelconv, frozen, dst, given)
        frozen.unlink(missing_ok=True)
    if refusal is not None:
        if refused_as_given and refusal.status == "refused":
            refusal.detail = f"{refusal.detail} (also with operands {first}.. constant)"
        return refusal
    try:
        feeds = {name: load_pb(path) for name, path in given}
        got = run_litert(dst, feeds)
    except Exception as e:  # noqa: BLE001
        return Outcome("failed", f"LiteRT failed: {ic.one_line(str(e), 240)}", converted=True)
    finally:
        dst.unlink(missing_ok=True)
    if isinstance(got, str):
        return Outcome("failed", got, converted=True)
    if len(got) != len(output_names):
        return Outcome("failed", f"LiteRT outputs {[n for n, _ in got]} vs expected {output_names}", converted=True)
    values = dict(got)
    errors, ok = [], True
    for k, (name, path) in enumerate(zip(output_names, output_files)):
        text, good = compare(values.get(name, got[k][1]), load_pb(path))
        errors.append(text if len(output_names) == 1 else f"{name}: {text}")
        ok = ok and good
    outcome = Outcome("matched" if ok else "failed", "; ".join(errors), converted=True)
    outcome.refused_as_given = refused_as_given
    return outcome


# MARK: Main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modelconv", required=True, help="path of the modelconv executable")
    ap.add_argument("--testdata", type=Path, default=DEFAULT_TESTDATA, help=f"node test folder (default {DEFAULT_TESTDATA})")
    ap.add_argument("--op", action="append", default=None, help="only this claimed op (repeatable)")
    ap.add_argument("--jobs", type=int, default=2, help="tests run in parallel (default 2)")
    args = ap.parse_args()
    modelconv = ic.resolve_modelconv(args.modelconv)
    if not args.testdata.is_dir():
        print(f"!!! ONNX NODE TEST DATA NOT FOUND at {args.testdata} (Debian package libonnx-testdata): NOTHING WAS TESTED",
              file=sys.stderr)
        return 1
    start = time.perf_counter()
    ops = claimed_ops(modelconv)
    only = set(args.op) if args.op else None
    if only and only - set(ops):
        raise ic.Fatal(f"not claimed by modelconv: {', '.join(sorted(only - set(ops)))}")
    tests, skipped = discover(args.testdata, ops, only)
    results: dict[str, list[tuple[str, Outcome]]] = {op: [] for op in tests}
    with tempfile.TemporaryDirectory(prefix="node2tflite") as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        jobs = {pool.submit(run_test, modelconv, f, Path(tmp)): (op, f) for op, folders in tests.items() for f in folders}
        for job in concurrent.futures.as_completed(jobs):
            op, folder = jobs[job]
            try:
                outcome = job.result()
            except Exception as e:  # noqa: BLE001
                outcome = Outcome("failed", f"test harness error: {ic.one_line(str(e), 240)}")
            results[op].append((folder.name, outcome))

    rows, failures, refusals, constants, untested, overclaimed = [], [], [], [], [], []
    for op in sorted(results):
        rs = sorted(results[op], key=lambda r: r[0])
        count = collections.Counter(o.status for _, o in rs)
        converted = sum(o.converted for _, o in rs)
        with_constants = sum(o.converted and o.refused_as_given is not None for _, o in rs)
        note = ""
        if not rs:
            untested.append(op)
            note = "no single-node test"
        elif converted == 0:
            overclaimed.append(op)
            note = "CLAIM WRONG: no test converts"
        elif count["failed"]:
            note = "FAIL"
        rows.append([op, str(len(rs)), str(converted), str(with_constants), str(count["matched"]), str(count["refused"]), note])
        failures += [f"{op}: {name}: {o.detail}" for name, o in rs if o.status == "failed"]
        refusals += [f"{op}: {name}: {o.detail}" for name, o in rs if o.status == "refused"]
        constants += [f"{op}: {name}: {o.refused_as_given}" for name, o in rs if o.converted and o.refused_as_given]
    ic.print_table(["op", "tests", "converted", "of them with constant operands", "matched", "refused", ""], rows)
    every = [o for rs in results.values() for _, o in rs]
    print(f"\n{len(ops)} ops claimed; {len(every)} single-node tests of them: {sum(o.converted for o in every)} converted, "
          f"{sum(o.status == 'matched' for o in every)} matched, {sum(o.status == 'refused' for o in every)} refused, "
          f"{sum(o.status == 'failed' for o in every)} failed")
    print("skipped test folders: " + (", ".join(f"{n} {why}" for why, n in sorted(skipped.items())) or "none"))
    if untested:
        print(f"claimed ops without a single-node test (not judged): {', '.join(untested)}")
    if constants:
        print(f"\nrefused as given, converted with operands 1.. as constants ({len(constants)}; the refusal as given):")
        for line in constants:
            print("  " + line)
    if refusals:
        print(f"\nrefused with a reason ({len(refusals)}):")
        for line in refusals:
            print("  " + line)
    if failures or overclaimed:
        print(f"\nFAILURES ({len(failures) + len(overclaimed)}):")
        for line in failures:
            print("  " + line)
        for op in overclaimed:
            print(f"  {op}: claimed, but none of its {len(results[op])} tests converts: narrow the table")
    print(f"({time.perf_counter() - start:.0f} s)")
    passed = sum(o.status != "failed" for o in every)
    failed = len(every) - passed + len(overclaimed)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    ic.run_main(main)
