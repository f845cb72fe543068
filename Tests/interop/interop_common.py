"""Shared helpers for the modelconv interop test scripts.

Only numpy, onnx and onnxruntime (imported lazily) are used.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

try:  # protobuf >= 4 (upb); used to detect differing unknown fields
    from google.protobuf import unknown_fields as _unknown_fields
except Exception:  # pragma: no cover
    _unknown_fields = None

SCRIPT_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPT_DIR.parent.parent

_DATA_FIELDS = (
    "float_data",
    "int32_data",
    "string_data",
    "int64_data",
    "double_data",
    "uint64_data",
    "raw_data",
)


# --------------------------------------------------------------------------------------------
# Environment / command line helpers


class Fatal(Exception):
    """Configuration error: print the message and exit with status 2 (no traceback)."""


def default_corpus_dir() -> Path:
    env = os.environ.get("MODELCONV_CORPUS")
    if env:
        return Path(env)
    return (REPO_ROOT / ".." / "shared" / "corpus").resolve()


def corpus_damage(corpus: Path) -> list[str]:
    """Models whose bytes no longer match the sha256 their refs/<id>.json records."""
    import hashlib
    import json

    bad = []
    for meta in sorted((corpus / "refs").glob("*.json")):
        d = json.loads(meta.read_text())
        model = corpus / "models" / d["model"]
        if model.exists() and hashlib.sha256(model.read_bytes()).hexdigest() != d.get("model_sha256"):
            bad.append(str(model))
    return bad


def require_corpus(corpus: Path) -> None:
    """Exit 1 with a loud banner when the corpus is missing or damaged (never pass silently)."""
    onnx_dir = corpus / "models" / "onnx"
    if corpus.is_dir() and onnx_dir.is_dir():
        damaged = corpus_damage(corpus)
        if damaged:
            print("!!! CORPUS DAMAGED: these models no longer match their recorded sha256:\n  " + "\n  ".join(damaged),
                  file=sys.stderr)
            sys.exit(1)
        return
    line = "!" * 78
    what = corpus if not corpus.is_dir() else onnx_dir
    sys.stdout.flush()
    print(
        "\n".join(
            [
                line,
                "!!!",
                f"!!!  CORPUS NOT FOUND at {what}",
                "!!!",
                "!!!  The interop tests need the shared model corpus (models/onnx/*.onnx, refs/*.npz).",
                "!!!  Pass --corpus DIR or set MODELCONV_CORPUS=DIR.",
                "!!!  NOTHING WAS TESTED.",
                "!!!",
                line,
            ]
        ),
        file=sys.stderr,
    )
    sys.exit(1)


def corpus_arguments(description: str | None = None):
    """Parses --modelconv and --corpus; exits loudly when the corpus is missing. Returns (args, corpus)."""
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--modelconv", required=True, help="path of the modelconv executable")
    ap.add_argument("--corpus", type=Path, default=None, help="corpus dir (default: $MODELCONV_CORPUS or ../shared/corpus)")
    args = ap.parse_args()
    corpus = args.corpus or default_corpus_dir()
    require_corpus(corpus)
    return args, corpus


def resolve_modelconv(path: str) -> str:
    p = shutil.which(path) if os.sep not in path else path
    if not p or not os.path.isfile(p):
        raise Fatal(f"modelconv binary not found: {path}")
    if not os.access(p, os.X_OK):
        raise Fatal(f"modelconv binary is not executable: {p}")
    return os.path.abspath(p)


def corpus_onnx_models(corpus: Path, wanted: Iterable[str] | None) -> list[Path]:
    """The corpus's ONNX models, narrowed to the ids in `wanted` when given; unknown ids are fatal."""
    models = sorted((corpus / "models" / "onnx").glob("*.onnx"))
    if wanted:
        wanted = set(wanted)
        missing = wanted - {m.stem for m in models}
        if missing:
            raise Fatal(f"model id(s) not in corpus: {', '.join(sorted(missing))}")
        models = [m for m in models if m.stem in wanted]
    return models


@contextlib.contextmanager
def work_folder(given: Path | None, prefix: str) -> Iterator[tuple[Path, bool]]:
    """Yields (folder, temporary): `given` (created if missing and kept), or a temporary folder removed on exit."""
    if given:
        folder = given.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        yield folder, False
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp), True


