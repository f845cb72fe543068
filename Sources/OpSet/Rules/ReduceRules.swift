import ModelIR

/// Reductions (ReduceSum … ReduceLogSumExp), ArgMax/ArgMin, and normalizations with statistics outputs.
enum ReduceRules {
    static let reduceOps = [
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
    ]

    static var schemas: [OpSchema] {
        reduceOps.map { OpSchema.op($0, inputs: 1...2, reduce) } + [
            .op("ArgMax", inputs: 1...1, argReduce),
            .op("ArgMin", inputs: 1...1, argReduce),
            .op("BatchNormalization", inputs: 5...5, outputs: 1...5, batchNorm),
            .op("LayerNormalization", inputs: 2...3, outputs: 1...3, layerNorm),
            .op("GroupNormalization", inputs: 3...3, CommonRules.sameAsInput),
        ]
    }

    // MARK: Reductions

    static func reduce(_ c: ShapeContext) throws(ShapeRuleError) {
        let keep = c.int("keepdims", default: 1) != 0
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        var axes: [Int64]
        if let a = c.ints("axes") {
            axes = a
        } else if c.has(1) {
            guard let a = c.int64s(1) else {
                c.set(0, SymTensor(c.dtype(0), keep ? s.map { _ in nil } : nil))
                return
            }
            axes = a
        } else {
            axes = []
        }
        if axes.isEmpty {
            if c.int("noop_with_empty_axes", default: 0) != 0 { c.set(0, SymTensor(c.dtype(0), s), value: c.value(0)); return }
            axes = (0..<Int64(s.count)).map { $0 }
        }
        var reduced = Set<Int>()
        for a in axes { reduced.insert(try c.axis(a, rank: s.count, what: "reduction axis")) }
        var out: [DimExpr?] = []
        for (i, d) in s.enumerated() {
            if reduced.contains(i) { if keep { out.append(DimExpr(1)) } } else { out.append(d) }
        }
        c.set(0, SymTensor(c.dtype(0), out), value: reduceValue(c, over: s.count == 1 && reduced == [0], keep: keep))
    }

    /// Sum or product of a known 1-D value (shape arithmetic on Shape outputs).
    static func reduceValue(_ c: ShapeContext, over whole: Bool, keep: Bool) -> KnownValue? {
        guard whole, let v = c.value(0), v.shape.count == 1 else { return nil }
        let op = c.node.opType
        guard op == "ReduceProd" || op == "ReduceSum" else { return nil }
        var acc: KnownValue.Element = .int(DimExpr(op == "ReduceProd" ? 1 : 0))
        for e in v.elements { acc = KnownValue.binary(op == "ReduceProd" ? "Mul" : "Add", acc, e, isFloat: false) }
        return KnownValue(shape: keep ? [1] : [], elements: [acc])
    }

    static func argReduce(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(.int64, nil)); return }
        let axis = try c.axis(c.int("axis", default: 0), rank: s.count)
        var out = s
        if c.int("keepdims", default: 1) != 0 { out[axis] = DimExpr(1) } else { out.remove(at: axis) }
        c.set(0, SymTensor(.int64, out))
    }

    // MARK: Normalization

    static func batchNorm(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, SymTensor(c.dtype(0), c.shape(0)))
        let channels: [DimExpr?] = [c.shape(0).flatMap { $0.count > 1 ? $0[1] : nil }]
        for i in 1..<5 where c.wants(i) {
            c.set(i, SymTensor(c.dtype(i < 3 ? 3 + i - 1 : 0) ?? c.dtype(0), channels))
        }
    }

    static func layerNorm(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, SymTensor(c.dtype(0), c.shape(0)))
        guard let s = c.shape(0) else { return }
        let axis = try c.axis(c.int("axis", default: -1), rank: s.count)
        let stats = Array(s[..<axis]) + Array(repeating: DimExpr(1), count: s.count - axis)
        let stash = CommonRules.dataType(c, "stash_type", default: .float)
        c.set(1, SymTensor(stash, stats))
        c.set(2, SymTensor(stash, stats))
    }
}
