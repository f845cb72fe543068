#!/usr/bin/env bash
# Installs what modelconv needs that is missing: Debian packages for building and testing,
# and the Python packages the interop tier uses. Idempotent: present packages are skipped.
set -euo pipefail

DEBS=(protobuf-c-compiler libprotobuf-c-dev flatbuffers-compiler libflatbuffers-dev libonnx-testdata libopenblas-dev)
PIPS=(numpy onnx onnxruntime ai-edge-litert)

missing=()
for p in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

pymissing=()
for p in "${PIPS[@]}"; do
    python3 -m pip show -q "$p" >/dev/null 2>&1 || pymissing+=("$p")
done
if ((${#pymissing[@]})); then
    echo "installing Python packages: ${pymissing[*]}"
    python3 -m pip install -q --disable-pip-version-check "${pymissing[@]}"
fi
