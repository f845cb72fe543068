import ModelIR

/// Add, Sub, Mul, Div, Mod, Pow, BitShift and the variadic Max, Min, Sum, Mean.
enum ArithmeticKernels {
    static var table: [String: Kernel] {
        [
            "Add": Elementwise.binary(AddOp()),
            "Sub": Elementwise.binary(SubOp()),
            "Mul": Elementwise.binary(MulOp()),
            "Div": Elementwise.binary(DivOp()),
            "Mod": mod,
            "BitShift": bitShift,
            "Pow": pow,
            "Max": Elementwise.variadic(MaxOp()),
            "Min": Elementwise.variadic(MinOp()),
            "Sum": Elementwise.variadic(AddOp()),
            "Mean": mean,
        ]
    }

    /// Mod: `fmod` = 0 takes the sign of the divisor (integers), 1 the sign of the dividend (C fmod).
    static let mod: Kernel = { call throws(InterpreterError) in
        let a = try call.tensor(0), b = try call.tensor(1)
        if call.int("fmod", default: 0) != 0 { return [.tensor(try Elementwise.binary(call, a, b, TruncatedModOp()))] }
        return [.tensor(try Elementwise.binary(call, a, b, FlooredModOp()))]
    }

    /// BitShift on unsigned integers; `direction` is "LEFT" or "RIGHT".
    static let bitShift: Kernel = { call throws(InterpreterError) in
        let a = try call.tensor(0), b = try call.tensor(1)
        switch call.string("direction", default: "") {
        case "LEFT": return [.tensor(try Elementwise.binary(call, a, b, ShiftLeftOp()))]
        case "RIGHT": return [.tensor(try Elementwise.binary(call, a, b, ShiftRightOp()))]
        case let d: throw .invalidAttribute(node: call.label, attribute: "direction", reason: "must be LEFT or RIGHT, got '\(d)'")
        }
    }

    /// Mean: the sum of the inputs divided by their count (real types).
    static let mean: Kernel = { call throws(InterpreterError) in
        let sum = try Elementwise.fold(call, AddOp())
        guard sum.dataType.isPlainReal else { throw call.unsupported(sum.dataType) }
        return [.tensor(try Elementwise.mapReal(call, sum, Scale(factor: 1 / Double(call.inputs.count))))]
    }
}

extension ArithmeticKernels {
    // MARK: Arithmetic ops

    /// a + b (integers wrap).
    struct AddOp: NumericBinaryOp {
        func real<T: Real>(_ a: T, _ b: T) -> T { a + b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &+ b }
    }

    /// a - b (integers wrap).
    struct SubOp: NumericBinaryOp {
        func real<T: Real>(_ a: T, _ b: T) -> T { a - b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &- b }
    }

    /// a * b (integers wrap).
    struct MulOp: NumericBinaryOp {
        func real<T: Real>(_ a: T, _ b: T) -> T { a * b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &* b }
    }

    /// a / b; integers truncate toward zero, division by zero gives 0 and `min / -1` wraps.
    struct DivOp: NumericBinaryOp {
        func real<T: Real>(_ a: T, _ b: T) -> T { a / b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
            b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
        }
    }

    /// Remainder with the sign of the divisor (Python `%`); zero divisors give 0.
    struct FlooredModOp: NumericBinaryOp {
        func real<T: Real>(_ a: T, _ b: T) -> T {
            let r = T.fmod(a, b)
            return r != 0 && (r < 0) != (b < 0) ? r + b : r
        }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
            guard b != 0 else { return 0 }
            let r = a.remainderReportingOverflow(dividingBy: b).partialValue
            return r != 0 && (r < 0) != (b < 0) ? r &+ b : r
        }
    }

    /// Remainder with the sign of the dividend (C `fmod`); zero divisors give 0 for integers.
    struct TruncatedModOp: NumericBinaryOp {
        func real<T: Real>(_ a: T, _ b: T) -> T { T.fmod(a, b) }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
            b == 0 ? 0 : a.remainderReportingOverflow(dividingBy: b).partialValue
        }
    }

    /// a << b (shifts past the width give 0).
    struct ShiftLeftOp: NumericBinaryOp {
        var acceptsReals: Bool { false }
        func real<T: Real>(_ a: T, _ b: T) -> T { a }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a << b }
    }

    /// a >> b (shifts past the width give 0).
    struct ShiftRightOp: NumericBinaryOp {
        var acceptsReals: Bool { false }
        func real<T: Real>(_ a: T, _ b: T) -> T { a }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a >> b }
    }

    /// The larger element; NaN propagates.
    struct MaxOp: NumericBinaryOp {
        func real<T: Real>(_ a: T, _ b: T) -> T { a.isNaN || a > b ? a : b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a > b ? a : b }
    }

    /// The smaller element; NaN propagates.
    struct MinOp: NumericBinaryOp {
        func real<T: Real>(_ a: T, _ b: T) -> T { a.isNaN || a < b ? a : b }
        func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a < b ? a : b }
    }

    /// x * factor.
    struct Scale: RealFunction {
        let factor: Double
        func callAsFunction<T: Real>(_ x: T) -> T { x * T(factor) }
    }
}

