import ModelIR

/// TFLite QUANTIZE (float → int, and int → int requantization) and DEQUANTIZE (int and float16 →
/// float32) as the reference kernels compute them.
enum TFLiteQuantizeKernels {
    static var table: [String: Kernel] {
        [
            "tflite::QUANTIZE": quantize,
            "tflite::DEQUANTIZE": dequantize,
        ]
    }

    // MARK: QUANTIZE

    /// Float inputs: `round(x / scale) + zero_point` (float division, ties away from zero), per
    /// tensor or per channel. Integer inputs: fixed-point rescaling by `in_scale / out_scale`.
    static let quantize: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        let outQ = try call.tflQuant(output: 0)
        guard let outType = call.outputElementType(0), let (lo, hi) = TFLiteFixedPoint.range(of: outType) else {
            throw call.invalid("QUANTIZE needs a declared integer output type")
        }
        switch x.dataType {
        case .float, .float16:
            let xs = try TFLiteFloats.values(x, call)
            var y = [Int32](repeating: 0, count: xs.count)
            if outQ.scales.count > 1 {
                guard let q = call.outputQuantization(0) else { throw call.invalid("output needs quantization parameters") }
                let channel = try channelIndex(call, shape: x.shape, axis: q.axis, count: q.scales.count)
                for i in xs.indices {
                    let c = channel(i)
                    let zp = Int32(clamping: c < q.zeroPoints.count ? q.zeroPoints[c] : 0)
                    y[i] = TFLiteInts.clamp(TFLiteInts.saturating(Double((xs[i] / q.scales[c]).rounded())) &+ zp, lo, hi)
                }
            } else {
                for i in xs.indices {
                    y[i] = TFLiteInts.clamp(TFLiteInts.saturating(Double((xs[i] / outQ.scale).rounded())) &+ outQ.zeroPoint, lo, hi)
                }
            }
            return [.tensor(TFLiteInts.array(y, type: outType, shape: x.shape))]
        case .int8, .uint8, .int16, .int32:
            let inQ = try call.tflQuant(input: 0)
            let m = TFLiteFixedPoint.quantizeMultiplier(Double(inQ.scale) / Double(outQ.scale))
            let y = try TFLiteInts.values(x, call).map { v in
                TFLiteInts.clamp(TFLiteFixedPoint.multiply(v &- inQ.zeroPoint, by: m.multiplier, shift: m.shift) &+ outQ.zeroPoint, lo, hi)
            }
            return [.tensor(TFLiteInts.array(y, type: outType, shape: x.shape))]
        default:
            throw call.unsupported(x.dataType)
        }
    }

    /// For per-channel parameters along `axis` of an array of `shape`, a map from flat index to channel.
    static func channelIndex(_ call: KernelCall, shape: [Int], axis: Int, count: Int) throws(InterpreterError) -> (Int) -> Int {
        guard axis >= 0, axis < shape.count, shape[axis] == count else {
            throw call.invalid("\(count) quantization scales do not match axis \(axis) of shape \(shape)")
        }
        let inner = shape[(axis + 1)...].reduce(1, *)
        return { ($0 / inner) % count }
    }

    // MARK: DEQUANTIZE

    /// `scale * (q - zero_point)` (per tensor or per channel); float16 widens exactly.
    static let dequantize: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        switch x.dataType {
        case .float16, .float:
            return [.tensor(NDArray(shape: x.shape, floats: try TFLiteFloats.values(x, call)))]
        case .int8, .uint8, .int16, .int32:
            guard let q = call.inputQuantization(0) else { throw call.invalid("input 0 needs quantization parameters") }
            let xs = try TFLiteInts.values(x, call)
            var y = [Float](repeating: 0, count: xs.count)
            if q.scales.count > 1 {
                let channel = try channelIndex(call, shape: x.shape, axis: q.axis, count: q.scales.count)
                for i in xs.indices {
                    let c = channel(i)
                    let zp = Int32(clamping: c < q.zeroPoints.count ? q.zeroPoints[c] : 0)
                    y[i] = q.scales[c] * Float(xs[i] - zp)
                }
            } else {
                let p = TFLiteQuant(q)
                let scale = Double(p.scale)
                for i in xs.indices { y[i] = Float(scale * Double(xs[i] - p.zeroPoint)) }
            }
            return [.tensor(NDArray(shape: x.shape, floats: y))]
        default:
            throw call.unsupported(x.dataType)
        }
    }
}
