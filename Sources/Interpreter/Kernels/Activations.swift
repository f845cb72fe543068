import ModelIR

/// Activation functions: Relu family, sigmoids, soft functions, Shrink and Clip.
enum ActivationKernels {
    static var table: [String: Kernel] {
        [
            "Relu": Elementwise.numeric(Rectifier()),
            "LeakyRelu": withAttributes { LeakyRectifier(alpha: $0.doubleAttribute("alpha", 0.01)) },
            "PRelu": Elementwise.binary(ParametricRectifier()),
            "Elu": withAttributes { ExponentialLinear(alpha: $0.doubleAttribute("alpha", 1)) },
            "Selu": withAttributes {
                ScaledExponentialLinear(alpha: $0.doubleAttribute("alpha", 1.67326319217681884765625),
                                        gamma: $0.doubleAttribute("gamma", 1.05070102214813232421875))
            },
            "Celu": withAttributes { ContinuousExponentialLinear(alpha: $0.doubleAttribute("alpha", 1)) },
            "Sigmoid": VectorMath.kernel(VectorMath.sigmoid, else: Sigmoid()),
            "HardSigmoid": withAttributes { HardSigmoid(alpha: $0.doubleAttribute("alpha", 0.2), beta: $0.doubleAttribute("beta", 0.5)) },
            "HardSwish": Elementwise.real(HardSwish()),
            "Softplus": Elementwise.real(Softplus()),
            "Softsign": Elementwise.real(Softsign()),
            "Tanh": VectorMath.kernel(VectorMath.tanh, else: HyperbolicTangent()),
            "ThresholdedRelu": withAttributes { ThresholdedRectifier(alpha: $0.doubleAttribute("alpha", 1)) },
            "Shrink": shrink,
            "Clip": Clip.kernel,
        ]
    }

    /// A real-typed kernel whose function is built from the node's attributes.
    static func withAttributes<F: RealFunction>(_ make: @escaping @Sendable (KernelCall) -> F) -> Kernel {
        { call throws(InterpreterError) in [.tensor(try Elementwise.mapReal(call, try call.tensor(0), make(call)))] }
    }

    /// Shrink (all numeric types).
    static let shrink: Kernel = { call throws(InterpreterError) in
        let f = Shrink(bias: call.doubleAttribute("bias", 0), lambd: call.doubleAttribute("lambd", 0.5))
        return [.tensor(try Elementwise.mapNumeric(call, try call.tensor(0), f))]
    }
}

extension KernelCall {
    /// A float attribute widened to Double (so Float computations see the exact attribute value).
    func doubleAttribute(_ name: String, _ value: Double) -> Double {
        if case .float(let v)? = attribute(name) { return Double(v) }
        return value
    }
}

extension ActivationKernels {
    // MARK: Rectifiers

    /// max(x, 0).
    struct Rectifier: NumericFunction {
        func callAsFunction<T: Real>(_ x: T) -> T {
            let zero: T = 0  // one named constant keeps the select branch-free (vectorisable)
            return x < zero ? zero : x
        }
        func integer<T: FixedWidthInteger>(_ x: T) -> T { x < 0 ? 0 : x }
    }

    /// x, or alpha·x below 0.
    struct LeakyRectifier: RealFunction {
        let alpha: Double
        func callAsFunction<T: Real>(_ x: T) -> T { x < 0 ? T(alpha) * x : x }
    }

