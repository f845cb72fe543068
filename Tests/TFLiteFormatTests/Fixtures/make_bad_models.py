#!/usr/bin/env python3
"""Regenerates the malformed .tflite fixtures from SampleModels/tflm_sine_float.tflite.

Each file breaks exactly one rule the TFLite reader must report; run from anywhere:
  python3 Tests/TFLiteFormatTests/Fixtures/make_bad_models.py
Uses the schema object API of the ai-edge-litert wheel and the flatbuffers package.
"""
import copy
from pathlib import Path

import flatbuffers
from ai_edge_litert import schema_py_generated as schema

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[2] / "SampleModels" / "tflm_sine_float.tflite"


def load():
    return schema.ModelT.InitFromPackedBuf(SOURCE.read_bytes(), 0)


def save(model, name):
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    (HERE / name).write_bytes(bytes(b.Output()))


def main():
    data = SOURCE.read_bytes()
    # Wrong file identifier: bytes 4..8 are not "TFL3".
    (HERE / "wrong_identifier.tflite").write_bytes(data[:4] + b"ONNX" + data[8:])
    # Truncated: the first third of a valid file.
    (HERE / "truncated.tflite").write_bytes(data[: len(data) // 3])
    # Verifier failure: the root table offset points past the end of the file.
    (HERE / "bad_root_offset.tflite").write_bytes((len(data) + 64).to_bytes(4, "little") + data[4:])

    m = load()
    m.subgraphs[0].tensors[0].buffer = len(m.buffers) + 7
    save(m, "buffer_index_out_of_range.tflite")

    m = load()
    m.subgraphs[0].operators[0].opcodeIndex = len(m.operatorCodes) + 3
    save(m, "opcode_index_out_of_range.tflite")

    m = load()
    for t in m.subgraphs[0].tensors:
        if t.buffer and m.buffers[t.buffer].data is not None and len(m.buffers[t.buffer].data) > 0:
            t.shape = [int(x) * 2 for x in t.shape] if len(t.shape) else [2]
            break
    save(m, "shape_buffer_mismatch.tflite")

    # Two subgraphs that call each other through CALL_ONCE (init_subgraph_index).
    m = load()
    call_once = schema.OperatorCodeT()
    call_once.builtinCode = schema.BuiltinOperator.CALL_ONCE
    call_once.deprecatedBuiltinCode = 127  # PLACEHOLDER_FOR_GREATER_OP_CODES
    call_once.version = 1
    m.operatorCodes.append(call_once)
    code = len(m.operatorCodes) - 1
    second = copy.deepcopy(m.subgraphs[0])
    second.name = b"second"
    m.subgraphs.append(second)
    for index, target in ((0, 1), (1, 0)):
        op = schema.OperatorT()
        op.opcodeIndex = code
        op.inputs, op.outputs = [], []
        op.builtinOptionsType = schema.BuiltinOptions.CallOnceOptions
        op.builtinOptions = schema.CallOnceOptionsT()
        op.builtinOptions.initSubgraphIndex = target
        m.subgraphs[index].operators.insert(0, op)
    save(m, "subgraph_cycle.tflite")


def unsupported_ops():
    """A valid model whose ops cannot convert to ONNX: a custom op and an SVDF builtin."""
    m = load()
    custom = schema.OperatorCodeT()
    custom.builtinCode = schema.BuiltinOperator.CUSTOM
    custom.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
    custom.customCode = b"NotARealOp"
    custom.version = 1
    svdf = schema.OperatorCodeT()
    svdf.builtinCode = schema.BuiltinOperator.SVDF
    svdf.deprecatedBuiltinCode = schema.BuiltinOperator.SVDF
    svdf.version = 1
    m.operatorCodes += [custom, svdf]
    ops = m.subgraphs[0].operators
    ops[0].opcodeIndex = len(m.operatorCodes) - 2
    ops[0].builtinOptionsType = 0
    ops[0].builtinOptions = None
    ops[1].opcodeIndex = len(m.operatorCodes) - 1
    ops[1].builtinOptionsType = 0
    ops[1].builtinOptions = None
    save(m, "unsupported_ops.tflite")


def sparse_weights():
    """A valid model whose 16x16 FULLY_CONNECTED weights are stored sparse (dense rows, CSR columns)."""
    import numpy as np
    m = load()
    g = m.subgraphs[0]
    for t in g.tensors:
        if len(t.shape) == 2 and t.shape[0] == 16 and t.shape[1] == 16 and m.buffers[t.buffer].data is not None:
            dense = np.frombuffer(bytes(m.buffers[t.buffer].data), dtype=np.float32).reshape(16, 16).copy()
            dense[np.abs(dense) < 0.2] = 0  # make it sparse; the model stays valid, LiteRT densifies it
            segments, indices, values = [0], [], []
            for r in range(16):
                cols = np.nonzero(dense[r])[0]
                indices += cols.tolist()
                values += dense[r, cols].tolist()
                segments.append(len(indices))
            sp = schema.SparsityParametersT()
            sp.traversalOrder = [0, 1]
            d0 = schema.DimensionMetadataT()
            d0.format = schema.DimensionType.DENSE
            d0.denseSize = 16
            d1 = schema.DimensionMetadataT()
            d1.format = schema.DimensionType.SPARSE_CSR
            d1.arraySegmentsType = schema.SparseIndexVector.Int32Vector
            d1.arraySegments = schema.Int32VectorT()
            d1.arraySegments.values = segments
            d1.arrayIndicesType = schema.SparseIndexVector.Int32Vector
            d1.arrayIndices = schema.Int32VectorT()
            d1.arrayIndices.values = indices
            sp.dimMetadata = [d0, d1]
            t.sparsity = sp
            m.buffers[t.buffer].data = np.array(values, dtype=np.float32).view(np.uint8)
            (HERE / "sparse_weights.dense.npy").write_bytes(b"")
            np.save(HERE / "sparse_weights.dense.npy", dense)
            break
    save(m, "sparse_weights.tflite")


def damaged_operators():
    """Files that read but cannot convert as they are (found by fuzzing `modelconv convert`)."""
    # An operator that should compute something but lists no outputs.
    m = load()
    m.subgraphs[0].operators[0].outputs = []
    save(m, "operator_without_outputs.tflite")
    # An int8 model whose input's zero point lies outside int8.
    m = schema.ModelT.InitFromPackedBuf((HERE.parents[2] / "SampleModels" / "mltk_tflite_micro_speech.tflite").read_bytes(), 0)
    g = m.subgraphs[0]
    g.tensors[g.inputs[0]].quantization.zeroPoint = [3_000_000_000]
    save(m, "zero_point_out_of_range.tflite")
    # An activation whose shape describes ~1.5e12 elements (lowering sized an array by it).
    m = load()
    g = m.subgraphs[0]
    activation = g.operators[0].outputs[0]
    g.tensors[activation].shape = [1, 88, 2147483647, 8]
    save(m, "absurd_shape.tflite")


if __name__ == "__main__":
    main()
    unsupported_ops()
    sparse_weights()
    damaged_operators()
