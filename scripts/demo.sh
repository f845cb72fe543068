#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the main job on a sample
# model (convert it, then check the result: read back, inspected, and run by onnxruntime).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product modelconv
BIN=.build/release/modelconv
OUT="${TMPDIR:-/tmp}/modelconv-demo"
mkdir -p "$OUT"
$BIN convert SampleModels/silero_vad_16k_op15.onnx "$OUT/silero_vad.onnx"
$BIN inspect "$OUT/silero_vad.onnx"
python3 Tests/interop/compare_runs.py SampleModels/silero_vad_16k_op15.onnx "$OUT/silero_vad.onnx" SampleModels/silero_vad_16k_op15.npz
