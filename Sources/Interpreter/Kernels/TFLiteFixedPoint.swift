import ModelIR

/// TFLite's integer requantization arithmetic (the double-rounding build of
/// `tflite/kernels/internal/common.h`) and the gemmlowp fixed-point functions its reference kernels use.
///
/// Every function reproduces the reference results bit for bit, including the rounding of ties and
/// the saturation corners; wrapping operators stand in for C's (undefined but wrapping) overflow.
public enum TFLiteFixedPoint {
    // MARK: Multipliers

    /// A real multiplier as a Q0.31 significand and a power-of-two exponent (`QuantizeMultiplier`).
    public static func quantizeMultiplier(_ m: Double) -> (multiplier: Int32, shift: Int) {
        FixedPointRequantization.quantizeMultiplier(m)
    }

    /// `QuantizeMultiplierGreaterThanOne`'s multiplier and left shift for the softmax input scaling
    /// (`PreprocessSoftmaxScaling`): `beta * inputScale * 2^(31 - integerBits)`, capped at 2^31 - 1.
    public static func softmaxInputScaling(beta: Double, inputScale: Double, integerBits: Int) -> (multiplier: Int32, leftShift: Int) {
        let real = min(beta * inputScale * Double(1 << (31 - integerBits)), Double((Int64(1) << 31) - 1))
        let q = quantizeMultiplier(real)
        return (q.multiplier, q.shift)
    }

    /// `CalculateInputRadius`: the largest input difference that still matters after scaling.
    public static func inputRadius(integerBits: Int, leftShift: Int, totalSignedBits: Int = 31) -> Int {
        let maxRescaled = 1.0 * Double((1 << integerBits) - 1) * Double(Int64(1) << (totalSignedBits - integerBits))
            / Double(Int64(1) << leftShift)
        return Int(maxRescaled.rounded(.down))
    }

    // MARK: Core integer operations

