#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A floating-point type with the C math library's functions, so element-wise formulas are
/// written once for Float and Double and specialised for each.
protocol Real: BinaryFloatingPoint, Sendable {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func tan(_ x: Self) -> Self
    static func asin(_ x: Self) -> Self
    static func acos(_ x: Self) -> Self
    static func atan(_ x: Self) -> Self
    static func sinh(_ x: Self) -> Self
    static func cosh(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func asinh(_ x: Self) -> Self
    static func acosh(_ x: Self) -> Self
    static func atanh(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func fmod(_ x: Self, _ y: Self) -> Self
    /// 2^(significand bits): from here on every value is integral.
    static var integralThreshold: Self { get }
}

extension Real {
    /// x rounded to the nearest integer, halves to even, without branches (vectorisable).
    @inline(__always)
    static func roundedEven(_ x: Self) -> Self {
        let m = integralThreshold, a = x.magnitude
        let r = Self(signOf: x, magnitudeOf: (a + m) - m)
        return a < m ? r : x
    }

    /// ⌊x⌋ without branches.
    @inline(__always)
    static func floor(_ x: Self) -> Self {
        let r = roundedEven(x), one: Self = 1, zero: Self = 0
        return Self(signOf: x, magnitudeOf: r - (r > x ? one : zero))
    }

    /// ⌈x⌉ without branches.
    @inline(__always)
    static func ceil(_ x: Self) -> Self {
        let r = roundedEven(x), one: Self = 1, zero: Self = 0
        return Self(signOf: x, magnitudeOf: r + (r < x ? one : zero))
    }
}

// MARK: Float

extension Float: Real {
    static var integralThreshold: Float { 8_388_608 }
    @inline(__always) static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) static func sin(_ x: Float) -> Float { sinf(x) }
    @inline(__always) static func cos(_ x: Float) -> Float { cosf(x) }
    @inline(__always) static func tan(_ x: Float) -> Float { tanf(x) }
    @inline(__always) static func asin(_ x: Float) -> Float { asinf(x) }
    @inline(__always) static func acos(_ x: Float) -> Float { acosf(x) }
    @inline(__always) static func atan(_ x: Float) -> Float { atanf(x) }
    @inline(__always) static func sinh(_ x: Float) -> Float { sinhf(x) }
    @inline(__always) static func cosh(_ x: Float) -> Float { coshf(x) }
    @inline(__always) static func tanh(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) static func asinh(_ x: Float) -> Float { asinhf(x) }
    @inline(__always) static func acosh(_ x: Float) -> Float { acoshf(x) }
    @inline(__always) static func atanh(_ x: Float) -> Float { atanhf(x) }
    @inline(__always) static func erf(_ x: Float) -> Float { erff(x) }
    @inline(__always) static func log1p(_ x: Float) -> Float { log1pf(x) }
    @inline(__always) static func expm1(_ x: Float) -> Float { expm1f(x) }
    @inline(__always) static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    @inline(__always) static func fmod(_ x: Float, _ y: Float) -> Float { fmodf(x, y) }
}

// MARK: Double

extension Double: Real {
    static var integralThreshold: Double { 4_503_599_627_370_496 }
    @inline(__always) static func exp(_ x: Double) -> Double { libmExp(x) }
    @inline(__always) static func log(_ x: Double) -> Double { libmLog(x) }
    @inline(__always) static func sin(_ x: Double) -> Double { libmSin(x) }
    @inline(__always) static func cos(_ x: Double) -> Double { libmCos(x) }
    @inline(__always) static func tan(_ x: Double) -> Double { libmTan(x) }
    @inline(__always) static func asin(_ x: Double) -> Double { libmAsin(x) }
    @inline(__always) static func acos(_ x: Double) -> Double { libmAcos(x) }
    @inline(__always) static func atan(_ x: Double) -> Double { libmAtan(x) }
    @inline(__always) static func sinh(_ x: Double) -> Double { libmSinh(x) }
    @inline(__always) static func cosh(_ x: Double) -> Double { libmCosh(x) }
    @inline(__always) static func tanh(_ x: Double) -> Double { libmTanh(x) }
    @inline(__always) static func asinh(_ x: Double) -> Double { libmAsinh(x) }
    @inline(__always) static func acosh(_ x: Double) -> Double { libmAcosh(x) }
    @inline(__always) static func atanh(_ x: Double) -> Double { libmAtanh(x) }
    @inline(__always) static func erf(_ x: Double) -> Double { libmErf(x) }
    @inline(__always) static func log1p(_ x: Double) -> Double { libmLog1p(x) }
    @inline(__always) static func expm1(_ x: Double) -> Double { libmExpm1(x) }
    @inline(__always) static func pow(_ x: Double, _ y: Double) -> Double { libmPow(x, y) }
    @inline(__always) static func fmod(_ x: Double, _ y: Double) -> Double { libmFmod(x, y) }
}

// The C double functions, reachable from inside `extension Double` where the names are shadowed.
@inline(__always) private func libmExp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func libmLog(_ x: Double) -> Double { log(x) }
@inline(__always) private func libmSin(_ x: Double) -> Double { sin(x) }
@inline(__always) private func libmCos(_ x: Double) -> Double { cos(x) }
@inline(__always) private func libmTan(_ x: Double) -> Double { tan(x) }
@inline(__always) private func libmAsin(_ x: Double) -> Double { asin(x) }
@inline(__always) private func libmAcos(_ x: Double) -> Double { acos(x) }
@inline(__always) private func libmAtan(_ x: Double) -> Double { atan(x) }
@inline(__always) private func libmSinh(_ x: Double) -> Double { sinh(x) }
@inline(__always) private func libmCosh(_ x: Double) -> Double { cosh(x) }
@inline(__always) private func libmTanh(_ x: Double) -> Double { tanh(x) }
@inline(__always) private func libmAsinh(_ x: Double) -> Double { asinh(x) }
@inline(__always) private func libmAcosh(_ x: Double) -> Double { acosh(x) }
@inline(__always) private func libmAtanh(_ x: Double) -> Double { atanh(x) }
@inline(__always) private func libmErf(_ x: Double) -> Double { erf(x) }
@inline(__always) private func libmLog1p(_ x: Double) -> Double { log1p(x) }
@inline(__always) private func libmExpm1(_ x: Double) -> Double { expm1(x) }
@inline(__always) private func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inline(__always) private func libmFmod(_ x: Double, _ y: Double) -> Double { fmod(x, y) }
