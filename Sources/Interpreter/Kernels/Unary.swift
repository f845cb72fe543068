import ModelIR

/// Element-wise math: Neg, Abs, Sign, Reciprocal, Sqrt, Exp, Log, rounding, Erf and trigonometry.
enum UnaryKernels {
    static var table: [String: Kernel] {
        [
            "Neg": Elementwise.numeric(Negate()),
            "Abs": Elementwise.numeric(Absolute()),
            "Sign": Elementwise.numeric(Signum()),
            "Reciprocal": Elementwise.real(Reciprocal()),
            "Sqrt": Elementwise.real(SquareRoot()),
            "Exp": VectorMath.kernel(VectorMath.exp, else: Exponential()),
            "Log": Elementwise.real(Logarithm()),
            "Ceil": Elementwise.real(Ceiling()),
            "Floor": Elementwise.real(Floor()),
            "Round": Elementwise.real(RoundHalfEven()),
            "Erf": Elementwise.real(ErrorFunction()),
            "Sin": Elementwise.real(Trig(.sin)),
            "Cos": Elementwise.real(Trig(.cos)),
            "Tan": Elementwise.real(Trig(.tan)),
            "Asin": Elementwise.real(Trig(.asin)),
            "Acos": Elementwise.real(Trig(.acos)),
            "Atan": Elementwise.real(Trig(.atan)),
            "Sinh": Elementwise.real(Trig(.sinh)),
            "Cosh": Elementwise.real(Trig(.cosh)),
            "Asinh": Elementwise.real(Trig(.asinh)),
            "Acosh": Elementwise.real(Trig(.acosh)),
            "Atanh": Elementwise.real(Trig(.atanh)),
        ]
    }
}

extension UnaryKernels {
    // MARK: Sign-related

    /// -x (integers wrap).
    struct Negate: NumericFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { -x }
        func integer<T: FixedWidthInteger>(_ x: T) -> T { 0 &- x }
    }

    /// |x| (the most negative integer wraps to itself).
    struct Absolute: NumericFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { x.magnitude }
        func integer<T: FixedWidthInteger>(_ x: T) -> T { x < 0 ? 0 &- x : x }
    }

    /// -1, 0 or 1 (NaN stays NaN).
    struct Signum: NumericFunction {
        func callAsFunction<T: Real>(_ x: T) -> T {
            let zero: T = 0, one: T = 1
            let positive = x > zero ? one : zero, negative = x < zero ? one : zero
            return x.isNaN ? x : positive - negative
        }
        func integer<T: FixedWidthInteger>(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? 0 &- 1 : 0) }
    }

    // MARK: Powers and logarithms

    /// 1 / x.
    struct Reciprocal: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { 1 / x }
    }

    /// √x.
    struct SquareRoot: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { x.squareRoot() }
    }

    /// eˣ.
    struct Exponential: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { T.exp(x) }
    }

    /// ln x.
    struct Logarithm: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { T.log(x) }
    }

    /// The Gauss error function.
    struct ErrorFunction: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { T.erf(x) }
    }

    /// The smallest integral value ≥ x.
    struct Ceiling: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { T.ceil(x) }
    }

    /// The largest integral value ≤ x.
    struct Floor: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { T.floor(x) }
    }

    /// The nearest integral value, halves to even.
    struct RoundHalfEven: RealFunction {
        func callAsFunction<T: Real>(_ x: T) -> T { T.roundedEven(x) }
    }

    // MARK: Trigonometry

    /// A trigonometric or hyperbolic function.
    struct Trig: RealFunction {
        enum Kind: Sendable { case sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh }
        let kind: Kind

        init(_ kind: Kind) { self.kind = kind }

        func callAsFunction<T: Real>(_ x: T) -> T {
            switch kind {
            case .sin: T.sin(x)
            case .cos: T.cos(x)
            case .tan: T.tan(x)
            case .asin: T.asin(x)
            case .acos: T.acos(x)
            case .atan: T.atan(x)
            case .sinh: T.sinh(x)
            case .cosh: T.cosh(x)
            case .asinh: T.asinh(x)
            case .acosh: T.acosh(x)
            case .atanh: T.atanh(x)
            }
        }
    }
}