    /// gemmlowp `SaturatingRoundingDoublingHighMul`: the high 32 bits of `2ab`, rounded half away from zero.
    @inline(__always)
    public static func roundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == Int32.min { return Int32.max }
        let ab = Int64(a) * Int64(b)
        let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
        return Int32(truncatingIfNeeded: (ab + nudge) / (1 << 31))
    }

    /// gemmlowp `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest, ties away from zero.
    @inline(__always)
    public static func roundingDivideByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        let e = min(max(exponent, 0), 31)
        let mask = Int32(truncatingIfNeeded: (Int64(1) << e) - 1)
        let remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> e) &+ (remainder > threshold ? 1 : 0)
    }

    /// `MultiplyByQuantizedMultiplier` (double rounding): `x * multiplier / 2^31 * 2^shift`.
    @inline(__always)
    public static func multiply(_ x: Int32, by multiplier: Int32, shift: Int) -> Int32 {
        let left = shift > 0 ? shift : 0
        let right = shift > 0 ? 0 : -shift
        return roundingDivideByPOT(roundingDoublingHighMul(x &* (Int32(1) << left), multiplier), right)
    }

    /// The 64-bit-input `MultiplyByQuantizedMultiplier` (16x8 kernels): the multiplier reduced to
    /// 16 bits, one rounding shift.
    @inline(__always)
    public static func multiply(_ x: Int64, by multiplier: Int32, shift: Int) -> Int32 {
        let reduced = multiplier < 0x7FFF_0000 ? (Int64(multiplier) + (1 << 15)) >> 16 : 0x7FFF
        let totalShift = min(max(15 - shift, 1), 63)
        let r = (x &* reduced &+ (Int64(1) << (totalShift - 1))) >> totalShift
        return Int32(truncatingIfNeeded: r)
    }

    /// `MultiplyByQuantizedMultiplierGreaterThanOne`: a left shift, then the doubling high multiply.
    @inline(__always)
    public static func multiplyGreaterThanOne(_ x: Int32, by multiplier: Int32, leftShift: Int) -> Int32 {
        roundingDoublingHighMul(x &* (Int32(1) << leftShift), multiplier)
    }

    /// gemmlowp `SaturatingRoundingMultiplyByPOT`: a saturating left shift or a rounding right shift.
    @inline(__always)
    public static func saturatingRoundingMultiplyByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        if exponent == 0 { return x }
        if exponent < 0 { return roundingDivideByPOT(x, -exponent) }
        let threshold = Int32((1 << (31 - exponent)) - 1)
        if x > threshold { return Int32.max }
        if x < -threshold { return Int32.min }
        return x << exponent
    }

    /// gemmlowp `RoundingHalfSum`: `(a + b) / 2` rounded half away from zero.
    @inline(__always)
    public static func roundingHalfSum(_ a: Int32, _ b: Int32) -> Int32 {
        let sum = Int64(a) + Int64(b)
        let sign: Int64 = sum >= 0 ? 1 : -1
        return Int32(truncatingIfNeeded: (sum + sign) / 2)
    }

    // MARK: 16-bit operations (HARD_SWISH)

    /// The int16 `SaturatingRoundingDoublingHighMul`.
    @inline(__always)
    public static func roundingDoublingHighMul16(_ a: Int16, _ b: Int16) -> Int16 {
        if a == b && a == Int16.min { return Int16.max }
        let ab = Int32(a) * Int32(b)
        let nudge: Int32 = ab >= 0 ? (1 << 14) : (1 - (1 << 14))
        return Int16(truncatingIfNeeded: (ab + nudge) / (1 << 15))
    }

    /// TFLite's int16 `SaturatingDoublingHighMul` (truncating, no rounding nudge).
    @inline(__always)
    public static func doublingHighMul16(_ a: Int16, _ b: Int16) -> Int16 {
        if a == b && a == Int16.min { return Int16.max }
        return Int16(truncatingIfNeeded: (Int32(a) * Int32(b)) / (1 << 15))
    }

    /// TFLite's int16 `SaturatingLeftShift`.
    @inline(__always)
    public static func saturatingLeftShift16(_ x: Int16, _ amount: Int) -> Int16 {
        Int16(clamping: Int32(x) * (Int32(1) << min(max(amount, 0), 16)))
    }

    /// The int16 `RoundingDivideByPOT` (same values as the 32-bit one on the int16 range).
    @inline(__always)
    public static func roundingDivideByPOT16(_ x: Int16, _ exponent: Int) -> Int16 {
        Int16(truncatingIfNeeded: roundingDivideByPOT(Int32(x), min(exponent, 15)))
    }

    // MARK: gemmlowp fixed-point functions (raw int32 values)

    /// `exp(a)` for `a` in [-1/4, 0), as Q0.31 (`exp_on_interval_between_negative_one_quarter_and_0_excl`).
    static func expOnIntervalNegativeQuarterToZero(_ a: Int32) -> Int32 {
        let constantTerm: Int32 = 1895147668  // exp(-1/8)
        let oneThird: Int32 = 715827883
        let x = a &+ (1 << 28)  // a + 1/8
        let x2 = roundingDoublingHighMul(x, x)
        let x3 = roundingDoublingHighMul(x2, x)
        let x4 = roundingDoublingHighMul(x2, x2)
        let x4Over4 = saturatingRoundingMultiplyByPOT(x4, -2)
        let poly = saturatingRoundingMultiplyByPOT(roundingDoublingHighMul(x4Over4 &+ x3, oneThird) &+ x2, -1)
        return constantTerm &+ roundingDoublingHighMul(constantTerm, x &+ poly)
    }

    /// `exp(a)` for `a <= 0` given with `integerBits` integer bits, as Q0.31 (`exp_on_negative_values`).
    public static func expOnNegativeValues(_ a: Int32, integerBits: Int) -> Int32 {
        let fractionalBits = 31 - integerBits
        let oneQuarter = Int32(1) << (fractionalBits - 2)
        let mask = oneQuarter - 1
        let aModQuarterMinusQuarter = (a & mask) &- oneQuarter
        var result = expOnIntervalNegativeQuarterToZero(saturatingRoundingMultiplyByPOT(aModQuarterMinusQuarter, integerBits))
        let remainder = aModQuarterMinusQuarter &- a
        let barrel: [(exponent: Int, multiplier: Int32)] = [
            (-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535), (3, 720401), (4, 242),
        ]
        for (exponent, multiplier) in barrel where integerBits > exponent {
            let bit = Int32(1) << (fractionalBits + exponent)
            if remainder & bit != 0 { result = roundingDoublingHighMul(result, multiplier) }
        }
        if integerBits > 5 {
            let clamp = -(Int32(1) << (36 - integerBits))
            if a < clamp { result = 0 }
        }
        return a == 0 ? Int32.max : result
    }

    /// `1 / (1 + x)` for `x` in [0, 1], Q0.31 in and out (`one_over_one_plus_x_for_x_in_0_1`).
    public static func oneOverOnePlusX(_ a: Int32) -> Int32 {
        let halfDenominator = roundingHalfSum(a, Int32.max)
        let c48over17: Int32 = 1515870810  // Q2.29
        let cMinus32over17: Int32 = -1010580540  // Q2.29
        var x = c48over17 &+ roundingDoublingHighMul(halfDenominator, cMinus32over17)
        for _ in 0..<3 {
            let halfDenominatorTimesX = roundingDoublingHighMul(halfDenominator, x)
            let oneMinus = (Int32(1) << 29) &- halfDenominatorTimesX
            x = x &+ saturatingRoundingMultiplyByPOT(roundingDoublingHighMul(x, oneMinus), 2)
        }
        return saturatingRoundingMultiplyByPOT(x, 1)
    }

    /// TFLite `GetReciprocal`: `1 / x` for `x` with `integerDigits` integer bits, as a Q0.31 value and
    /// the number of bits it is scaled by.
    public static func reciprocal(_ x: Int32, integerDigits: Int) -> (value: Int32, bitsOverUnit: Int) {
        let headroomPlusOne = UInt32(bitPattern: x).leadingZeroBitCount
        let bitsOverUnit = integerDigits - headroomPlusOne
        let shiftedMinusOne = Int32(bitPattern: (UInt32(bitPattern: x) << UInt32(headroomPlusOne)) &- (UInt32(1) << 31))
        return (oneOverOnePlusX(shiftedMinusOne), bitsOverUnit)
    }

    // MARK: Activation ranges

    /// The representable range of a quantized element type.
    public static func range(of type: DataType) -> (min: Int32, max: Int32)? { FixedPointRequantization.range(of: type) }

    /// `CalculateActivationRangeQuantized`: the clamp range of a fused activation on a quantized output.
    public static func activationRange(_ activation: Int, scale: Float, zeroPoint: Int32, type: DataType) -> (min: Int32, max: Int32)? {
        FixedPointRequantization.activationRange(activation, scale: scale, zeroPoint: zeroPoint, type: type)
    }

    /// `CalculateActivationRange` for float outputs; nil for activations that are not a clamp.
    public static func floatActivationRange(_ activation: Int) -> (min: Float, max: Float)? {
        switch activation {
        case 0: return (-Float.greatestFiniteMagnitude, Float.greatestFiniteMagnitude)
        case 1: return (0, Float.greatestFiniteMagnitude)
        case 2: return (-1, 1)
        case 3: return (0, 6)
        default: return nil
        }
    }
}
