import ModelIR

/// Shape arithmetic shared by the rule families: broadcasting, unifying dims, products.
public enum ShapeMath {
    // MARK: Broadcasting

    /// The numpy-style broadcast of two dims; throws when both are constants that differ and neither is 1.
    public static func broadcast(_ a: DimExpr?, _ b: DimExpr?) throws(ShapeRuleError) -> DimExpr? {
        if a?.constantValue == 1 { return b }
        if b?.constantValue == 1 { return a }
        guard let a else { return b?.isConstant == true ? b : nil }
        guard let b else { return a.isConstant ? a : nil }
        if a == b { return a }
        if let x = a.constantValue, let y = b.constantValue {
            throw .invalid("dims \(x) and \(y) do not broadcast")
        }
        if a.isConstant { return a }
        if b.isConstant { return b }
        return nil
    }

    /// The broadcast of several shapes (nil when a rank is unknown).
    public static func broadcast(_ shapes: [[DimExpr?]?]) throws(ShapeRuleError) -> [DimExpr?]? {
        var out: [DimExpr?] = []
        for s in shapes {
            guard let s else { return nil }
            let rank = max(out.count, s.count)
            let a = Array(repeating: DimExpr?.some(DimExpr(1)), count: rank - out.count) + out
            let b = Array(repeating: DimExpr?.some(DimExpr(1)), count: rank - s.count) + s
            var merged: [DimExpr?] = []
            for i in 0..<rank {
                do { merged.append(try broadcast(a[i], b[i])) } catch {
                    throw .invalid("shapes \(render(a)) and \(render(b)) do not broadcast (axis \(i): \(error))")
                }
            }
            out = merged
        }
        return out
    }

    // MARK: Unifying

    /// Two dims that must be equal: the more precise one; throws when both are constants that differ.
    public static func unify(_ a: DimExpr?, _ b: DimExpr?, _ what: @autoclosure () -> String) throws(ShapeRuleError) -> DimExpr? {
        guard let a else { return b }
        guard let b else { return a }
        if a.provablyDiffers(from: b) { throw .invalid("\(what()): \(a) != \(b)") }
        if b.isConstant { return b }
        return a
    }

    /// Two dims that describe the same value from different branches: kept only when they agree.
    public static func join(_ a: DimExpr?, _ b: DimExpr?) -> DimExpr? {
        a == b ? a : nil
    }

    /// Two shapes from different branches: common rank and agreeing dims.
    public static func join(_ a: [DimExpr?]?, _ b: [DimExpr?]?) -> [DimExpr?]? {
        guard let a, let b, a.count == b.count else { return nil }
        return zip(a, b).map { join($0, $1) }
    }

    /// Two types from different branches (If branches, loop iterations).
    public static func join(_ a: SymType?, _ b: SymType?) -> SymType? {
        guard let a, let b else { return a ?? b }
        switch (a, b) {
        case (.tensor(let x), .tensor(let y)):
            return .tensor(SymTensor(x.elementType == y.elementType ? x.elementType : nil, join(x.shape, y.shape)))
        case (.sequence(let x), .sequence(let y)): return .sequence(join(x, y))
        case (.optional(let x), .optional(let y)): return .optional(join(x, y))
        case (.optional(let x), let y), (let y, .optional(let x)): return .optional(join(x, y))
        default: return a == b ? a : nil
        }
    }

    // MARK: Products and text

    /// The product of dims (nil when one is unknown).
    public static func product<S: Sequence>(_ dims: S) -> DimExpr? where S.Element == DimExpr? {
        var n = DimExpr(1)
        for d in dims {
            guard let d else { return nil }
            n = n * d
        }
        return n
    }

    /// The sum of dims (nil when one is unknown).
    public static func sum<S: Sequence>(_ dims: S) -> DimExpr? where S.Element == DimExpr? {
        var n = DimExpr(0)
        for d in dims {
            guard let d else { return nil }
            n = n + d
        }
        return n
    }

    /// `[a,b,?]` for messages.
    public static func render(_ s: [DimExpr?]?) -> String {
        guard let s else { return "[*]" }
        return "[\(s.map { $0?.description ?? "?" }.joined(separator: ","))]"
    }

    /// Slice bounds at least this large mean "to the end" (exporters use INT64_MAX, INT32_MAX, 1e9).
    static let endSentinel: Int64 = 100_000_000

    /// Clamps a constant index into [0, dim] after adding dim to negative values; symbolic dims
    /// are assumed large enough for the constant (as ONNX exporters produce them).
    static func clampIndex(_ v: Int64, dim: DimExpr?, forEnd: Bool) -> DimExpr? {
        let big = endSentinel
        if let n = dim?.constantValue {
            let x = v < 0 ? v + n : v
            return DimExpr(min(max(x, 0), n))
        }
        guard let dim else { return v >= 0 && v < big ? DimExpr(v) : nil }
        if v >= big { return dim }
        if v <= -big { return DimExpr(0) }
        return v < 0 ? dim + v : DimExpr(v)
    }
}

// MARK: Common rules

/// Rules used by more than one family.
enum CommonRules {
    /// Output 0 has input 0's type; the value passes through.
    static func identity(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, type: c.type(0))
        if let v = c.value(0), let t = c.tensor(0) { c.set(0, t, value: v) }
    }

    /// Output 0 has input 0's shape and element type (value not propagated).
    static func sameAsInput(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let t = c.tensor(0) else { c.set(0, type: c.type(0)); return }
        c.set(0, t)
    }

    /// Output 0 has input 0's shape with element type bool.
    static func boolOfInput(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, SymTensor(.bool, c.shape(0)))
    }

    /// The `dtype` (or `to`) attribute as a data type.
    static func dataType(_ c: ShapeContext, _ attribute: String, default d: DataType?) -> DataType? {
        c.int(attribute).map { DataType(rawValue: Int32(truncatingIfNeeded: $0)) } ?? d
    }
}
