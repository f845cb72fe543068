import ModelIR
import Passes

/// ONNX integer arithmetic that reproduces TFLite's fixed-point requantization bit for bit
/// (`MultiplyByQuantizedMultiplier` with its double rounding), for the exact int8 lowerings.
///
/// All intermediate values are int64, so nothing wraps; TFLite computes the same values in int32.
extension LoweringContext {
    /// The per-tensor quantization of an int8 value: (scale, zero point), nil otherwise.
    func int8Quantization(_ value: String) -> (scale: Float, zeroPoint: Int64)? {
        guard !value.isEmpty, dataType(value) == .int8, let q = quantization(value), q.scales.count == 1, q.details == nil,
              q.scales[0].isFinite, q.scales[0] > 0 else { return nil }
        // A zero point outside int8 is no int8 quantization (LiteRT's kernels would refuse it too).
        let zeroPoint = q.zeroPoints.first ?? 0
        return (-128...127).contains(zeroPoint) ? (q.scales[0], zeroPoint) : nil
    }

    /// An int64 constant: a scalar for one value, else one value per channel of the last axis.
    func perChannel(_ hint: String, _ values: [Int64]) -> String {
        values.count == 1 ? int64s(hint, values, shape: []) : int64s(hint, values)
    }

    /// `MultiplyByQuantizedMultiplier(x, multiplier, shift)` on an int64 value, one multiplier per
    /// channel of the last axis (or one for all): a left shift, the rounding doubling high multiply
    /// (`floor((x·m + 2^30) / 2^31)`), then a rounding right shift (ties away from zero).
    func fixedPointMultiply(_ value: String, by multipliers: [(multiplier: Int32, shift: Int)]) -> String {
        var v = value
        let left = multipliers.map { Int64(1) << Int64(max($0.shift, 0)) }
        if left.contains(where: { $0 != 1 }) { v = emit("Mul", [v, perChannel("left_shift", left)]) }
        v = emit("Mul", [v, perChannel("multiplier", multipliers.map { Int64($0.multiplier) })])
        let nudged = emit("Add", [v, int64s("nudge", [1 << 30], shape: [])])
        let unit = int64s("two_pow_31", [1 << 31], shape: [])
        let remainder = emit("Mod", [nudged, unit])  // fmod = 0: the sign of the divisor, so floor division below
        let high = emit("Div", [emit("Sub", [nudged, remainder]), unit])
        let right = multipliers.map { Int64(min(max(-$0.shift, 0), 31)) }
        guard right.contains(where: { $0 > 0 }) else { return high }
        let half = perChannel("half", right.map { $0 > 0 ? Int64(1) << ($0 - 1) : 0 })
        return roundingDivide(high, by: perChannel("divisor", right.map { Int64(1) << $0 }), half: half)
    }

    /// Integer division rounded half away from zero (`(v ± n/2) / n` in C), `n` a positive int64 value.
    func roundingDivide(_ value: String, by n: String, half: String) -> String {
        let magnitude = emit("Div", [emit("Add", [emit("Abs", [value]), half]), n])
        return emit("Mul", [magnitude, emit("Sign", [value])])
    }

    /// Adds the output zero point, clamps to `range` and casts to `type`, writing `output`.
    func finishQuantized(_ value: String, zeroPoint: Int64, range: (min: Int32, max: Int32), type: DataType, into output: String) {
        var v = value
        if zeroPoint != 0 { v = emit("Add", [v, int64s("zero_point", [zeroPoint], shape: [])]) }
        v = emit("Max", [v, int64s("low", [Int64(range.min)], shape: [])])
        v = emit("Min", [v, int64s("high", [Int64(range.max)], shape: [])])
        emit("Cast", [v], outputs: [output], [Attribute(name: "to", value: .int(Int64(type.rawValue)))])
    }

    /// Casts a value to int64.
    func toInt64(_ value: String) -> String {
        emit("Cast", [value], [Attribute(name: "to", value: .int(Int64(DataType.int64.rawValue)))])
    }

    /// A scalar constant of the value's integer type holding `zeroPoint` (ConvInteger / MatMulInteger zero points).
    func int8Scalar(_ hint: String, _ v: Int64) -> String {
        constant(hint, Tensor(name: nil, dataType: .int8, dims: [], contents: .bytes(ByteView(copying: [UInt8(bitPattern: Int8(truncatingIfNeeded: v))]))))
    }
}