def run_main(main) -> None:
    """Run main(), turning Fatal into a clean message with exit status 2."""
    try:
        rc = main()
    except Fatal as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(rc)


def sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_convert(modelconv: str, src: Path, dst: Path, extra: Iterable[str] = (), timeout: float = 600.0):
    """Run `modelconv convert src dst [extra...]`.

    Returns None on success or a one-line failure description."""
    cmd = [modelconv, "convert", str(src), str(dst), *extra]
    try:
        proc = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return f"convert timed out after {timeout:.0f}s"
    except OSError as e:
        return f"cannot run {modelconv}: {e}"
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        lines = [ln for ln in err.splitlines() if ln.strip()]
        first = next((ln for ln in lines if "error:" in ln), lines[0] if lines else "(no stderr)")
        note = "" if "error:" in err else " [stderr has no 'error:' line]"
        if proc.returncode < 0:
            note += f" [killed by signal {-proc.returncode}]"
        return f"convert exit {proc.returncode}: {one_line(first)}{note}"
    if not dst.is_file():
        return f"convert exited 0 but did not write {dst}"
    return None


# --------------------------------------------------------------------------------------------
# Checker


def checker_level(path: Path | str) -> tuple[str | None, str]:
    """Strongest checker level the model passes: 'full', 'basic' or None, plus the last error."""
    try:
        onnx.checker.check_model(str(path), full_check=True)
        return "full", ""
    except Exception as e:  # noqa: BLE001 - any checker failure
        full_err = one_line(e)
    try:
        onnx.checker.check_model(str(path), full_check=False)
        return "basic", full_err
    except Exception as e:  # noqa: BLE001
        return None, one_line(e)


def check_written(orig_level: str | None, written_path: Path) -> tuple[bool, str]:
    """The written model must pass at least the level the original passes."""
    if orig_level is None:
        return True, "n/a (orig fails)"
    try:
        onnx.checker.check_model(str(written_path), full_check=(orig_level == "full"))
        return True, "ok" if orig_level == "full" else "ok (basic)"
    except Exception as e:  # noqa: BLE001
        return False, f"FAIL ({orig_level}): {one_line(e, 200)}"


# --------------------------------------------------------------------------------------------
# Structural comparison


def _is_message_field(fd) -> bool:
    return fd.type == fd.TYPE_MESSAGE or fd.type == fd.TYPE_GROUP


def _canonical_tensor(t: TensorProto, strip_storage: bool) -> None:
    """Replace the tensor's stored data by one canonical form (little-endian bytes in raw_data).

    Typed fields (float_data, int32_data, ...) and raw_data holding the same values give the
    same canonical form; data type and dims stay in place and are compared normally."""
    if t.data_location == TensorProto.EXTERNAL:
        return  # external data not loaded: compared as stored
    if strip_storage:
        # storage location is not part of the model's meaning (external data check)
        t.ClearField("external_data")
        t.ClearField("data_location")
    if t.data_type == TensorProto.STRING:
        return  # strings can only be stored in string_data
    try:
        arr = numpy_helper.to_array(t)
    except Exception:  # noqa: BLE001 - malformed tensor: compare storage as is
        return
    arr = np.ascontiguousarray(arr)
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    data = arr.tobytes()
    for f in _DATA_FIELDS:
        t.ClearField(f)
    t.raw_data = data


def _normalize(msg, strip_storage: bool, ignore_default_presence: bool) -> None:
    if isinstance(msg, TensorProto):
        _canonical_tensor(msg, strip_storage)
    for fd, value in msg.ListFields():
        if _is_message_field(fd):
            if fd.is_repeated:
                for sub in value:
                    _normalize(sub, strip_storage, ignore_default_presence)
            else:
                _normalize(value, strip_storage, ignore_default_presence)
        elif ignore_default_presence and not fd.is_repeated and value == fd.default_value:
            msg.ClearField(fd.name)


def normalized_copy(model: onnx.ModelProto, strip_storage: bool = False, ignore_default_presence: bool = False):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    _normalize(m, strip_storage, ignore_default_presence)
    return m


def _scalar_equal(fd, a, b) -> bool:
    if fd.type == fd.TYPE_FLOAT:
        return struct.pack("<f", a) == struct.pack("<f", b)
    if fd.type == fd.TYPE_DOUBLE:
        return struct.pack("<d", a) == struct.pack("<d", b)
    return a == b


