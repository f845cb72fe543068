#!/usr/bin/env python3
"""Compares modelconv's tflite kernels with LiteRT's reference kernels (OpResolverType.BUILTIN_REF)
on single-op models built here with random inputs. Needs ai_edge_litert, flatbuffers and numpy.

usage: scripts/tflite_kernel_check.py [--modelconv PATH] [--filter TEXT]
Prints one line per case; exits 1 when a case differs from LiteRT by more than its allowance."""
import argparse, os, subprocess, sys, tempfile
import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as s
from ai_edge_litert.interpreter import Interpreter, OpResolverType

TT = {np.float32: s.TensorType.FLOAT32, np.int8: s.TensorType.INT8, np.uint8: s.TensorType.UINT8,
      np.int16: s.TensorType.INT16, np.int32: s.TensorType.INT32, np.int64: s.TensorType.INT64,
      np.float16: s.TensorType.FLOAT16}
rng = np.random.default_rng(1)
i8, u8, i16, f32, i32, i64, f16 = np.int8, np.uint8, np.int16, np.float32, np.int32, np.int64, np.float16
A, P = s.ActivationFunctionType, s.Padding
ARGS = None
FAILED = []


def T(name, dtype, shape, scale=None, zp=None, axis=0, data=None):
    """A tensor: quantized when scale is given, constant when data is given."""
    return dict(name=name, dtype=dtype, shape=list(shape), scale=scale, zp=zp, axis=axis, data=data)


def opts(cls, **kw):
    """Builtin options object and its union type."""
    o = getattr(s, cls + 'T')()
    for k, v in kw.items():
        setattr(o, k, v)
    return o, getattr(s.BuiltinOptions, cls)


def build(opname, ins, outs, opt=None, opt_type=None):
    m = s.ModelT()
    m.version = 3
    m.buffers = [s.BufferT()]
    g = s.SubGraphT()
    g.tensors, g.inputs = [], []
    idx = {}
    for t in ins + outs:
        if t is None:
            continue
        tt = s.TensorT()
        tt.name, tt.shape, tt.type = t['name'].encode(), t['shape'], TT[t['dtype']]
        if t['scale'] is not None:
            q = s.QuantizationParametersT()
            sc = np.atleast_1d(t['scale']).astype(np.float32)
            z = np.atleast_1d(t['zp'] if t['zp'] is not None else 0).astype(np.int64)
            q.scale, q.zeroPoint, q.quantizedDimension = list(sc), list(np.resize(z, len(sc))), t['axis']
            tt.quantization = q
        tt.buffer = 0
        if t['data'] is not None:
            b = s.BufferT()
            b.data = list(np.asarray(t['data'], dtype=t['dtype']).tobytes())
            m.buffers.append(b)
            tt.buffer = len(m.buffers) - 1
        elif any(t is x for x in ins):
            g.inputs.append(len(g.tensors))
        idx[t['name']] = len(g.tensors)
        g.tensors.append(tt)
    g.outputs = [idx[t['name']] for t in outs]
    op = s.OperatorT()
    op.opcodeIndex = 0
    op.inputs = [idx[t['name']] if t is not None else -1 for t in ins]
    op.outputs = g.outputs
    if opt is not None:
        op.builtinOptionsType, op.builtinOptions = opt_type, opt
    code = s.OperatorCodeT()
    code.version = 1
    code.builtinCode = getattr(s.BuiltinOperator, opname)
    code.deprecatedBuiltinCode = min(code.builtinCode, 127)
    m.operatorCodes, g.operators, m.subgraphs = [code], [op], [g]
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def rand(t):
    if t['dtype'] == np.float32:
        return rng.uniform(-4, 4, t['shape']).astype(np.float32)
    info = np.iinfo(t['dtype'])
    return rng.integers(info.min, info.max, t['shape'], endpoint=True).astype(t['dtype'])


# Accepted max abs differences by case prefix: hybrid kernels round floats in another order than
# LiteRT's vectorized code (an ulp or two); int16 LOGISTIC/TANH use exact math, not TFLite's table.
ALLOW = {'HFC': 1e-5, 'HCONV': 1e-5, 'HDW': 1e-5, 'LOGISTIC_i16': 1, 'TANH_i16': 2}


