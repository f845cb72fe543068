import ModelIR

/// Comparisons, boolean logic, Where, IsInf and IsNaN.
enum LogicKernels {
    static var table: [String: Kernel] {
        [
            "Equal": Elementwise.comparison(EqualOp()),
            "Greater": Elementwise.comparison(GreaterOp()),
            "GreaterOrEqual": Elementwise.comparison(GreaterOrEqualOp()),
            "Less": Elementwise.comparison(LessOp()),
            "LessOrEqual": Elementwise.comparison(LessOrEqualOp()),
            "And": logical { $0 && $1 },
            "Or": logical { $0 || $1 },
            "Xor": logical { $0 != $1 },
            "Not": not,
            "Where": whereKernel,
            "IsInf": isInf,
            "IsNaN": isNaN,
        ]
    }

    // MARK: Boolean logic

    /// A kernel combining two bool inputs element-wise with broadcasting.
    static func logical(_ f: @escaping @Sendable (Bool, Bool) -> Bool) -> Kernel {
        { call throws(InterpreterError) in
            let a = try call.tensor(0), b = try call.secondOperand(1, alignedTo: a)
            guard case .bool(let x) = a.storage else { throw call.unsupported(a.dataType) }
            guard case .bool(let y) = b.storage else { throw call.unsupported(b.dataType) }
            let plan = try call.broadcastPlan([a, b])
            return [.tensor(NDArray(shape: plan.shape, bools: broadcastBinary(x, y, plan, f)))]
        }
    }

    /// Not: logical negation of a bool tensor.
    static let not: Kernel = { call throws(InterpreterError) in
        let a = try call.tensor(0)
        guard case .bool(let x) = a.storage else { throw call.unsupported(a.dataType) }
        return [.tensor(NDArray(shape: a.shape, bools: mapElements(x) { !$0 }))]
    }

    // MARK: Where

    /// Where(condition, X, Y): X where the condition holds, else Y, all broadcast together.
    static let whereKernel: Kernel = { call throws(InterpreterError) in
        let c = try call.tensor(0), x = try call.tensor(1), y = try call.tensor(2)
        guard case .bool(let cond) = c.storage else { throw call.invalid("Where condition must be bool, got \(c.dataType)") }
        guard x.dataType == y.dataType else { throw call.invalid("Where X and Y must share a type, got \(x.dataType) and \(y.dataType)") }
        let plan = try call.broadcastPlan([c, x, y])
        @inline(__always) func pick<T>(_ a: [T], _ b: [T]) -> [T] { broadcastTernary(cond, a, b, plan) { $0 ? $1 : $2 } }
        let storage: NDArray.Storage
        switch (x.storage, y.storage) {
        case (.float(let a), .float(let b)): storage = .float(pick(a, b))
        case (.double(let a), .double(let b)): storage = .double(pick(a, b))
        case (.float16(let a), .float16(let b)): storage = .float16(pick(a, b))
        case (.bfloat16(let a), .bfloat16(let b)): storage = .bfloat16(pick(a, b))
        case (.int8(let a), .int8(let b)): storage = .int8(pick(a, b))
        case (.int16(let a), .int16(let b)): storage = .int16(pick(a, b))
        case (.int32(let a), .int32(let b)): storage = .int32(pick(a, b))
        case (.int64(let a), .int64(let b)): storage = .int64(pick(a, b))
        case (.uint8(let a), .uint8(let b)): storage = .uint8(pick(a, b))
        case (.uint16(let a), .uint16(let b)): storage = .uint16(pick(a, b))
        case (.uint32(let a), .uint32(let b)): storage = .uint32(pick(a, b))
        case (.uint64(let a), .uint64(let b)): storage = .uint64(pick(a, b))
        case (.bool(let a), .bool(let b)): storage = .bool(pick(a, b))
        case (.string(let a), .string(let b)): storage = .string(pick(a, b))
        default: throw call.unsupported(x.dataType)
        }
        return [.tensor(NDArray(dataType: x.dataType, shape: plan.shape, storage: storage))]
    }

    // MARK: Classification

    /// IsInf: which elements are infinite (`detect_positive` / `detect_negative` select the signs).
    static let isInf: Kernel = { call throws(InterpreterError) in
        let positive = call.int("detect_positive", default: 1) != 0
        let negative = call.int("detect_negative", default: 1) != 0
        return [.tensor(try classify(call, try call.tensor(0)) { ($0 == .infinity && positive) || ($0 == -.infinity && negative) })]
    }

    /// IsNaN: which elements are NaN.
    static let isNaN: Kernel = { call throws(InterpreterError) in
        [.tensor(try classify(call, try call.tensor(0)) { $0.isNaN })]
    }

    /// A bool tensor of `test` applied to each element of a real-typed array (compared as Double).
    @inline(__always)
    static func classify(_ call: KernelCall, _ x: NDArray, _ test: (Double) -> Bool) throws(InterpreterError) -> NDArray {
        let out: [Bool]
        switch x.storage {
        case .float(let a): out = mapElements(a) { test(Double($0)) }
        case .double(let a): out = mapElements(a) { test($0) }
        case .float16(let a): out = mapElements(a) { test(Double($0)) }
        case .bfloat16(let a): out = mapElements(a) { test(Double(BFloat16.float($0))) }
        default: throw call.unsupported(x.dataType)
        }
        return NDArray(shape: x.shape, bools: out)
    }
}

extension LogicKernels {
    // MARK: Comparison ops

    /// a == b.
    struct EqualOp: ComparisonOp {
        func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b }
    }

    /// a > b.
    struct GreaterOp: ComparisonOp {
        func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b }
    }

    /// a >= b.
    struct GreaterOrEqualOp: ComparisonOp {
        func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b }
    }

    /// a < b.
    struct LessOp: ComparisonOp {
        func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b }
    }

    /// a <= b.
    struct LessOrEqualOp: ComparisonOp {
        func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b }
    }
}