def _short(v: Any) -> str:
    if isinstance(v, bytes):
        return f"<{len(v)} bytes>" if len(v) > 40 else repr(v)
    s = repr(v)
    return s if len(s) <= 80 else s[:77] + "..."


def _tensor_data_diff(a: TensorProto, b: TensorProto) -> str:
    try:
        dt = onnx.helper.tensor_dtype_to_np_dtype(a.data_type)
        x = np.frombuffer(a.raw_data, dtype=np.uint8)
        y = np.frombuffer(b.raw_data, dtype=np.uint8)
        if x.size != y.size:
            return f"tensor data size differs ({x.size} vs {y.size} bytes)"
        item = max(1, np.dtype(dt).itemsize)
        if x.size % item == 0:
            xe = x.reshape(-1, item)
            ye = y.reshape(-1, item)
            bad = np.nonzero((xe != ye).any(axis=1))[0]
            return f"tensor values differ: {bad.size} of {xe.shape[0]} elements, first at flat index {bad[0]}"
    except Exception:  # noqa: BLE001
        pass
    return "tensor values differ"


def first_difference(a, b, path: str = "model") -> str | None:
    """Path and description of the first difference between two messages of the same type."""
    for fd in a.DESCRIPTOR.fields:
        name = fd.name
        p = f"{path}.{name}"
        if fd.is_repeated:
            va, vb = getattr(a, name), getattr(b, name)
            for i in range(min(len(va), len(vb))):
                if _is_message_field(fd):
                    d = first_difference(va[i], vb[i], _elem_path(p, i, va[i]))
                    if d:
                        return d
                elif not _scalar_equal(fd, va[i], vb[i]):
                    return f"{p}[{i}]: {_short(va[i])} != {_short(vb[i])}"
            if len(va) != len(vb):
                return f"{p}: {len(va)} elements in original, {len(vb)} in written"
            continue
        has_a = a.HasField(name) if fd.has_presence else True
        has_b = b.HasField(name) if fd.has_presence else True
        if has_a != has_b:
            where = "original" if has_a else "written"
            val = getattr(a if has_a else b, name)
            shown = "message" if _is_message_field(fd) else _short(val)
            return f"{p}: set only in {where} ({shown})"
        if not has_a:
            continue
        va, vb = getattr(a, name), getattr(b, name)
        if _is_message_field(fd):
            d = first_difference(va, vb, p)
            if d:
                return d
        elif not _scalar_equal(fd, va, vb):
            if isinstance(a, TensorProto) and name == "raw_data":
                return f"{p}: {_tensor_data_diff(a, b)}"
            return f"{p}: {_short(va)} != {_short(vb)}"
    if _unknown_fields is not None:
        try:
            ua = [(f.field_number, f.wire_type, f.data) for f in _unknown_fields.UnknownFieldSet(a)]
            ub = [(f.field_number, f.wire_type, f.data) for f in _unknown_fields.UnknownFieldSet(b)]
            if ua != ub:
                return f"{path}: unknown fields differ ({len(ua)} in original, {len(ub)} in written)"
        except Exception:  # noqa: BLE001
            pass
    return None


def _elem_path(p: str, i: int, msg) -> str:
    fields = msg.DESCRIPTOR.fields_by_name
    label = ""
    if "name" in fields and msg.name:
        label = msg.name
    elif "op_type" in fields and msg.op_type:
        label = msg.op_type
    elif "key" in fields and msg.key:
        label = msg.key
    return f"{p}[{i}]" + (f"<{label}>" if label else "")


def compare_structure(
    orig: onnx.ModelProto, written: onnx.ModelProto, strip_storage: bool = False, ignore_default_presence: bool = False
) -> str | None:
    """None when equal after normalising tensor storage, else the first difference."""
    a = normalized_copy(orig, strip_storage, ignore_default_presence)
    b = normalized_copy(written, strip_storage, ignore_default_presence)
    if a == b:
        return None
    d = first_difference(a, b)
    return d or "protos differ under == but no field-level difference was found"


def load_model(path: Path | str, external: bool = False) -> onnx.ModelProto:
    return onnx.load(str(path), load_external_data=external)


# --------------------------------------------------------------------------------------------
# Reference data and onnxruntime


