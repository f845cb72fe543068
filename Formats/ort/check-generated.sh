#!/usr/bin/env bash
# Fails if CFlatORT/ort_generated.h is not what generate.sh produces from
# the current ort.fbs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$here/generate.sh" "$tmp" >/dev/null
if ! diff -u "$here/CFlatORT/ort_generated.h" "$tmp/ort_generated.h"; then
    echo "generated code is stale: run Formats/ort/generate.sh" >&2
    exit 1
fi
echo "generated code is up to date"