def check(label, opname, ins, outs, opt=None, opt_type=None, feeds=None):
    """Runs one case in LiteRT (BUILTIN_REF) and modelconv and compares the outputs."""
    allow = max([v for k, v in ALLOW.items() if label.startswith(k)] or [0.0])
    if ARGS.filter and ARGS.filter not in label:
        return
    d = tempfile.mkdtemp(prefix='tflcheck-')
    path = os.path.join(d, 'm.tflite')
    open(path, 'wb').write(build(opname, ins, outs, opt, opt_type))
    it = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF, num_threads=1)
    it.allocate_tensors()
    data = {}
    for det in it.get_input_details():
        t = next(t for t in ins if t is not None and t['name'] == det['name'])
        data[det['name']] = feeds[det['name']] if feeds and det['name'] in feeds else rand(t)
        it.set_tensor(det['index'], data[det['name']])
    it.invoke()
    ref = {det['name']: it.get_tensor(det['index']) for det in it.get_output_details()}
    np.savez(os.path.join(d, 'in.npz'), **{'input:' + k: v for k, v in data.items()})
    r = subprocess.run([ARGS.modelconv, 'run', path, '--inputs', os.path.join(d, 'in.npz'), '--output', os.path.join(d, 'out.npz')],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f'FAIL {label}: modelconv: {r.stderr.strip()[:300]}')
        FAILED.append(label)
        return
    mine = np.load(os.path.join(d, 'out.npz'))
    for k, v in ref.items():
        b = mine['output:' + k]
        diff = float(np.max(np.abs(b.astype(np.float64) - v.astype(np.float64)))) if b.shape == v.shape and v.size else (0.0 if b.shape == v.shape else float('inf'))
        ok = diff <= allow
        if not ok:
            FAILED.append(label)
        print(f'{"ok  " if ok else "FAIL"} {label}: {k} {v.dtype}{list(v.shape)} max diff {diff}')


def w8(shape):
    return rng.integers(-127, 127, shape, endpoint=True).astype(i8)