// MARK: Pow

extension ArithmeticKernels {
    /// Pow(X, Y): the result has X's type; integer bases with integer exponents stay exact.
    static let pow: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0), y = try call.secondOperand(1, alignedTo: x)
        guard x.dataType.isPlainNumeric, y.dataType.isPlainNumeric else {
            throw call.unsupported(x.dataType.isPlainNumeric ? y.dataType : x.dataType)
        }
        let plan = try call.broadcastPlan([x, y])
        let storage: NDArray.Storage
        switch (x.storage, y.storage) {
        case (.float(let a), .float(let b)): storage = .float(broadcastBinary(a, b, plan) { Float.pow($0, $1) })
        case (.double(let a), _): storage = .double(broadcastBinary(a, y.doubles, plan) { Double.pow($0, $1) })
        case (.float(let a), _): storage = .float(broadcastBinary(a, y.doubles, plan) { Float(Double.pow(Double($0), $1)) })
        case (.float16(let a), _):
            storage = .float16(broadcastBinary(a, y.floats, plan) { Float16(Float.pow(Float($0), $1)) })
        case (.bfloat16(let a), _):
            storage = .bfloat16(broadcastBinary(a, y.floats, plan) { BFloat16.bits(Float.pow(BFloat16.float($0), $1)) })
        case (.int8(let a), _): storage = .int8(integerPow(a, y, plan))
        case (.int16(let a), _): storage = .int16(integerPow(a, y, plan))
        case (.int32(let a), _): storage = .int32(integerPow(a, y, plan))
        case (.int64(let a), _): storage = .int64(integerPow(a, y, plan))
        case (.uint8(let a), _): storage = .uint8(integerPow(a, y, plan))
        case (.uint16(let a), _): storage = .uint16(integerPow(a, y, plan))
        case (.uint32(let a), _): storage = .uint32(integerPow(a, y, plan))
        case (.uint64(let a), _): storage = .uint64(integerPow(a, y, plan))
        default: throw call.unsupported(x.dataType)
        }
        return [.tensor(NDArray(dataType: x.dataType, shape: plan.shape, storage: storage))]
    }

    /// Integer bases: exact wrapping power for integer exponents, truncated Double power otherwise.
    static func integerPow<T: FixedWidthInteger>(_ a: [T], _ y: NDArray, _ plan: BroadcastPlan) -> [T] {
        if y.dataType.isPlainReal {
            return broadcastBinary(a, y.doubles, plan) { base, e in truncatingInteger(Double.pow(Double(base), e)) }
        }
        if case .uint64(let e) = y.storage {
            return broadcastBinary(a, e, plan) { base, e in wrappingPower(base, e) }
        }
        return broadcastBinary(a, y.int64s, plan) { base, e in
            if e >= 0 { return wrappingPower(base, UInt64(e)) }
            if base == 1 { return 1 }
            if T.isSigned && base == 0 &- 1 { return e & 1 == 0 ? 1 : base }
            return 0
        }
    }

    /// base^e by squaring, wrapping on overflow.
    @inline(__always)
    static func wrappingPower<T: FixedWidthInteger>(_ base: T, _ e: UInt64) -> T {
        var result: T = 1, b = base, e = e
        while e > 0 {
            if e & 1 == 1 { result = result &* b }
            e >>= 1
            if e > 0 { b = b &* b }
        }
        return result
    }

    /// A Double truncated toward zero into `T` (through Int64, saturating; NaN gives 0).
    @inline(__always)
    static func truncatingInteger<T: FixedWidthInteger>(_ d: Double) -> T {
        guard !d.isNaN else { return 0 }
        if T.bitWidth == 64 && !T.isSigned && d >= 9.2e18 {
            return d >= 1.8446744073709552e19 ? T.max : T(truncatingIfNeeded: UInt64(d))
        }
        let i = d >= 9.2e18 ? Int64.max : (d <= -9.2e18 ? Int64.min : Int64(d))
        return T(truncatingIfNeeded: i)
    }
}
