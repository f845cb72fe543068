#!/usr/bin/env bash
# Fails if CFlatTFLite/schema_generated.h or CFlatTFLite/tflite_options.cpp
# is not what generate.sh produces from the current schema.fbs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$here/generate.sh" "$tmp" >/dev/null
for f in schema_generated.h tflite_options.cpp; do
    if ! diff -u "$here/CFlatTFLite/$f" "$tmp/$f"; then
        echo "generated code is stale ($f): run Formats/tflite/generate.sh" >&2
        exit 1
    fi
done
echo "generated code is up to date"
