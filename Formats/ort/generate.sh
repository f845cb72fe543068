#!/usr/bin/env bash
# Regenerates the C++ reader/builder for the ONNX Runtime (.ort) schema:
# flatc's ort_generated.h, used by the CFlatORT target.
#
# Usage: Formats/ort/generate.sh [output-dir]
#   output-dir defaults to Formats/ort/CFlatORT (the committed copy).
#
# Uses Debian's flatc 2.0.8 (override with FLATC=/path/to/flatc). The output
# depends on the flatc version, so other versions are refused to keep the
# committed header reproducible.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
schema="$here/ort.fbs"
out="${1:-$here/CFlatORT}"
flatc="${FLATC:-flatc}"
expected_version="flatc version 2.0.8"

if ! command -v "$flatc" >/dev/null 2>&1; then
    echo "error: $flatc not found (apt-get install flatbuffers-compiler)" >&2
    exit 2
fi
actual_version="$("$flatc" --version)"
if [[ "$actual_version" != "$expected_version" ]]; then
    echo "error: need '$expected_version', found '$actual_version'" >&2
    exit 2
fi

mkdir -p "$out"
# --cpp only: plain table accessors, builders, verifiers and enum name
# helpers. No object API, no mutation, no reflection, no extra includes.
"$flatc" --cpp --cpp-std c++11 -o "$out" "$schema"
echo "wrote $out/ort_generated.h"
