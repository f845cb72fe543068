import ModelIR

/// TFLite ADD, SUB, MUL (broadcasting, fused activation), RELU-family and PRELU as the reference
/// kernels compute them.
enum TFLiteElementwiseKernels {
    static var table: [String: Kernel] {
        [
            "tflite::ADD": { call throws(InterpreterError) in [.tensor(try addSub(call, subtract: false))] },
            "tflite::SUB": { call throws(InterpreterError) in [.tensor(try addSub(call, subtract: true))] },
            "tflite::MUL": mul,
            "tflite::RELU": { call throws(InterpreterError) in [.tensor(try relu(call, lo: 0, hi: .infinity))] },
            "tflite::RELU6": { call throws(InterpreterError) in [.tensor(try relu(call, lo: 0, hi: 6))] },
            "tflite::RELU_N1_TO_1": { call throws(InterpreterError) in [.tensor(try relu(call, lo: -1, hi: 1))] },
            "tflite::RELU_0_TO_1": { call throws(InterpreterError) in [.tensor(try relu(call, lo: 0, hi: 1))] },
            "tflite::PRELU": prelu,
        ]
    }

    // MARK: Broadcasting

    /// The broadcast output shape and, per output element, the flat index into each input.
    static func broadcast(_ call: KernelCall, _ a: NDArray, _ b: NDArray) throws(InterpreterError) -> (shape: [Int], ia: [Int], ib: [Int]) {
        guard let shape = Broadcast.shape([a.shape, b.shape]) else {
            throw call.invalid("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        return (shape, Broadcast.indexMap(from: a.shape, to: shape), Broadcast.indexMap(from: b.shape, to: shape))
    }

    // MARK: ADD / SUB

    /// Float and integer add/subtract; 8-bit (and general int16) inputs are rescaled to a common
    /// scale with a left shift of 20 (15 for int16) before summing, as in TFLite's quantized ADD.
    static func addSub(_ call: KernelCall, subtract: Bool) throws(InterpreterError) -> NDArray {
        let a = try call.tensor(0), b = try call.tensor(1)
        let (shape, ia, ib) = try broadcast(call, a, b)
        switch a.dataType {
        case .float, .float16:
            let xa = try TFLiteFloats.values(a, call), xb = try TFLiteFloats.values(b, call)
            let (lo, hi) = try call.floatActivationRange()
            let y = (0..<ia.count).map { i in TFLiteFloats.clamp(subtract ? xa[ia[i]] - xb[ib[i]] : xa[ia[i]] + xb[ib[i]], lo, hi) }
            return NDArray(shape: shape, floats: y)
        case .int32, .int64:
            let xa = a.int64s, xb = b.int64s
            let y = (0..<ia.count).map { i in subtract ? xa[ia[i]] &- xb[ib[i]] : xa[ia[i]] &+ xb[ib[i]] }
            return NDArray(dataType: a.dataType, shape: shape, doubles: y.map { Double($0) })
        case .int8, .uint8, .int16:
            let qa = try call.tflQuant(input: 0), qb = try call.tflQuant(input: 1), qo = try call.tflQuant(output: 0)
            let xa = try TFLiteInts.values(a, call), xb = try TFLiteInts.values(b, call)
            let (lo, hi) = try call.quantizedActivationRange(qo, type: a.dataType)
            var y = [Int32](repeating: 0, count: ia.count)
            if a.dataType == .int16, call.int("pot_scale_int16", default: 1) != 0, !subtract,
               let sa = log2Exact(qa.scale), let sb = log2Exact(qb.scale), let so = log2Exact(qo.scale) {
                // Power-of-two int16 scales: shift one input onto the output scale and add saturating.
                let (shiftA, shiftB) = (sa - so, sb - so)
                guard shiftA <= 0, shiftB <= 0, shiftA == 0 || shiftB == 0 else { throw call.invalid("unsupported int16 ADD scales") }
                for i in y.indices {
                    let va = TFLiteFixedPoint.roundingDivideByPOT(xa[ia[i]], -shiftA)
                    let vb = TFLiteFixedPoint.roundingDivideByPOT(xb[ib[i]], -shiftB)
                    y[i] = TFLiteInts.clamp(max(min(va + vb, 32767), -32768), lo, hi)
                }
                return TFLiteInts.array(y, type: a.dataType, shape: shape)
            }
            let leftShift = a.dataType == .int16 ? 15 : 20
            let twiceMax = 2 * Double(max(qa.scale, qb.scale))
            let ma = TFLiteFixedPoint.quantizeMultiplier(Double(qa.scale) / twiceMax)
            let mb = TFLiteFixedPoint.quantizeMultiplier(Double(qb.scale) / twiceMax)
            let mo = TFLiteFixedPoint.quantizeMultiplier(twiceMax / (Double(1 << leftShift) * Double(qo.scale)))
            for i in y.indices {
                let va = TFLiteFixedPoint.multiply((xa[ia[i]] - qa.zeroPoint) &* (1 << leftShift), by: ma.multiplier, shift: ma.shift)
                let vb = TFLiteFixedPoint.multiply((xb[ib[i]] - qb.zeroPoint) &* (1 << leftShift), by: mb.multiplier, shift: mb.shift)
                let raw = TFLiteFixedPoint.multiply(subtract ? va &- vb : va &+ vb, by: mo.multiplier, shift: mo.shift) &+ qo.zeroPoint
                y[i] = TFLiteInts.clamp(raw, lo, hi)
            }
            return TFLiteInts.array(y, type: a.dataType, shape: shape)
        default:
            throw call.unsupported(a.dataType)
        }
    }

    /// `log2(x)` when `x` is (within 1e-3) a power of two (`CheckedLog2`).
    static func log2Exact(_ x: Float) -> Int? {
        guard x > 0 else { return nil }
        let l = (Float.log(x) * (1 / Float.log(2)))
        let r = l.rounded()
        return abs(l - r) < 1e-3 ? Int(r) : nil
    }

    // MARK: MUL

    /// Float and integer multiply; quantized products are requantized with
    /// `in1_scale * in2_scale / out_scale` (computed in float, as TFLite does).
    static let mul: Kernel = { call throws(InterpreterError) in
        let a = try call.tensor(0), b = try call.tensor(1)
        let (shape, ia, ib) = try broadcast(call, a, b)
        switch a.dataType {
        case .float, .float16:
            let xa = try TFLiteFloats.values(a, call), xb = try TFLiteFloats.values(b, call)
            let (lo, hi) = try call.floatActivationRange()
            return [.tensor(NDArray(shape: shape, floats: (0..<ia.count).map { i in TFLiteFloats.clamp(xa[ia[i]] * xb[ib[i]], lo, hi) }))]
        case .int32, .int64:
            let xa = a.int64s, xb = b.int64s
            return [.tensor(NDArray(dataType: a.dataType, shape: shape, doubles: (0..<ia.count).map { i in Double(xa[ia[i]] &* xb[ib[i]]) }))]
        case .int8, .uint8, .int16:
            let qa = try call.tflQuant(input: 0), qb = try call.tflQuant(input: 1), qo = try call.tflQuant(output: 0)
            let outType = call.tflOutputType(fallback: a.dataType)
            let xa = try TFLiteInts.values(a, call), xb = try TFLiteInts.values(b, call)
            let (lo, hi) = try call.quantizedActivationRange(qo, type: outType)
            let m = TFLiteFixedPoint.quantizeMultiplier(Double(qa.scale * qb.scale / qo.scale))
            let y = (0..<ia.count).map { i -> Int32 in
                let p = (xa[ia[i]] - qa.zeroPoint) &* (xb[ib[i]] - qb.zeroPoint)
                return TFLiteInts.clamp(TFLiteFixedPoint.multiply(p, by: m.multiplier, shift: m.shift) &+ qo.zeroPoint, lo, hi)
            }
            return [.tensor(TFLiteInts.array(y, type: outType, shape: shape))]
        default:
            throw call.unsupported(a.dataType)
        }
    }

    // MARK: RELU family

    /// Clamps to [lo, hi]; quantized inputs are requantized to the output scale (`ReluX`).
    static func relu(_ call: KernelCall, lo: Float, hi: Float) throws(InterpreterError) -> NDArray {
        let x = try call.tensor(0)
        switch x.dataType {
        case .float, .float16:
            let xs = try TFLiteFloats.values(x, call)
            return NDArray(shape: x.shape, floats: xs.map { min(max(lo, $0), hi) })
        case .int8, .uint8, .int16:
            let qi = try call.tflQuant(input: 0), qo = try call.tflQuant(output: 0)
            guard let (tmin, tmax) = TFLiteFixedPoint.range(of: x.dataType) else { throw call.unsupported(x.dataType) }
            let quantize = { (f: Float) -> Int32 in qo.zeroPoint &+ TFLiteInts.saturating(Double((f / qo.scale).rounded())) }
            let qlo = max(tmin, quantize(lo))
            let qhi = hi == .infinity ? tmax : min(tmax, quantize(hi))
            let m = TFLiteFixedPoint.quantizeMultiplier(Double(qi.scale / qo.scale))
            let y = try TFLiteInts.values(x, call).map { v -> Int32 in
                let r = qo.zeroPoint &+ TFLiteFixedPoint.multiply(v - qi.zeroPoint, by: m.multiplier, shift: m.shift)
                return min(max(qlo, r), qhi)
            }
            return TFLiteInts.array(y, type: x.dataType, shape: x.shape)
        default:
            throw call.unsupported(x.dataType)
        }
    }

    /// `x >= 0 ? x : alpha * x` with alpha broadcast; quantized with two output multipliers.
    static let prelu: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0), alpha = try call.tensor(1)
        let (shape, ix, ia) = try broadcast(call, x, alpha)
        switch x.dataType {
        case .float, .float16:
            let xs = try TFLiteFloats.values(x, call), al = try TFLiteFloats.values(alpha, call)
            return [.tensor(NDArray(shape: shape, floats: (0..<ix.count).map { i in xs[ix[i]] >= 0 ? xs[ix[i]] : xs[ix[i]] * al[ia[i]] }))]
        case .int8, .uint8:
            let qx = try call.tflQuant(input: 0), qa = try call.tflQuant(input: 1), qo = try call.tflQuant(output: 0)
            let xs = try TFLiteInts.values(x, call), al = try TFLiteInts.values(alpha, call)
            guard let (tmin, tmax) = TFLiteFixedPoint.range(of: x.dataType) else { throw call.unsupported(x.dataType) }
            let m1 = TFLiteFixedPoint.quantizeMultiplier(Double(qx.scale / qo.scale))
            let m2 = TFLiteFixedPoint.quantizeMultiplier(Double(qx.scale * qa.scale / qo.scale))
            let y = (0..<ix.count).map { i -> Int32 in
                let v = xs[ix[i]] - qx.zeroPoint
                let r = v >= 0 ? TFLiteFixedPoint.multiply(v, by: m1.multiplier, shift: m1.shift)
                    : TFLiteFixedPoint.multiply(v &* (al[ia[i]] - qa.zeroPoint), by: m2.multiplier, shift: m2.shift)
                return TFLiteInts.clamp(r &+ qo.zeroPoint, tmin, tmax)
            }
            return [.tensor(TFLiteInts.array(y, type: x.dataType, shape: shape))]
        default:
            throw call.unsupported(x.dataType)
        }
    }
}
