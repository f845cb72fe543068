#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the main job on sample models:
# convert for a mobile target, then validate the result numerically against the source.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product modelconv
BIN=.build/release/modelconv
OUT="${TMPDIR:-/tmp}/modelconv-demo"
mkdir -p "$OUT"
echo "== ONNX -> TFLite (mobile target), then validate"
$BIN convert SampleModels/logreg_iris.onnx "$OUT/logreg_iris.tflite" --dim N=3
$BIN validate SampleModels/logreg_iris.onnx "$OUT/logreg_iris.tflite" --dim N=3
echo "== TFLite -> ONNX, then validate on the sample's reference inputs"
$BIN convert SampleModels/tflm_sine_float.tflite "$OUT/sine.onnx" --inputs SampleModels/tflm_sine_float.npz
$BIN validate SampleModels/tflm_sine_float.tflite "$OUT/sine.onnx" --inputs SampleModels/tflm_sine_float.npz
echo "== ONNX -> ONNX Runtime format, loaded and run by onnxruntime"
$BIN convert SampleModels/silero_vad_16k_op15.onnx "$OUT/silero_vad.ort" --inputs SampleModels/silero_vad_16k_op15.npz
$BIN inspect "$OUT/silero_vad.ort"
python3 -c "import onnxruntime as ort; s = ort.InferenceSession('$OUT/silero_vad.ort'); print('onnxruntime loads', '$OUT/silero_vad.ort', [i.name for i in s.get_inputs()])"