    /// x, or slope·x below 0 (slope broadcast against x).
    struct ParametricRectifier: NumericBinaryOp {
        func real<T: Real>(_ a: T, _ b: T) -> T { a < 0 ? a * b : a }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a < 0 ? a &* b : a }
    }

    /// x above alpha, else 0.
    struct ThresholdedRectifier: RealFunction {
        let alpha: Double
        func callAsFunction<T: Real>(_ x: T) -> T {
            let threshold = T(alpha), zero: T = 0
            return x > threshold ? x : zero
        }
    }

    // MARK: Exponential units

    /// x, or alpha·(eˣ − 1) below 0.
    struct ExponentialLinear: RealFunction {
        let alpha: Double
        func callAsFunction<T: Real>(_ x: T) -> T { x < 0 ? T(alpha) * T.expm1(x) : x }
    }

    /// gamma·x, or gamma·alpha·(eˣ − 1) at or below 0.
    struct ScaledExponentialLinear: RealFunction {
        let alpha: Double, gamma: Double
        func callAsFunction<T: Real>(_ x: T) -> T {
            x > 0 ? T(gamma) * x : T(gamma) * (T(alpha) * T.exp(x) - T(alpha))
        }
    }

    /// max(0, x) + min(0, alpha·(e^(x/alpha) − 1)).
    struct ContinuousExponentialLinear: RealFunction {
        let alpha: Double
        func callAsFunction<T: Real>(_ x: T) -> T {
            let a = T(alpha)
            return Swift.max(0, x) + Swift.min(0, a * T.expm1(x / a))
        }
    }

    // MARK: Sigmoids and soft functions

    /// 1 / (1 + e⁻ˣ), evaluated without overflow.
    struct Sigmoid: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T {
            if x >= 0 { return 1 / (1 + T.exp(-x)) }
            let e = T.exp(x)
            return e / (1 + e)
        }
    }

    /// max(0, min(1, alpha·x + beta)).
    struct HardSigmoid: RealFunction {
        let alpha: Double, beta: Double
        func callAsFunction<T: Real>(_ x: T) -> T { Swift.max(0, Swift.min(1, T(alpha) * x + T(beta))) }
    }

    /// x · max(0, min(1, x/6 + 1/2)).
    struct HardSwish: RealFunction {
        /// The arithmetic of ONNX's function definition: x * HardSigmoid(x; alpha = 1/6 as float, beta = 0.5).
        func callAsFunction<T: Real>(_ x: T) -> T { x * Swift.max(0, Swift.min(1, T(Double(Float(1.0 / 6.0))) * x + T(0.5))) }
    }

    /// ln(1 + eˣ), evaluated without overflow.
    struct Softplus: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { x > 0 ? x + T.log1p(T.exp(-x)) : T.log1p(T.exp(x)) }
    }

    /// x / (1 + |x|).
    struct Softsign: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { x / (1 + x.magnitude) }
    }

    /// tanh x.
    struct HyperbolicTangent: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { T.tanh(x) }
    }

    /// x + bias below −lambd, x − bias above lambd, else 0.
    struct Shrink: NumericFunction {
        let bias: Double, lambd: Double
        func callAsFunction<T: Real>(_ x: T) -> T {
            let low = T(-lambd), high = T(lambd), b = T(bias), zero: T = 0
            let below = x + b, above = x - b
            let inner = x > high ? above : zero
            return x < low ? below : inner
        }
        func integer<T: FixedWidthInteger>(_ x: T) -> T {
            ArithmeticKernels.truncatingInteger(callAsFunction(Double(x)))
        }
    }

    // MARK: Clip

    /// Clip: bounds are attributes before opset 11 and optional scalar inputs from opset 11.
    enum Clip {
        static let kernel: Kernel = { call throws(InterpreterError) in
            let x = try call.tensor(0)
            guard x.dataType.isPlainNumeric else { throw call.unsupported(x.dataType) }
            let storage: NDArray.Storage
            switch x.storage {
            case .float(let a): storage = .float(clamp(a, try bound(call, 1, "min", Float.self, -.infinity), try bound(call, 2, "max", Float.self, .infinity)))
            case .double(let a): storage = .double(clamp(a, try bound(call, 1, "min", Double.self, -.infinity), try bound(call, 2, "max", Double.self, .infinity)))
            case .float16(let a):
                let lo = try bound(call, 1, "min", Float16.self, -.infinity), hi = try bound(call, 2, "max", Float16.self, .infinity)
                let (l, h) = (Float(lo), Float(hi))
                storage = .float16(HalfConversion.map(a) { clamped($0, l, h) } ?? HalfConversion.halves(clamp(HalfConversion.floats(a), l, h)))
            case .bfloat16(let a):
                let lo = try bound(call, 1, "min", UInt16.self, 0xff80), hi = try bound(call, 2, "max", UInt16.self, 0x7f80)
                storage = .bfloat16(mapElements(clamp(a.map(BFloat16.float), BFloat16.float(lo), BFloat16.float(hi)), BFloat16.bits))
            case .int8(let a): storage = .int8(clamp(a, try bound(call, 1, "min", Int8.self, .min), try bound(call, 2, "max", Int8.self, .max)))
            case .int16(let a): storage = .int16(clamp(a, try bound(call, 1, "min", Int16.self, .min), try bound(call, 2, "max", Int16.self, .max)))
            case .int32(let a): storage = .int32(clamp(a, try bound(call, 1, "min", Int32.self, .min), try bound(call, 2, "max", Int32.self, .max)))
            case .int64(let a): storage = .int64(clamp(a, try bound(call, 1, "min", Int64.self, .min), try bound(call, 2, "max", Int64.self, .max)))
            case .uint8(let a): storage = .uint8(clamp(a, try bound(call, 1, "min", UInt8.self, .min), try bound(call, 2, "max", UInt8.self, .max)))
            case .uint16(let a): storage = .uint16(clamp(a, try bound(call, 1, "min", UInt16.self, .min), try bound(call, 2, "max", UInt16.self, .max)))
            case .uint32(let a): storage = .uint32(clamp(a, try bound(call, 1, "min", UInt32.self, .min), try bound(call, 2, "max", UInt32.self, .max)))
            case .uint64(let a): storage = .uint64(clamp(a, try bound(call, 1, "min", UInt64.self, .min), try bound(call, 2, "max", UInt64.self, .max)))
            default: throw call.unsupported(x.dataType)
            }
            return [.tensor(NDArray(dataType: x.dataType, shape: x.shape, storage: storage))]
        }

        /// Each element clamped to [lo, hi] (hi wins when lo > hi; NaN is kept).
        static func clamp<T: Comparable>(_ a: [T], _ lo: T, _ hi: T) -> [T] {
            mapElements(a) { clamped($0, lo, hi) }
        }

        /// `v` clamped to [lo, hi] with compare-and-selects (hi wins when lo > hi; NaN is kept).
        @inline(__always)
        static func clamped<T: Comparable>(_ v: T, _ lo: T, _ hi: T) -> T {
            let r = v < lo ? lo : v
            return r > hi ? hi : r
        }

        /// A bound: the attribute `name` (before opset 11) or the scalar input `index`, else `fallback`.
        static func bound<T>(_ call: KernelCall, _ index: Int, _ name: String, _: T.Type, _ fallback: T) throws(InterpreterError) -> T {
            if call.opset < 11 {
                guard call.attribute(name) != nil else { return fallback }
                let x = try call.tensor(0)
                return NDArray(dataType: x.dataType, shape: [], doubles: [call.doubleAttribute(name, 0)]).firstElement(as: T.self) ?? fallback
            }
            guard let t = call.optionalTensor(index) else { return fallback }
            guard t.count == 1 else { throw call.invalid("Clip \(name) must be a single value, got shape \(t.shape)") }
            guard let v = t.firstElement(as: T.self) else { throw call.invalid("Clip \(name) must have the input's element type") }
            return v
        }
    }
}

extension NDArray {
    /// The first element when the storage holds `T` values.
    func firstElement<T>(as _: T.Type) -> T? {
        switch storage {
        case .float(let a): a.first as? T
        case .double(let a): a.first as? T
        case .float16(let a): a.first as? T
        case .bfloat16(let a): a.first as? T
        case .int8(let a): a.first as? T
        case .int16(let a): a.first as? T
        case .int32(let a): a.first as? T
        case .int64(let a): a.first as? T
        case .uint8(let a): a.first as? T
        case .uint16(let a): a.first as? T
        case .uint32(let a): a.first as? T
        case .uint64(let a): a.first as? T
        case .bool(let a): a.first as? T
        case .string(let a): a.first as? T
        }
    }
}
