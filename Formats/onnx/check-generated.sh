#!/usr/bin/env bash
# Verify that the committed protobuf-c sources match onnx.proto.
# Exits 0 when up to date, 1 when stale (with a diff), 2 on tool errors.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
committed="$script_dir/CProtobufONNX"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$script_dir/generate.sh" "$tmp" || exit 2

stale=0
for f in onnx.pb-c.c include/onnx.pb-c.h; do
  if ! diff -u "$committed/$f" "$tmp/$f" >"$tmp/diff.txt" 2>&1; then
    stale=1
    echo "--- difference in CProtobufONNX/$f:" >&2
    head -n 40 "$tmp/diff.txt" >&2
  fi
done

if [ "$stale" -ne 0 ]; then
  echo "generated code is stale: run Formats/onnx/generate.sh" >&2
  echo "(protoc-c in use: $(protoc-c --version 2>/dev/null | head -n 1))" >&2
  exit 1
fi
echo "generated code is up to date"
