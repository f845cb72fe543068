import ModelIR

/// Gathering, scattering and data-dependent selection: Gather*, Scatter*, OneHot, Compress, NonZero, TopK, Unique, NMS.
enum IndexingRules {
    static var schemas: [OpSchema] {
        [
            .op("Gather", inputs: 2...2, gather),
            .op("GatherElements", inputs: 2...2, gatherElements),
            .op("GatherND", inputs: 2...2, gatherND),
            .op("Scatter", inputs: 3...3, CommonRules.sameAsInput),
            .op("ScatterElements", inputs: 3...3, CommonRules.sameAsInput),
            .op("ScatterND", inputs: 3...3, CommonRules.sameAsInput),
            .op("OneHot", inputs: 3...3, oneHot),
            .op("Compress", inputs: 2...2, compress),
            .op("NonZero", inputs: 1...1, nonZero),
            .op("TopK", inputs: 1...2, outputs: 2...2, topK),
            .op("Unique", inputs: 1...1, outputs: 1...4, unique),
            .op("NonMaxSuppression", inputs: 2...5, nonMaxSuppression),
        ]
    }

    // MARK: Gather

    static func gather(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let data = c.shape(0), let indices = c.shape(1) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        guard !data.isEmpty else { throw c.invalid("cannot gather from a scalar") }
        let axis = try c.axis(c.int("axis", default: 0), rank: data.count)
        let out = Array(data[..<axis]) + indices + Array(data[(axis + 1)...])
        var value: KnownValue? = nil
        if let v = c.value(0), let idx = c.int64s(1), let shape1 = c.value(1)?.shape {
            let n = Int64(v.shape[axis])
            let outer = v.shape[..<axis].reduce(1, *), inner = v.shape[(axis + 1)...].reduce(1, *)
            var elements: [KnownValue.Element] = []
            var ok = true
            for o in 0..<outer {
                for i in idx {
                    let j = i < 0 ? i + n : i
                    guard j >= 0, j < n else { ok = false; break }
                    let base = (o * Int(n) + Int(j)) * inner
                    elements.append(contentsOf: v.elements[base..<(base + inner)])
                }
            }
            if ok {
                value = KnownValue(shape: Array(v.shape[..<axis]) + shape1 + Array(v.shape[(axis + 1)...]), elements: elements)
            }
        }
        c.set(0, SymTensor(c.dtype(0), out), value: value)
    }

    static func gatherElements(_ c: ShapeContext) throws(ShapeRuleError) {
        if let d = c.rank(0), let i = c.rank(1), d != i {
            throw c.invalid("data has rank \(d) but indices have rank \(i)")
        }
        c.set(0, SymTensor(c.dtype(0), c.shape(1)))
    }

    static func gatherND(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let data = c.shape(0), let indices = c.shape(1), let last = indices.last else {
            c.set(0, SymTensor(c.dtype(0), nil))
            return
        }
        let b = Int(c.int("batch_dims", default: 0))
        guard let k = last?.constantValue else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        guard b + Int(k) <= data.count else {
            throw c.invalid("indices select \(k) axes after \(b) batch axes of a rank-\(data.count) input")
        }
        c.set(0, SymTensor(c.dtype(0), Array(indices.dropLast()) + Array(data[(b + Int(k))...])))
    }

    // MARK: OneHot

    static func oneHot(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(2), nil)); return }
        let axis = try c.axis(c.int("axis", default: -1), rank: s.count + 1)
        let depth = c.value(1)?.elements.first.flatMap { e in e.number.map { DimExpr(Int64($0)) } ?? e.expr }
        var out = s
        out.insert(depth, at: axis)
        c.set(0, SymTensor(c.dtype(2), out))
    }

    // MARK: Data-dependent sizes

    static func compress(_ c: ShapeContext) throws(ShapeRuleError) {
        let kept: DimExpr = c.value(1)?.doubles.map { DimExpr(Int64($0.filter { $0 != 0 }.count)) } ?? c.fresh(output: 0, axis: 0)
        guard let axis = c.int("axis") else { c.set(0, SymTensor(c.dtype(0), [kept])); return }
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        var out = s
        out[try c.axis(axis, rank: s.count)] = kept
        c.set(0, SymTensor(c.dtype(0), out))
    }

    static func nonZero(_ c: ShapeContext) throws(ShapeRuleError) {
        let count = c.value(0)?.doubles.map { DimExpr(Int64($0.filter { $0 != 0 }.count)) } ?? c.fresh(output: 0, axis: 1)
        c.set(0, SymTensor(.int64, [c.rank(0).map { DimExpr(Int64($0)) }, count]))
    }

    static func topK(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else {
            c.set(0, SymTensor(c.dtype(0), nil)); c.set(1, SymTensor(.int64, nil))
            return
        }
        let axis = try c.axis(c.int("axis", default: -1), rank: s.count)
        var out = s
        if c.opset < 10, let k = c.int("k") {
            out[axis] = DimExpr(k)
        } else {
            out[axis] = c.value(1)?.elements.first?.expr
        }
        if let k = out[axis]?.constantValue, let n = s[axis]?.constantValue, k > n {
            throw c.invalid("k = \(k) exceeds the size \(n) of axis \(axis)")
        }
        c.set(0, SymTensor(c.dtype(0), out))
        c.set(1, SymTensor(.int64, out))
    }

    static func unique(_ c: ShapeContext) throws(ShapeRuleError) {
        let count = c.fresh(output: 0, axis: 0)
        if let a = c.int("axis"), let s = c.shape(0) {
            let axis = try c.axis(a, rank: s.count)
            var out = s
            out[axis] = count
            c.set(0, SymTensor(c.dtype(0), out))
            c.set(2, SymTensor(.int64, [s[axis]]))
        } else {
            c.set(0, SymTensor(c.dtype(0), [count]))
            c.set(2, SymTensor(.int64, [c.tensor(0)?.elementCount]))
        }
        c.set(1, SymTensor(.int64, [count]))
        c.set(3, SymTensor(.int64, [count]))
    }

    static func nonMaxSuppression(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, SymTensor(.int64, [c.fresh(output: 0, axis: 0), DimExpr(3)]))
    }
}