def load_refs(npz_path: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    inputs: dict[str, np.ndarray] = {}
    outputs: dict[str, np.ndarray] = {}
    with np.load(npz_path, allow_pickle=False) as d:
        for key in d.files:
            kind, _, name = key.partition(":")
            if kind == "input":
                inputs[name] = d[key]
            elif kind == "output":
                outputs[name] = d[key]
    return inputs, outputs


OPT_LEVELS = ("disable", "basic", "extended", "all")


def ort_run(model_path: Path | str, feeds: dict[str, np.ndarray], opt_level: str = "all", only_model_inputs: bool = False):
    """onnxruntime (CPU, one thread) on `feeds`: {output name: array}. With `only_model_inputs`, feeds the
    model does not declare are left out (e.g. reference inputs of state the conversion made optional)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = {
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }[opt_level]
    so.log_severity_level = 4  # errors are reported through the exception
    ort.set_default_logger_severity(4)
    sess = ort.InferenceSession(str(model_path), sess_options=so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    if only_model_inputs:
        feeds = {i.name: feeds[i.name] for i in sess.get_inputs() if i.name in feeds}
    values = sess.run(names, feeds)
    return dict(zip(names, values))


def ort_bit_identical(original: Path, written: Path, feeds: dict[str, np.ndarray], opt_level: str):
    """Runs both models in onnxruntime on `feeds`. Returns the table cell ("yes", "NO", "orig fails",
    "FAIL (run)"), the failures (each "ort: ...") and the written model's outputs (None if it did not run)."""
    try:
        a = ort_run(original, feeds, opt_level)
    except Exception as e:  # noqa: BLE001
        return "orig fails", [f"ort: original model does not run: {one_line(e, 200)}"], None
    try:
        b = ort_run(written, feeds, opt_level)
    except Exception as e:  # noqa: BLE001
        return "FAIL (run)", [f"ort: written model does not run: {one_line(e, 200)}"], None
    problems = [] if list(a) == list(b) else [f"output names {list(a)} vs {list(b)}"]
    for name, v in a.items():
        d = values_identical(v, b[name]) if name in b else None
        if d:
            problems.append(f"output {name!r}: {d}")
    return ("yes" if not problems else "NO"), [f"ort: {p}" for p in problems], b

def values_identical(a: Any, b: Any) -> str | None:
    """None if identical (same type/dtype/shape/values, NaN == NaN), else a description."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return f"type {type(a).__name__} vs {type(b).__name__}"
        if a.dtype != b.dtype:
            return f"dtype {a.dtype} vs {b.dtype}"
        if a.shape != b.shape:
            return f"shape {a.shape} vs {b.shape}"
        if a.dtype.kind in "fc":
            eq = np.array_equal(a, b, equal_nan=True)
        else:
            eq = np.array_equal(a, b)
        if not eq:
            diff = max_abs_diff(a, b)
            return f"values differ (max |d| {diff:.3g})" if diff is not None else "values differ"
        return None
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return f"sequence length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = values_identical(x, y)
            if d:
                return f"[{i}] {d}"
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a.keys()) != list(b.keys()):
            return "map keys differ"
        for k in a:
            d = values_identical(a[k], b[k])
            if d:
                return f"[{k!r}] {d}"
        return None
    if type(a) is not type(b):
        return f"type {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return None
    return None if a == b else f"{a!r} vs {b!r}"


def max_abs_diff(a: Any, b: Any) -> float | None:
    """max |a - b| over numeric arrays (NaN at the same position ignored, NaN vs number = inf)."""
    try:
        x = np.asarray(a)
        y = np.asarray(b)
        if x.shape != y.shape or x.dtype.kind not in "biufc" or y.dtype.kind not in "biufc":
            return None
        if x.size == 0:
            return 0.0
        if x.dtype.kind == "c" or y.dtype.kind == "c":
            d = np.abs(x.astype(np.complex128) - y.astype(np.complex128))
        else:
            d = np.abs(x.astype(np.float64) - y.astype(np.float64))
        both_nan = np.isnan(x.astype(np.complex128) if x.dtype.kind == "c" else x.astype(np.float64)) & np.isnan(
            y.astype(np.complex128) if y.dtype.kind == "c" else y.astype(np.float64)
        )
        d = np.where(both_nan, 0.0, d)
        d = np.where(np.isnan(d), np.inf, d)
        return float(d.max())
    except Exception:  # noqa: BLE001
        return None


# --------------------------------------------------------------------------------------------
# Output


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [len(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))

    def fmt(r):
        return " | ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip()

    print(fmt(headers))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(fmt(r))
