import Foundation
import ModelIR

/// TFLite SOFTMAX, LOGISTIC, TANH and HARD_SWISH as the reference kernels compute them: 8-bit softmax
/// in gemmlowp fixed point, 8-bit logistic/tanh through a 256-entry table, 8-bit hard-swish in
/// 16-bit fixed point.
enum TFLiteActivationKernels {
    static var table: [String: Kernel] {
        [
            "tflite::SOFTMAX": softmax,
            "tflite::LOGISTIC": { call throws(InterpreterError) in [.tensor(try logisticOrTanh(call, tanh: false))] },
            "tflite::TANH": { call throws(InterpreterError) in [.tensor(try logisticOrTanh(call, tanh: true))] },
            "tflite::HARD_SWISH": hardSwish,
        ]
    }

    // MARK: SOFTMAX

    /// Softmax over the last dimension with `beta`; 8-bit inputs give outputs of the declared type
    /// (int8/uint8/int16), whose quantization TFLite fixes at 1/256 (1/32768) from the type minimum.
    static let softmax: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        guard let depth = x.shape.last, depth > 0 else { throw call.invalid("softmax needs a non-empty last dimension") }
        let beta = call.float("beta", default: 1)
        let rows = x.count / depth
        switch x.dataType {
        case .float, .float16:
            let xs = try TFLiteFloats.values(x, call)
            var y = [Float](repeating: 0, count: xs.count)
            for r in 0..<rows {
                let base = r * depth
                var m = -Float.greatestFiniteMagnitude
                for c in 0..<depth { m = max(m, xs[base + c]) }
                var sum: Float = 0
                for c in 0..<depth {
                    let e = Foundation.exp((xs[base + c] - m) * beta)
                    y[base + c] = e
                    sum += e
                }
                for c in 0..<depth { y[base + c] /= sum }
            }
            return [.tensor(NDArray(shape: x.shape, floats: y))]
        case .int16:
            let inQ = try call.tflQuant(input: 0)
            let y = Int16Softmax(inputScale: inQ.scale, beta: beta).apply(try TFLiteInts.values(x, call), depth: depth)
            return [.tensor(TFLiteInts.array(y, type: .int16, shape: x.shape))]
        case .int8, .uint8:
            let outType = call.tflOutputType(fallback: x.dataType)
            guard let (omin, omax) = TFLiteFixedPoint.range(of: outType), outType != .int32 else { throw call.unsupported(outType) }
            let inQ = try call.tflQuant(input: 0)
            let xs = try TFLiteInts.values(x, call)
            let y = quantizedSoftmax(xs, depth: depth, beta: Double(beta), inputScale: Double(inQ.scale),
                                     outputBits: outType == .int16 ? 16 : 8, outputMin: omin, outputMax: omax)
            return [.tensor(TFLiteInts.array(y, type: outType, shape: x.shape))]
        default:
            throw call.unsupported(x.dataType)
        }
    }

    /// The reference 8-bit softmax: input differences scaled to Q5.26, `exp` in Q0.31, sums in
    /// Q12.19, one fixed-point reciprocal per row; `outputMin` is the output type's minimum.
    static func quantizedSoftmax(_ xs: [Int32], depth: Int, beta: Double, inputScale: Double, outputBits: Int,
                                 outputMin: Int32, outputMax: Int32) -> [Int32] {
        typealias FP = TFLiteFixedPoint
        let scaledDiffIntegerBits = 5, accumulationIntegerBits = 12
        let (multiplier, leftShift) = FP.softmaxInputScaling(beta: beta, inputScale: inputScale, integerBits: scaledDiffIntegerBits)
        let diffMin = -FP.inputRadius(integerBits: scaledDiffIntegerBits, leftShift: leftShift)
        var y = [Int32](repeating: outputMin, count: xs.count)
        for r in 0..<(xs.count / depth) {
            let base = r * depth
            var maxIn = Int32.min
            for c in 0..<depth { maxIn = max(maxIn, xs[base + c]) }
            var sum: Int32 = 0
            for c in 0..<depth {
                let diff = xs[base + c] - maxIn
                guard diff >= diffMin else { continue }
                let scaled = FP.multiplyGreaterThanOne(diff, by: multiplier, leftShift: leftShift)
                let e = FP.expOnNegativeValues(scaled, integerBits: scaledDiffIntegerBits)
                sum = sum &+ FP.saturatingRoundingMultiplyByPOT(e, -accumulationIntegerBits)
            }
            let (scale, bitsOverUnit) = FP.reciprocal(sum, integerDigits: accumulationIntegerBits)
            let exponent = min(max(bitsOverUnit + 31 - outputBits, 0), 31)
            for c in 0..<depth {
                let diff = xs[base + c] - maxIn
                guard diff >= diffMin else { continue }
                let scaled = FP.multiplyGreaterThanOne(diff, by: multiplier, leftShift: leftShift)
                let e = FP.expOnNegativeValues(scaled, integerBits: scaledDiffIntegerBits)
                let unsat = FP.roundingDivideByPOT(FP.roundingDoublingHighMul(scale, e), exponent)
                y[base + c] = TFLiteInts.clamp(unsat &+ outputMin, outputMin, outputMax)
            }
        }
        return y
    }

    /// The reference int16 softmax: `exp` and `1 / (1 + x)` from 513-entry interpolated tables.
    struct Int16Softmax {
        var expTable: [Int16], reciprocalTable: [Int16]
        var multiplier: Int32, shift: Int

        init(inputScale: Float, beta: Float) {
            let range = 65535.0
            expTable = Self.table(inputScale: 10 / range, inputZeroPoint: 32767, outputScale: 2 / range) { Foundation.exp($0) }
            reciprocalTable = Self.table(inputScale: 1 / range, inputZeroPoint: -32768, outputScale: 2 / range) { 1 / (1 + $0) }
            (multiplier, shift) = TFLiteFixedPoint.quantizeMultiplier(Double(inputScale * beta) / (10.0 / 65535.0))
        }

        /// `LUTPopulate<int16_t>` in double: 512 samples corrected by half their midpoint error, plus the end point.
        static func table(inputScale: Double, inputZeroPoint: Int, outputScale: Double, _ f: (Double) -> Double) -> [Int16] {
            let inMin = inputScale * Double(-32768 - inputZeroPoint), inMax = inputScale * Double(32767 - inputZeroPoint)
            let outMin = outputScale * -32768.0, outMax = outputScale * 32767.0
            let step = (inMax - inMin) / 512, half = step / 2
            let inverse = 65536.0 / (outMax - outMin)
            func clamp(_ v: Double) -> Int16 { Int16(min(max(v, -32768), 32767)) }
            var lut = (0..<512).map { i -> Int16 in
                let v = f(inMin + Double(i) * step), mid = f(inMin + Double(i) * step + half), next = f(inMin + Double(i + 1) * step)
                let sample = (v * inverse).rounded()
                let interpolated = ((next * inverse + (v * inverse).rounded()) / 2).rounded()
                let bias = ((interpolated - (mid * inverse).rounded()) / 2).rounded()
                return clamp(sample - bias)
            }
            lut.append(clamp((f(inMax) * inverse).rounded()))
            return lut
        }

        /// `LUTLookup`: the high 9 bits index the table, the low 7 interpolate.
        static func lookup(_ v: Int16, _ lut: [Int16]) -> Int16 {
            let index = 256 + Int(v >> 7)
            let base = Int32(lut[index]), slope = Int32(lut[index + 1]) - base
            return Int16(truncatingIfNeeded: base + ((slope * Int32(v & 0x7f) + 64) >> 7))
        }

        func apply(_ xs: [Int32], depth: Int) -> [Int32] {
            var y = [Int32](repeating: 0, count: xs.count)
            for r in 0..<(xs.count / depth) {
                let base = r * depth
                var maxIn = Int32.min
                for c in 0..<depth { maxIn = max(maxIn, xs[base + c]) }
                var exps = [Int32](repeating: 0, count: depth)
                var sum: Int32 = 0
                for c in 0..<depth {
                    let scaled = TFLiteFixedPoint.multiply(xs[base + c] - maxIn, by: multiplier, shift: shift)
                    exps[c] = Int32(Self.lookup(Int16(TFLiteInts.clamp(scaled &+ 32767, -32768, 32767)), expTable))
                    sum &+= exps[c]
                }
                let headroomPlusOne = UInt32(bitPattern: sum).leadingZeroBitCount
                let shifted = ((Int64(sum) << max(headroomPlusOne - 1, 0)) + (1 << 13)) >> 14
                let symmetric = TFLiteInts.clamp(Int32(truncatingIfNeeded: shifted) - ((1 << 15) + (1 << 16)), -32768, 32767)
                let reciprocal = Int64(Self.lookup(Int16(symmetric), reciprocalTable))
                let rightShift = 31 - headroomPlusOne
                let round: Int64 = rightShift > 0 ? 1 << (rightShift - 1) : 0
                for c in 0..<depth {
                    let v = (Int64(exps[c]) * reciprocal + round) >> max(rightShift, 0)
                    y[base + c] = Int32(min(max(v, 0), 32767))
                }
            }
            return y
        }
    }

    // MARK: LOGISTIC / TANH

    /// Float logistic/tanh; 8-bit inputs through the 256-entry table TFLite fills from float math.
    static func logisticOrTanh(_ call: KernelCall, tanh: Bool) throws(InterpreterError) -> NDArray {
        let x = try call.tensor(0)
        switch x.dataType {
        case .float, .float16:
            // The array functions ONNX Tanh/Sigmoid use, so both dialects compute the same values;
            // the logistic keeps TFLite's cut-offs (1 above 16.62, exp(x) below −9).
            let xs = try TFLiteFloats.values(x, call)
            var y = VectorMath.apply(tanh ? VectorMath.tanh : VectorMath.sigmoid, xs)
            if !tanh {
                for (i, v) in xs.enumerated() where v > 16.619047164916992188 || v < -9 {
                    y[i] = v > 0 ? 1 : Foundation.exp(v)
                }
            }
            return NDArray(shape: x.shape, floats: y)
        case .int8, .uint8:
            let inQ = try call.tflQuant(input: 0), outQ = try call.tflQuant(output: 0)
            let table = lookupTable(x.dataType, input: inQ, output: outQ) { v in
                tanh ? Foundation.tanh(v) : 1 / (1 + Foundation.exp(-v))
            }
            let lo: Int32 = x.dataType == .int8 ? -128 : 0
            let y = try TFLiteInts.values(x, call).map { table[Int($0 - lo)] }
            return TFLiteInts.array(y, type: x.dataType, shape: x.shape)
        case .int16:
            // TFLite interpolates a fixed 256-entry sigmoid table here; exact float math rounded to the
            // output scale stays within one step of it.
            let inQ = try call.tflQuant(input: 0), outQ = try call.tflQuant(output: 0)
            let y = try TFLiteInts.values(x, call).map { v -> Int32 in
                let r = Double(inQ.scale) * Double(v - inQ.zeroPoint)
                let f = tanh ? Foundation.tanh(r) : 1 / (1 + Foundation.exp(-r))
                return TFLiteInts.clamp(TFLiteInts.saturating((f / Double(outQ.scale)).rounded()) &+ outQ.zeroPoint, -32768, 32767)
            }
            return TFLiteInts.array(y, type: .int16, shape: x.shape)
        default:
            throw call.unsupported(x.dataType)
        }
    }

    /// `LUTPopulate`: the output for every value of an 8-bit type, indexed from the type's minimum.
    static func lookupTable(_ type: DataType, input: TFLiteQuant, output: TFLiteQuant, _ f: (Float) -> Float) -> [Int32] {
        let (lo, hi): (Int32, Int32) = type == .int8 ? (-128, 127) : (0, 255)
        let inverseScale = 1 / output.scale
        return (lo...hi).map { v in
            let dequantized = input.scale * Float(v - input.zeroPoint)
            let rescaled = (f(dequantized) * inverseScale).rounded()
            let q = rescaled + Float(output.zeroPoint)
            let quantized = TFLiteInts.saturating(Double(q))
            return TFLiteInts.clamp(quantized, lo, hi)
        }
    }

    // MARK: HARD_SWISH

    /// `x * relu6(x + 3) / 6`; 8-bit inputs use TFLite's 16-bit fixed-point evaluation.
    static let hardSwish: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        switch x.dataType {
        case .float, .float16:
            let xs = try TFLiteFloats.values(x, call)
            return [.tensor(NDArray(shape: x.shape, floats: xs.map { v in v * min(6, max(0, v + 3)) / 6 }))]
        case .int8, .uint8:
            let inQ = try call.tflQuant(input: 0), outQ = try call.tflQuant(output: 0)
            guard let (tmin, tmax) = TFLiteFixedPoint.range(of: x.dataType) else { throw call.unsupported(x.dataType) }
            let p = HardSwishParams(input: inQ, output: outQ)
            guard p.outputExponent <= 0 else { throw call.invalid("HARD_SWISH output multiplier exponent must be <= 0") }
            let y = try TFLiteInts.values(x, call).map { v in
                TFLiteInts.clamp(Int32(p.apply(Int16(truncatingIfNeeded: v - inQ.zeroPoint))) + outQ.zeroPoint, tmin, tmax)
            }
            return [.tensor(TFLiteInts.array(y, type: x.dataType, shape: x.shape))]
        default:
            throw call.unsupported(x.dataType)
        }
    }

    /// The 16-bit multipliers of quantized HARD_SWISH (`HardSwishPrepare`).
    struct HardSwishParams {
        var outputMultiplier: Int16, outputExponent: Int
        var reluishMultiplier: Int16, reluishExponent: Int

        init(input: TFLiteQuant, output: TFLiteQuant) {
            let hiresInputScale = (1 / Float(128)) * input.scale
            let reluishScale = Float(3) / 32768
            let o = TFLiteFixedPoint.quantizeMultiplier(Double(hiresInputScale / output.scale))
            let r = TFLiteFixedPoint.quantizeMultiplier(Double(hiresInputScale / reluishScale))
            (outputMultiplier, outputExponent) = (Self.downscale(o.multiplier), o.shift)
            (reluishMultiplier, reluishExponent) = (Self.downscale(r.multiplier), r.shift)
        }

        /// `DownScaleInt32ToInt16Multiplier`.
        static func downscale(_ m: Int32) -> Int16 {
            if m >= Int32.max - (1 << 15) { return Int16.max }
            return Int16(truncatingIfNeeded: (m + (1 << 15)) >> 16)
        }

        /// The output (before the zero point) for an input value with its zero point removed.
        func apply(_ input: Int16) -> Int16 {
            typealias FP = TFLiteFixedPoint
            let hires = input &* (1 << 7)
            let preshiftOutput = FP.roundingDoublingHighMul16(hires, outputMultiplier)
            var reluish = hires
            if reluishExponent > 0 { reluish = FP.saturatingLeftShift16(reluish, reluishExponent - 1) }
            reluish = FP.roundingDoublingHighMul16(reluish, reluishMultiplier)
            if reluishExponent > 0 { reluish = FP.saturatingLeftShift16(reluish, 1) }
            if reluishExponent < 0 { reluish = FP.roundingDivideByPOT16(reluish, -reluishExponent) }
            reluish = Int16(truncatingIfNeeded: (Int32(reluish) + (1 << 15)) >> 1)
            let preshift = FP.doublingHighMul16(reluish, preshiftOutput)
            return FP.roundingDivideByPOT16(preshift, -outputExponent)
        }
    }
}
