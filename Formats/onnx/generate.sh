#!/usr/bin/env bash
# Regenerate the protobuf-c sources of the CProtobufONNX target from onnx.proto.
#
# Usage: Formats/onnx/generate.sh [OUTPUT_DIR]
#   OUTPUT_DIR defaults to Formats/onnx/CProtobufONNX. The generated files are
#   written as OUTPUT_DIR/onnx.pb-c.c and OUTPUT_DIR/include/onnx.pb-c.h.
#
# Requires Debian's protoc-c (package protobuf-c-compiler). The output depends
# on the protoc-c version, so regenerate with the same version that produced
# the committed files (see the version number in include/onnx.pb-c.h).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${1:-$script_dir/CProtobufONNX}"

if ! command -v protoc-c >/dev/null 2>&1; then
  echo "error: protoc-c not found (install the protobuf-c-compiler package)" >&2
  exit 2
fi

mkdir -p "$out_dir/include"
out_dir="$(cd "$out_dir" && pwd)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Run from the schema directory with a bare file name so that the generated
# code only mentions "onnx.proto" / "onnx.pb-c.h" and never an absolute path.
(cd "$script_dir" && protoc-c --c_out="$tmp" onnx.proto)

cp "$tmp/onnx.pb-c.c" "$out_dir/onnx.pb-c.c"
cp "$tmp/onnx.pb-c.h" "$out_dir/include/onnx.pb-c.h"