def cases():
    # ADD / SUB / MUL int8 with broadcast and activations
    for op, cls in [('ADD', 'AddOptions'), ('SUB', 'SubOptions'), ('MUL', 'MulOptions')]:
        for act in [A.NONE, A.RELU, A.RELU6]:
            for dt, zps in [(i8, (-3, 10, -128)), (u8, (120, 130, 0)), (i16, (0, 0, 0))]:
                o = opts(cls, fusedActivationFunction=act)
                if op != 'MUL' and dt == i16: o[0].potScaleInt16 = False
                check(f'{op}_{dt.__name__}_{act}', op, [T('a', dt, [2, 3, 4], 0.05, zps[0]), T('b', dt, [3, 1], 0.031, zps[1])],
                      [T('y', dt, [2, 3, 4], 0.07 if op != 'MUL' else 0.11, zps[2])], *o)
    check('ADD_f32_relu', 'ADD', [T('a', f32, [2, 3, 4]), T('b', f32, [4])], [T('y', f32, [2, 3, 4])], *opts('AddOptions', fusedActivationFunction=A.RELU6))
    check('MUL_f32', 'MUL', [T('a', f32, [2, 3, 4]), T('b', f32, [3, 1])], [T('y', f32, [2, 3, 4])], *opts('MulOptions'))
    check('SUB_f32', 'SUB', [T('a', f32, [2, 3, 4]), T('b', f32, [3, 1])], [T('y', f32, [2, 3, 4])], *opts('SubOptions'))
    # activations
    for dt, zp in [(i8, -128), (u8, 0)]:
        check(f'LOGISTIC_{dt.__name__}', 'LOGISTIC', [T('x', dt, [4, 64], 0.06, 5 if dt == i8 else 128)], [T('y', dt, [4, 64], 1/256, zp)])
        check(f'TANH_{dt.__name__}', 'TANH', [T('x', dt, [4, 64], 0.03, 3 if dt == i8 else 128)], [T('y', dt, [4, 64], 1/128, 0 if dt == i8 else 128)])
        check(f'HARD_SWISH_{dt.__name__}', 'HARD_SWISH', [T('x', dt, [4, 64], 0.05, 7 if dt == i8 else 128)], [T('y', dt, [4, 64], 0.03, -100 if dt == i8 else 20)])
        check(f'HARD_SWISH_{dt.__name__}_b', 'HARD_SWISH', [T('x', dt, [4, 64], 0.5, 7 if dt == i8 else 128)], [T('y', dt, [4, 64], 0.2, -10 if dt == i8 else 40)])
        check(f'SOFTMAX_{dt.__name__}', 'SOFTMAX', [T('x', dt, [3, 50], 0.1, 4 if dt == i8 else 120)], [T('y', dt, [3, 50], 1/256, zp)], *opts('SoftmaxOptions', beta=1.0))
        check(f'SOFTMAX_{dt.__name__}_beta', 'SOFTMAX', [T('x', dt, [3, 10], 0.3, 4 if dt == i8 else 120)], [T('y', dt, [3, 10], 1/256, zp)], *opts('SoftmaxOptions', beta=0.7))
        check(f'RELU_{dt.__name__}', 'RELU', [T('x', dt, [4, 64], 0.05, 7 if dt == i8 else 128)], [T('y', dt, [4, 64], 0.03, -128 if dt == i8 else 0)])
        check(f'RELU6_{dt.__name__}', 'RELU6', [T('x', dt, [4, 64], 0.05, 7 if dt == i8 else 128)], [T('y', dt, [4, 64], 0.03, -128 if dt == i8 else 0)])
    check('SOFTMAX_i8_i16', 'SOFTMAX', [T('x', i8, [3, 50], 0.1, 4)], [T('y', i16, [3, 50], 1/32768, 0)], *opts('SoftmaxOptions', beta=1.0))
    check('SOFTMAX_f32', 'SOFTMAX', [T('x', f32, [3, 50])], [T('y', f32, [3, 50])], *opts('SoftmaxOptions', beta=1.3))
    check('LOGISTIC_f32', 'LOGISTIC', [T('x', f32, [4, 64])], [T('y', f32, [4, 64])])
    check('TANH_f32', 'TANH', [T('x', f32, [4, 64])], [T('y', f32, [4, 64])])
    check('HARD_SWISH_f32', 'HARD_SWISH', [T('x', f32, [4, 64])], [T('y', f32, [4, 64])])
    check('PRELU_i8', 'PRELU', [T('x', i8, [1, 4, 4, 3], 0.05, 3), T('al', i8, [1, 1, 3], 0.01, 0, data=np.array([[[20, -40, 100]]], i8))], [T('y', i8, [1, 4, 4, 3], 0.04, -5)])
    check('PRELU_u8', 'PRELU', [T('x', u8, [1, 4, 4, 3], 0.05, 128), T('al', u8, [1, 1, 3], 0.01, 128, data=np.array([[[20, 140, 200]]], u8))], [T('y', u8, [1, 4, 4, 3], 0.04, 100)])

    # CONV_2D
    for pad in [P.SAME, P.VALID]:
        for stride, dil in [(1, 1), (2, 1), (1, 2)]:
            o = opts('Conv2DOptions', padding=pad, strideW=stride, strideH=stride, dilationWFactor=dil, dilationHFactor=dil, fusedActivationFunction=A.RELU)
            check(f'CONV_i8_{pad}_{stride}_{dil}', 'CONV_2D', [T('x', i8, [1, 9, 8, 4], 0.05, -3), T('w', i8, [6, 3, 3, 4], list(rng.uniform(0.002, 0.01, 6)), 0, 0, w8([6, 3, 3, 4])),
                  T('b', i32, [6], None, None, 0, rng.integers(-2000, 2000, 6))], [T('y', i8, [1, 1, 1, 6], 0.08, -20)], *o)
            check(f'CONV_f32_{pad}_{stride}_{dil}', 'CONV_2D', [T('x', f32, [1, 9, 8, 4]), T('w', f32, [6, 3, 3, 4], data=rng.normal(0, 1, [6, 3, 3, 4])),
                  T('b', f32, [6], data=rng.normal(0, 1, 6))], [T('y', f32, [1, 1, 1, 6])], *o)
    o = opts('Conv2DOptions', padding=P.SAME, strideW=1, strideH=1)
    check('CONV_u8', 'CONV_2D', [T('x', u8, [1, 6, 6, 3], 0.05, 120), T('w', u8, [4, 3, 3, 3], 0.01, 130, 0, rng.integers(0, 255, [4, 3, 3, 3])),
          T('b', i32, [4], None, None, 0, rng.integers(-2000, 2000, 4))], [T('y', u8, [1, 6, 6, 4], 0.1, 100)], *o)
    check('CONV_i16', 'CONV_2D', [T('x', i16, [1, 6, 6, 3], 0.001, 0), T('w', i8, [4, 3, 3, 3], list(rng.uniform(0.002, 0.01, 4)), 0, 0, w8([4, 3, 3, 3])),
          T('b', i64, [4], None, None, 0, rng.integers(-20000, 20000, 4))], [T('y', i16, [1, 6, 6, 4], 0.002, 0)], *o)
    check('CONV_i8_group', 'CONV_2D', [T('x', i8, [1, 5, 5, 4], 0.05, 3), T('w', i8, [6, 3, 3, 2], [0.004], 0, 0, w8([6, 3, 3, 2])),
          T('b', i32, [6], None, None, 0, rng.integers(-2000, 2000, 6))], [T('y', i8, [1, 5, 5, 6], 0.08, 0)], *o)
    # DEPTHWISE
    for m in [1, 2]:
        o = opts('DepthwiseConv2DOptions', padding=P.SAME, strideW=2, strideH=2, depthMultiplier=m, fusedActivationFunction=A.RELU6)
        check(f'DW_i8_m{m}', 'DEPTHWISE_CONV_2D', [T('x', i8, [1, 7, 7, 3], 0.05, 3), T('w', i8, [1, 3, 3, 3 * m], list(rng.uniform(0.002, 0.01, 3 * m)), 0, 3, w8([1, 3, 3, 3 * m])),
              T('b', i32, [3 * m], None, None, 0, rng.integers(-2000, 2000, 3 * m))], [T('y', i8, [1, 4, 4, 3 * m], 0.03, -128)], *o)
        check(f'DW_u8_m{m}', 'DEPTHWISE_CONV_2D', [T('x', u8, [1, 7, 7, 3], 0.05, 128), T('w', u8, [1, 3, 3, 3 * m], 0.01, 120, 0, rng.integers(0, 255, [1, 3, 3, 3 * m])),
              T('b', i32, [3 * m], None, None, 0, rng.integers(-2000, 2000, 3 * m))], [T('y', u8, [1, 4, 4, 3 * m], 0.03, 0)], *o)
        check(f'DW_f32_m{m}', 'DEPTHWISE_CONV_2D', [T('x', f32, [1, 7, 7, 3]), T('w', f32, [1, 3, 3, 3 * m], data=rng.normal(0, 1, [1, 3, 3, 3 * m])),
              T('b', f32, [3 * m], data=rng.normal(0, 1, 3 * m))], [T('y', f32, [1, 4, 4, 3 * m])], *o)
        check(f'DW_i16_m{m}', 'DEPTHWISE_CONV_2D', [T('x', i16, [1, 7, 7, 3], 0.001, 0), T('w', i8, [1, 3, 3, 3 * m], list(rng.uniform(0.002, 0.01, 3 * m)), 0, 3, w8([1, 3, 3, 3 * m])),
              T('b', i64, [3 * m], None, None, 0, rng.integers(-2000, 2000, 3 * m))], [T('y', i16, [1, 4, 4, 3 * m], 0.003, 0)], *o)
    # FULLY_CONNECTED
    o = opts('FullyConnectedOptions', fusedActivationFunction=A.RELU)
    check('FC_i8', 'FULLY_CONNECTED', [T('x', i8, [3, 20], 0.05, 3), T('w', i8, [7, 20], 0.004, 0, 0, w8([7, 20])), T('b', i32, [7], None, None, 0, rng.integers(-2000, 2000, 7))], [T('y', i8, [3, 7], 0.03, -128)], *o)
    check('FC_i8_pc', 'FULLY_CONNECTED', [T('x', i8, [3, 20], 0.05, 3), T('w', i8, [7, 20], list(rng.uniform(0.002, 0.01, 7)), 0, 0, w8([7, 20])), T('b', i32, [7], None, None, 0, rng.integers(-2000, 2000, 7))], [T('y', i8, [3, 7], 0.03, -128)], *o)
    check('FC_u8', 'FULLY_CONNECTED', [T('x', u8, [3, 20], 0.05, 128), T('w', u8, [7, 20], 0.004, 120, 0, rng.integers(0, 255, [7, 20])), T('b', i32, [7], None, None, 0, rng.integers(-2000, 2000, 7))], [T('y', u8, [3, 7], 0.1, 10)], *o)
    check('FC_i16', 'FULLY_CONNECTED', [T('x', i16, [3, 20], 0.001, 0), T('w', i8, [7, 20], 0.004, 0, 0, w8([7, 20])), T('b', i64, [7], None, None, 0, rng.integers(-2000, 2000, 7))], [T('y', i16, [3, 7], 0.002, 0)], *o)
    check('FC_f32_keep', 'FULLY_CONNECTED', [T('x', f32, [2, 3, 20]), T('w', f32, [7, 20], data=rng.normal(0, 1, [7, 20])), None], [T('y', f32, [2, 3, 7])], *opts('FullyConnectedOptions', keepNumDims=True))
    # POOL
    for dt, zp in [(i8, -5), (u8, 128), (i16, 0)]:
        for pad in [P.SAME, P.VALID]:
            o = opts('Pool2DOptions', padding=pad, strideW=2, strideH=2, filterWidth=3, filterHeight=3, fusedActivationFunction=A.RELU)
            check(f'AVG_{dt.__name__}_{pad}', 'AVERAGE_POOL_2D', [T('x', dt, [1, 7, 8, 3], 0.05, zp)], [T('y', dt, [1, 1, 1, 3], 0.05, zp)], *o)
            check(f'MAX_{dt.__name__}_{pad}', 'MAX_POOL_2D', [T('x', dt, [1, 7, 8, 3], 0.05, zp)], [T('y', dt, [1, 1, 1, 3], 0.05, zp)], *o)
    check('AVG_f32', 'AVERAGE_POOL_2D', [T('x', f32, [1, 7, 8, 3])], [T('y', f32, [1, 4, 4, 3])], *opts('Pool2DOptions', padding=P.SAME, strideW=2, strideH=2, filterWidth=3, filterHeight=3))
    # MEAN
    for dt, zp in [(i8, -5), (u8, 128), (i16, 0)]:
        for axes, keep in [([1, 2], True), ([1, 2], False), ([-1], False), ([0, 2], True)]:
            check(f'MEAN_{dt.__name__}_{axes}_{keep}', 'MEAN', [T('x', dt, [2, 5, 6, 3], 0.05, zp), T('ax', i32, [len(axes)], data=np.array(axes, i32))],
                  [T('y', dt, [1], 0.03, zp // 2)], *opts('ReducerOptions', keepDims=keep))
    check('MEAN_f32', 'MEAN', [T('x', f32, [2, 5, 6, 3]), T('ax', i32, [2], data=np.array([1, 2], i32))], [T('y', f32, [1])], *opts('ReducerOptions', keepDims=False))

    for k in range(4):
        m = 2
        o = opts('DepthwiseConv2DOptions', padding=P.SAME, strideW=1, strideH=1, depthMultiplier=m)
        check(f'DW_i16_big{k}', 'DEPTHWISE_CONV_2D', [T('x', i16, [1, 16, 16, 8], 0.0003, 0), T('w', i8, [1, 5, 5, 8 * m], list(rng.uniform(0.002, 0.01, 8 * m)), 0, 3, w8([1, 5, 5, 8 * m])),
              T('b', i64, [8 * m], None, None, 0, rng.integers(-20000, 20000, 8 * m))], [T('y', i16, [1, 16, 16, 8 * m], 0.0011, 0)], *o)
        o = opts('Conv2DOptions', padding=P.SAME, strideW=1, strideH=1)
        check(f'CONV_i16_big{k}', 'CONV_2D', [T('x', i16, [1, 8, 8, 8], 0.0003, 0), T('w', i8, [6, 3, 3, 8], list(rng.uniform(0.002, 0.01, 6)), 0, 0, w8([6, 3, 3, 8])),
              T('b', i64, [6], None, None, 0, rng.integers(-20000, 20000, 6))], [T('y', i16, [1, 8, 8, 6], 0.0017, 0)], *o)
        o = opts('FullyConnectedOptions')
        check(f'FC_i16_big{k}', 'FULLY_CONNECTED', [T('x', i16, [3, 200], 0.0003, 0), T('w', i8, [7, 200], 0.004, 0, 0, w8([7, 200])), T('b', i64, [7], None, None, 0, rng.integers(-2000, 2000, 7))], [T('y', i16, [3, 7], 0.0013, 0)], *o)
        check(f'FC_i8_big{k}', 'FULLY_CONNECTED', [T('x', i8, [3, 200], 0.03, 3), T('w', i8, [7, 200], 0.004, 0, 0, w8([7, 200])), T('b', i32, [7], None, None, 0, rng.integers(-2000, 2000, 7))], [T('y', i8, [3, 7], 0.13, 0)], *o)
        check(f'FC_i8pc_big{k}', 'FULLY_CONNECTED', [T('x', i8, [3, 200], 0.03, 3), T('w', i8, [7, 200], list(rng.uniform(0.002, 0.01, 7)), 0, 0, w8([7, 200])), T('b', i32, [7], None, None, 0, rng.integers(-2000, 2000, 7))], [T('y', i8, [3, 7], 0.13, 0)], *o)

    # QUANTIZE / DEQUANTIZE
    for dt, zp in [(i8, -7), (u8, 128), (i16, 0)]:
        check(f'QUANT_f_{dt.__name__}', 'QUANTIZE', [T('x', f32, [4, 50])], [T('y', dt, [4, 50], 0.0371, zp)])
        check(f'DEQUANT_{dt.__name__}', 'DEQUANTIZE', [T('x', dt, [4, 50], 0.0371, zp)], [T('y', f32, [4, 50])])
    feeds = {'x': (np.arange(200, dtype=np.float32).reshape(4, 50) - 100) * 0.0371 * 0.5}
    check('QUANT_ties', 'QUANTIZE', [T('x', f32, [4, 50])], [T('y', i8, [4, 50], 0.0371, 3)], feeds=feeds)
    for a, b in [(i8, u8), (u8, i8), (i8, i8), (i16, i8), (i16, i16), (i8, i16)]:
        check(f'REQUANT_{a.__name__}_{b.__name__}', 'QUANTIZE', [T('x', a, [4, 50], 0.05, 0 if a == i16 else 3)], [T('y', b, [4, 50], 0.031, 0 if b == i16 else -9 if b == i8 else 100)])
    check('DEQUANT_pc', 'DEQUANTIZE', [T('x', i8, [3, 4], [0.1, 0.2, 0.3], [0, 0, 0], 0, data=rng.integers(-128, 127, [3, 4]))], [T('y', f32, [3, 4])])
    check('DEQUANT_f16', 'DEQUANTIZE', [T('x', f16, [3, 4], data=rng.normal(0, 1, [3, 4]))], [T('y', f32, [3, 4])])
    # RESIZE_BILINEAR
    for dt in [f32, i8, u8, i16]:
        for ac, hp in [(False, False), (True, False), (False, True)]:
            q = (0.05, 3) if dt != f32 else (None, None)
            check(f'RESIZE_{dt.__name__}_{ac}_{hp}', 'RESIZE_BILINEAR', [T('x', dt, [1, 5, 4, 3], *q), T('sz', i32, [2], data=np.array([11, 7], i32))],
                  [T('y', dt, [1, 11, 7, 3], *q)], *opts('ResizeBilinearOptions', alignCorners=ac, halfPixelCenters=hp))
            check(f'RESIZEdown_{dt.__name__}_{ac}_{hp}', 'RESIZE_BILINEAR', [T('x', dt, [1, 9, 8, 2], *q), T('sz', i32, [2], data=np.array([4, 3], i32))],
                  [T('y', dt, [1, 4, 3, 2], *q)], *opts('ResizeBilinearOptions', alignCorners=ac, halfPixelCenters=hp))
    # PAD
    for dt in [f32, i8, u8]:
        q = (0.05, 3) if dt != f32 else (None, None)
        check(f'PAD_{dt.__name__}', 'PAD', [T('x', dt, [1, 3, 4, 2], *q), T('p', i32, [4, 2], data=np.array([[0, 0], [1, 2], [2, 0], [0, 1]], i32))], [T('y', dt, [1, 6, 6, 3], *q)])
    check('PADV2_f32', 'PADV2', [T('x', f32, [3, 4]), T('p', i32, [2, 2], data=np.array([[1, 2], [2, 0]], i32)), T('c', f32, [], data=np.array(2.5, f32))], [T('y', f32, [6, 6])])
    # CONCATENATION
    for dt in [i8, u8]:
        if dt == u8: check(f'CONCAT_{dt.__name__}', 'CONCATENATION', [T('a', dt, [2, 3, 4], 0.05, 3), T('b', dt, [2, 2, 4], 0.08, -1 if dt == i8 else 120)], [T('y', dt, [2, 5, 4], 0.07, 5)],
              *opts('ConcatenationOptions', axis=1))
        check(f'CONCAT_same_{dt.__name__}', 'CONCATENATION', [T('a', dt, [2, 3, 4], 0.05, 3), T('b', dt, [2, 3, 1], 0.05, 3)], [T('y', dt, [2, 3, 5], 0.05, 3)],
              *opts('ConcatenationOptions', axis=-1))
    check('CONCAT_f32', 'CONCATENATION', [T('a', f32, [2, 3]), T('b', f32, [1, 3]), T('c', f32, [4, 3])], [T('y', f32, [7, 3])], *opts('ConcatenationOptions', axis=0))
    # STRIDED_SLICE
    def ss(label, shape, b, e, st, **kw):
        n = len(b)
        check(f'SS_{label}', 'STRIDED_SLICE', [T('x', f32, shape), T('b', i32, [n], data=np.array(b, i32)), T('e', i32, [n], data=np.array(e, i32)), T('s', i32, [n], data=np.array(st, i32))],
              [T('y', f32, [1])], *opts('StridedSliceOptions', **kw))
    ss('basic', [4, 6, 5], [1, 0, 1], [3, 6, 5], [1, 2, 2])
    ss('neg', [4, 6, 5], [-1, -2, 4], [-5, 0, 0], [-1, -2, -1])
    ss('masks', [4, 6, 5], [1, 2, 3], [2, 4, 4], [1, 1, 1], beginMask=5, endMask=2)
    ss('shrink', [4, 6, 5], [1, -1, 0], [2, 0, 5], [1, 1, 1], shrinkAxisMask=3)
    ss('ellipsis', [4, 6, 5, 2], [0, 1], [0, 2], [1, 1], ellipsisMask=1)
    ss('newaxis', [4, 6, 5], [0, 1, 0], [0, 3, 2], [1, 1, 1], newAxisMask=1, beginMask=1, endMask=1)
    ss('ellnew', [4, 6, 5], [0, 0, 1], [0, 0, 3], [1, 1, 1], ellipsisMask=1, newAxisMask=2)
    ss('offset', [4, 6, 5], [1, 1, 0], [2, 3, 5], [1, 1, 1], offset=True)
    ss('big', [4, 6, 5], [-100, 2, 0], [100, 100, 3], [1, 3, 1])
    # SPLIT / SPLIT_V / others
    check('SPLIT', 'SPLIT', [T('ax', i32, [], data=np.array(1, i32)), T('x', f32, [2, 6, 3])], [T('y0', f32, [1]), T('y1', f32, [1]), T('y2', f32, [1])], *opts('SplitOptions', numSplits=3))
    check('SPLITV', 'SPLIT_V', [T('x', i8, [2, 6, 3], 0.1, 0), T('sz', i32, [3], data=np.array([1, -1, 2], i32)), T('ax', i32, [], data=np.array(-2, i32))],
          [T('y0', i8, [1], 0.1, 0), T('y1', i8, [1], 0.1, 0), T('y2', i8, [1], 0.1, 0)], *opts('SplitVOptions', numSplits=3))
    check('TRANSPOSE', 'TRANSPOSE', [T('x', f32, [2, 3, 4]), T('p', i32, [3], data=np.array([2, 0, 1], i32))], [T('y', f32, [4, 2, 3])])
    check('PACK', 'PACK', [T('a', f32, [2, 3]), T('b', f32, [2, 3])], [T('y', f32, [2, 2, 3])], *opts('PackOptions', valuesCount=2, axis=1))
    check('RESHAPE', 'RESHAPE', [T('x', f32, [2, 3, 4]), T('s', i32, [2], data=np.array([-1, 6], i32))], [T('y', f32, [4, 6])])
    check('SQUEEZE', 'SQUEEZE', [T('x', f32, [1, 3, 1, 4])], [T('y', f32, [3, 4])], *opts('SqueezeOptions', squeezeDims=[0, 2]))
    check('EXPAND', 'EXPAND_DIMS', [T('x', f32, [3, 4]), T('a', i32, [], data=np.array(-1, i32))], [T('y', f32, [3, 4, 1])])
    check('SHAPE', 'SHAPE', [T('x', f32, [3, 4, 2])], [T('y', i32, [3])], *opts('ShapeOptions', outType=s.TensorType.INT32))
    check('RELU1_f32', 'RELU_N1_TO_1', [T('x', f32, [3, 4])], [T('y', f32, [3, 4])])
    check('RELU1_i8', 'RELU_N1_TO_1', [T('x', i8, [3, 40], 0.02, 4)], [T('y', i8, [3, 40], 0.01, 0)])
    check('PRELU_f32', 'PRELU', [T('x', f32, [1, 4, 4, 3]), T('al', f32, [1, 1, 3], data=rng.normal(0, 1, [1, 1, 3]))], [T('y', f32, [1, 4, 4, 3])])

    for asym in [False, True]:
        for act in [A.NONE, A.RELU, A.TANH]:
            o = opts('FullyConnectedOptions', fusedActivationFunction=act, asymmetricQuantizeInputs=asym)
            check(f'HFC_{asym}_{act}', 'FULLY_CONNECTED', [T('x', f32, [3, 20]), T('w', i8, [7, 20], 0.004, 0, 0, w8([7, 20])), T('b', f32, [7], data=rng.normal(0, 1, 7))], [T('y', f32, [3, 7])], *o)
            check(f'HFCpc_{asym}_{act}', 'FULLY_CONNECTED', [T('x', f32, [3, 20]), T('w', i8, [7, 20], list(rng.uniform(0.002, 0.01, 7)), 0, 0, w8([7, 20])), T('b', f32, [7], data=rng.normal(0, 1, 7))], [T('y', f32, [3, 7])], *o)
    for pc in [False, True]:
        sc = list(rng.uniform(0.002, 0.01, 6)) if pc else 0.004
        o = opts('Conv2DOptions', padding=P.SAME, strideW=1, strideH=1, fusedActivationFunction=A.RELU6)
        check(f'HCONV_{pc}', 'CONV_2D', [T('x', f32, [2, 6, 5, 4]), T('w', i8, [6, 3, 3, 4], sc, 0, 0, w8([6, 3, 3, 4])), T('b', f32, [6], data=rng.normal(0, 1, 6))], [T('y', f32, [2, 6, 5, 6])], *o)
        if not pc: continue
        o = opts('DepthwiseConv2DOptions', padding=P.VALID, strideW=1, strideH=1, depthMultiplier=2)
        sc = list(rng.uniform(0.002, 0.01, 8)) if pc else 0.004
        check(f'HDW_{pc}', 'DEPTHWISE_CONV_2D', [T('x', f32, [2, 6, 5, 4]), T('w', i8, [1, 3, 3, 8], sc, 0, 3, w8([1, 3, 3, 8])), T('b', f32, [8], data=rng.normal(0, 1, 8))], [T('y', f32, [2, 4, 3, 8])], *o)

    for sc, beta in [(0.001, 1.0), (0.0003, 1.0), (0.002, 0.5), (0.0001, 2.0)]:
        check(f'SOFTMAX_i16_{sc}_{beta}', 'SOFTMAX', [T('x', i16, [4, 40], sc, 0)], [T('y', i16, [4, 40], 1/32768, 0)], *opts('SoftmaxOptions', beta=beta))
    for sc in [2**-12, 0.0007, 2**-11]:
        check(f'LOGISTIC_i16_{sc}', 'LOGISTIC', [T('x', i16, [4, 200], sc, 0)], [T('y', i16, [4, 200], 1/32768, 0)])
        check(f'TANH_i16_{sc}', 'TANH', [T('x', i16, [4, 200], sc, 0)], [T('y', i16, [4, 200], 1/32768, 0)])
    check('MEAN_i32', 'MEAN', [T('x', i32, [2, 5, 6, 3]), T('ax', i32, [2], data=np.array([1, 2], i32))], [T('y', i32, [1])], *opts('ReducerOptions', keepDims=False))


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument('--modelconv', default=os.path.join(here, '..', '.build', 'debug', 'modelconv'))
    p.add_argument('--filter', default='')
    ARGS = p.parse_args()
    cases()
    print(f'{len(FAILED)} failing case(s)' + (': ' + ', '.join(FAILED) if FAILED else ''))
    sys.exit(1 if FAILED else 0)


if __name__ == '__main__':
    main()
