import ModelIR

// MARK: Element functions

/// An element-wise function of a real number, written once for Float and Double.
protocol RealFunction: Sendable {
    func callAsFunction<T: Real>(_ x: T) -> T
}

/// An element-wise function that is also defined on integers (exactly, in the integer type).
protocol NumericFunction: RealFunction {
    func integer<T: FixedWidthInteger>(_ x: T) -> T
}

/// A binary element-wise operation on reals and (exactly) on integers.
protocol NumericBinaryOp: Sendable {
    func real<T: Real>(_ a: T, _ b: T) -> T
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T
    /// Whether floating-point inputs are accepted.
    var acceptsReals: Bool { get }
}

extension NumericBinaryOp {
    var acceptsReals: Bool { true }
}

/// A binary predicate on comparable elements.
protocol ComparisonOp: Sendable {
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool
}

// MARK: Unary dispatch

enum Elementwise {
    /// `f` over a float, double, float16 or bfloat16 array; the dtype is kept.
    static func mapReal<F: RealFunction>(_ call: KernelCall, _ x: NDArray, _ f: F) throws(InterpreterError) -> NDArray {
        guard x.dataType.isPlainReal else { throw call.unsupported(x.dataType) }
        let storage: NDArray.Storage
        switch x.storage {
        case .float(let a): storage = .float(mapElements(a) { f($0) })
        case .double(let a): storage = .double(mapElements(a) { f($0) })
        case .float16(let a): storage = .float16(HalfConversion.map(a) { f($0) } ?? HalfConversion.halves(mapElements(HalfConversion.floats(a)) { f($0) }))
        case .bfloat16(let a): storage = .bfloat16(mapElements(a) { BFloat16.bits(f(BFloat16.float($0))) })
        default: throw call.unsupported(x.dataType)
        }
        return NDArray(dataType: x.dataType, shape: x.shape, storage: storage)
    }

    /// `f` over any plain numeric array; integers are computed in their own type.
    static func mapNumeric<F: NumericFunction>(_ call: KernelCall, _ x: NDArray, _ f: F) throws(InterpreterError) -> NDArray {
        guard x.dataType.isPlainNumeric else { throw call.unsupported(x.dataType) }
        let storage: NDArray.Storage
        switch x.storage {
        case .int8(let a): storage = .int8(mapElements(a) { f.integer($0) })
        case .int16(let a): storage = .int16(mapElements(a) { f.integer($0) })
        case .int32(let a): storage = .int32(mapElements(a) { f.integer($0) })
        case .int64(let a): storage = .int64(mapElements(a) { f.integer($0) })
        case .uint8(let a): storage = .uint8(mapElements(a) { f.integer($0) })
        case .uint16(let a): storage = .uint16(mapElements(a) { f.integer($0) })
        case .uint32(let a): storage = .uint32(mapElements(a) { f.integer($0) })
        case .uint64(let a): storage = .uint64(mapElements(a) { f.integer($0) })
        default: return try mapReal(call, x, f)
        }
        return NDArray(dataType: x.dataType, shape: x.shape, storage: storage)
    }

    /// A kernel applying `f` to input 0 (real types only).
    static func real(_ f: some RealFunction) -> Kernel {
        { call throws(InterpreterError) in [.tensor(try mapReal(call, try call.tensor(0), f))] }
    }

    /// A kernel applying `f` to input 0 (all plain numeric types).
    static func numeric(_ f: some NumericFunction) -> Kernel {
        { call throws(InterpreterError) in [.tensor(try mapNumeric(call, try call.tensor(0), f))] }
    }

    // MARK: Binary dispatch

