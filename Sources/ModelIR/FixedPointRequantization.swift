/// The integer requantization facts shared by the TFLite kernels and the exact TFLite→ONNX lowering:
/// real multipliers as Q0.31 fixed point, representable ranges, and clamp ranges of fused activations.
public enum FixedPointRequantization {
    /// A real multiplier as a Q0.31 significand and a power-of-two exponent (TFLite `QuantizeMultiplier`):
    /// `m ≈ multiplier / 2^31 * 2^shift`; tiny multipliers (shift < -31) flush to (0, 0).
    public static func quantizeMultiplier(_ m: Double) -> (multiplier: Int32, shift: Int) {
        guard m != 0, m.isFinite else { return (0, 0) }
        // frexp: m = q * 2^shift with |q| in [0.5, 1).
        var shift = Int(m.exponent) + 1
        let q = (m.sign == .minus ? -m.significand : m.significand) / 2
        var fixed = Int64((q * 2147483648.0).rounded())
        if fixed == 1 << 31 {
            fixed /= 2
            shift += 1
        }
        if shift < -31 { return (0, 0) }
        return (Int32(clamping: fixed), shift)
    }

    /// The representable range of a quantized element type.
    public static func range(of type: DataType) -> (min: Int32, max: Int32)? {
        switch type {
        case .int8: return (-128, 127)
        case .uint8: return (0, 255)
        case .int16: return (-32768, 32767)
        case .int32: return (Int32.min, Int32.max)
        default: return nil
        }
    }

    /// The clamp range of a TFLite fused activation (`ActivationFunctionType`: 0 none, 1 RELU,
    /// 2 RELU_N1_TO_1, 3 RELU6) on a quantized output (`CalculateActivationRangeQuantized`:
    /// the bounds are quantized with round half away from zero); nil for other activations.
    public static func activationRange(_ activation: Int, scale: Float, zeroPoint: Int32, type: DataType) -> (min: Int32, max: Int32)? {
        guard let (qmin, qmax) = range(of: type) else { return nil }
        let quantize = { (f: Float) -> Int32 in
            let q = (f / scale).rounded()
            return zeroPoint &+ (q.isNaN ? 0 : Int32(max(min(Double(q), 2147483647), -2147483648)))
        }
        switch activation {
        case 0: return (qmin, qmax)
        case 1: return (max(qmin, quantize(0)), qmax)
        case 2: return (max(qmin, quantize(-1)), min(qmax, quantize(1)))
        case 3: return (max(qmin, quantize(0)), min(qmax, quantize(6)))
        default: return nil
        }
    }
}
