#!/usr/bin/env bash
# The README's second command: every test tier.
#   1. the Swift suites (unit, ONNX test data, CLI end to end, corpus tier when the corpus is present)
#   2. the interop tier: onnx.checker and onnxruntime judge what modelconv writes
# The corpus folder is MODELCONV_CORPUS (default ../shared/corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export MODELCONV_CORPUS="${MODELCONV_CORPUS:-$(cd .. && pwd)/shared/corpus}"

echo "== Swift test suites"
swift build --build-tests
swift test --skip-build

BIN=.build/debug/modelconv
echo "== Interop tier (onnx.checker, onnxruntime, LiteRT)"
status=0
python3 Tests/interop/onnx_testdata_roundtrip.py --modelconv "$BIN" || status=1
python3 Tests/interop/external_data_check.py --modelconv "$BIN" || status=1
python3 Tests/interop/onnx_roundtrip.py --modelconv "$BIN" || status=1
python3 Tests/interop/shape_inference_compare.py --modelconv "$BIN" || status=1
python3 Tests/interop/tflite_roundtrip.py --modelconv "$BIN" || status=1
python3 Tests/interop/onnx_to_tflite.py --modelconv "$BIN" || status=1
python3 Tests/interop/tflite_to_onnx.py --modelconv "$BIN" || status=1
python3 Tests/interop/tflite_onnx_tflite.py --modelconv "$BIN" || status=1
python3 Tests/interop/onnx_node_tests_to_tflite.py --modelconv "$BIN" || status=1
python3 Tests/interop/ort_convert.py --modelconv "$BIN" || status=1

exit $status