    /// `op` over the broadcast of `a` and `b`, which must share a plain numeric dtype.
    static func binary<Op: NumericBinaryOp>(_ call: KernelCall, _ a: NDArray, _ b: NDArray, _ op: Op) throws(InterpreterError) -> NDArray {
        guard a.dataType == b.dataType else {
            throw call.invalid("inputs must share one element type, got \(a.dataType) and \(b.dataType)")
        }
        guard a.dataType.isPlainNumeric, op.acceptsReals || !a.dataType.isPlainReal else { throw call.unsupported(a.dataType) }
        let plan = try call.broadcastPlan([a, b])
        let storage: NDArray.Storage
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)): storage = .float(broadcastBinary(x, y, plan) { op.real($0, $1) })
        case (.double(let x), .double(let y)): storage = .double(broadcastBinary(x, y, plan) { op.real($0, $1) })
        case (.float16(let x), .float16(let y)):
            if let chunked = HalfConversion.zip(x, y, plan, { op.real($0, $1) }) {
                storage = .float16(chunked)
            } else {
                let (fx, fy) = (HalfConversion.floats(x), HalfConversion.floats(y))
                storage = .float16(HalfConversion.halves(broadcastBinary(fx, fy, plan) { op.real($0, $1) }))
            }
        case (.bfloat16(let x), .bfloat16(let y)):
            storage = .bfloat16(broadcastBinary(x, y, plan) { BFloat16.bits(op.real(BFloat16.float($0), BFloat16.float($1))) })
        case (.int8(let x), .int8(let y)): storage = .int8(broadcastBinary(x, y, plan) { op.integer($0, $1) })
        case (.int16(let x), .int16(let y)): storage = .int16(broadcastBinary(x, y, plan) { op.integer($0, $1) })
        case (.int32(let x), .int32(let y)): storage = .int32(broadcastBinary(x, y, plan) { op.integer($0, $1) })
        case (.int64(let x), .int64(let y)): storage = .int64(broadcastBinary(x, y, plan) { op.integer($0, $1) })
        case (.uint8(let x), .uint8(let y)): storage = .uint8(broadcastBinary(x, y, plan) { op.integer($0, $1) })
        case (.uint16(let x), .uint16(let y)): storage = .uint16(broadcastBinary(x, y, plan) { op.integer($0, $1) })
        case (.uint32(let x), .uint32(let y)): storage = .uint32(broadcastBinary(x, y, plan) { op.integer($0, $1) })
        case (.uint64(let x), .uint64(let y)): storage = .uint64(broadcastBinary(x, y, plan) { op.integer($0, $1) })
        default: throw call.unsupported(a.dataType)
        }
        return NDArray(dataType: a.dataType, shape: plan.shape, storage: storage)
    }

    /// A kernel applying `op` to inputs 0 and 1.
    static func binary(_ op: some NumericBinaryOp) -> Kernel {
        { call throws(InterpreterError) in
            let a = try call.tensor(0)
            return [.tensor(try binary(call, a, try call.secondOperand(1, alignedTo: a), op))]
        }
    }

    /// A kernel folding `op` over all its inputs (at least one), left to right with broadcasting.
    static func variadic(_ op: some NumericBinaryOp) -> Kernel {
        { call throws(InterpreterError) in [.tensor(try fold(call, op))] }
    }

    /// `op` folded over every input of `call`.
    static func fold(_ call: KernelCall, _ op: some NumericBinaryOp) throws(InterpreterError) -> NDArray {
        guard !call.inputs.isEmpty else { throw call.invalid("at least one input is required") }
        var acc = try call.tensor(0)
        guard acc.dataType.isPlainNumeric, op.acceptsReals || !acc.dataType.isPlainReal else { throw call.unsupported(acc.dataType) }
        for i in 1..<call.inputs.count { acc = try binary(call, acc, try call.tensor(i), op) }
        return acc
    }

    // MARK: Comparison dispatch

    /// `op` over the broadcast of `a` and `b` (same dtype), as a bool array.
    static func compare<Op: ComparisonOp>(_ call: KernelCall, _ a: NDArray, _ b: NDArray, _ op: Op) throws(InterpreterError) -> NDArray {
        guard a.dataType == b.dataType else {
            throw call.invalid("inputs must share one element type, got \(a.dataType) and \(b.dataType)")
        }
        let plan = try call.broadcastPlan([a, b])
        let out: [Bool]
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.double(let x), .double(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.float16(let x), .float16(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.bfloat16(let x), .bfloat16(let y)):
            out = broadcastBinary(x, y, plan) { op.compare(BFloat16.float($0), BFloat16.float($1)) }
        case (.int8(let x), .int8(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.int16(let x), .int16(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.int32(let x), .int32(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.int64(let x), .int64(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.uint8(let x), .uint8(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.uint16(let x), .uint16(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.uint32(let x), .uint32(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.uint64(let x), .uint64(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        case (.bool(let x), .bool(let y)):
            out = broadcastBinary(x, y, plan) { op.compare($0 ? 1 as UInt8 : 0, $1 ? 1 : 0) }
        case (.string(let x), .string(let y)): out = broadcastBinary(x, y, plan) { op.compare($0, $1) }
        default: throw call.unsupported(a.dataType)
        }
        return NDArray(shape: plan.shape, bools: out)
    }

    /// A kernel comparing inputs 0 and 1 with `op`.
    static func comparison(_ op: some ComparisonOp) -> Kernel {
        { call throws(InterpreterError) in
            let a = try call.tensor(0)
            return [.tensor(try compare(call, a, try call.secondOperand(1, alignedTo: a), op))]
        }
    }
}
