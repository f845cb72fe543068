import ModelIR

/// Ops that cut and join tensors: Concat, Split, Slice, Pad, DepthToSpace, SpaceToDepth.
enum SliceConcatRules {
    static var schemas: [OpSchema] {
        [
            .op("Concat", inputs: 1...Int.max, concat),
            .op("Split", inputs: 1...2, outputs: 1...Int.max, split),
            .op("Slice", inputs: 1...5, slice),
            .op("Pad", inputs: 1...4, pad),
            .op("DepthToSpace", inputs: 1...1, depthToSpace),
            .op("SpaceToDepth", inputs: 1...1, spaceToDepth),
        ]
    }

    // MARK: Concat

    static func concat(_ c: ShapeContext) throws(ShapeRuleError) {
        let dtype = (0..<c.inputCount).lazy.compactMap { c.dtype($0) }.first
        let shapes = (0..<c.inputCount).filter { c.has($0) }.map { c.shape($0) }
        guard let rank = shapes.lazy.compactMap({ $0?.count }).first else { c.set(0, SymTensor(dtype, nil)); return }
        guard let axisAttr = c.int("axis") else { throw c.invalid("Concat needs an axis attribute") }
        let axis = try c.axis(axisAttr, rank: rank)
        var out: [DimExpr?] = Array(repeating: nil, count: rank)
        var sum: DimExpr? = DimExpr(0)
        var first = true
        for (k, s) in shapes.enumerated() {
            guard let s else { sum = nil; continue }
            guard s.count == rank else {
                throw c.invalid("input \(k) has rank \(s.count), other inputs have rank \(rank)")
            }
            for i in 0..<rank where i != axis {
                out[i] = first ? s[i] : try ShapeMath.unify(out[i], s[i], "input \(k) ('\(c.node.inputs[k])') differs on axis \(i)")
            }
            first = false
            sum = sum.flatMap { total in s[axis].map { total + $0 } }
        }
        out[axis] = sum
        c.set(0, SymTensor(dtype, out), value: concatValues(c, axis: axis))
    }

    /// The concatenation of known input values along `axis`.
    static func concatValues(_ c: ShapeContext, axis: Int) -> KnownValue? {
        var values: [KnownValue] = []
        for i in 0..<c.inputCount where c.has(i) {
            guard let v = c.value(i), v.shape.count > axis else { return nil }
            values.append(v)
        }
        guard let first = values.first else { return nil }
        let outer = first.shape[..<axis].reduce(1, *)
        var elements: [KnownValue.Element] = []
        for o in 0..<outer {
            for v in values {
                let chunk = v.shape[axis...].reduce(1, *)
                elements.append(contentsOf: v.elements[(o * chunk)..<min((o + 1) * chunk, v.elements.count)])
            }
        }
        var shape = first.shape
        shape[axis] = values.map { $0.shape[axis] }.reduce(0, +)
        return KnownValue(shape: shape, elements: elements)
    }

    // MARK: Split

    static func split(_ c: ShapeContext) throws(ShapeRuleError) {
        let n = c.node.outputs.count
        guard let s = c.shape(0) else {
            for i in 0..<n { c.set(i, SymTensor(c.dtype(0), nil)) }
            return
        }
        let axis = try c.axis(c.int("axis", default: 0), rank: s.count)
        let d = s[axis]
        var sizes: [DimExpr?]
        if let attr = c.ints("split") {
            sizes = attr.map { DimExpr($0) }
        } else if c.has(1) {
            sizes = c.exprs(1) ?? Array(repeating: nil, count: n)
        } else if let d, let total = d.constantValue, c.int("num_outputs") != nil || total % Int64(n) != 0 {
            let chunk = (total + Int64(n) - 1) / Int64(n)
            sizes = (0..<n).map { i in DimExpr(max(0, min(chunk, total - chunk * Int64(i)))) }
        } else {
            let equal = d.flatMap { $0.exactlyDivided(by: DimExpr(Int64(n))) ?? $0.floorDiv(DimExpr(Int64(n))) }
            sizes = Array(repeating: equal, count: n)
        }
        guard sizes.count == n else { throw c.invalid("split has \(sizes.count) sizes for \(n) outputs") }
        if let d, let total = ShapeMath.sum(sizes), total.provablyDiffers(from: d) {
            throw c.invalid("split sizes add up to \(total) but axis \(axis) has size \(d)")
        }
        var offset = 0
        for (i, size) in sizes.enumerated() {
            var shape = s
            shape[axis] = size
            var value: KnownValue? = nil
            if let v = c.value(0), v.shape.count == 1, let k = size?.constantValue, offset + Int(k) <= v.count {
                value = KnownValue(shape: [Int(k)], elements: Array(v.elements[offset..<(offset + Int(k))]))
                offset += Int(k)
            }
            c.set(i, SymTensor(c.dtype(0), shape), value: value)
        }
    }

    // MARK: Slice

    static func slice(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        let starts: [DimExpr?], ends: [DimExpr?]
        var axes: [Int64]?, steps: [DimExpr?]?
        if c.opset < 10 {
            starts = (c.ints("starts") ?? []).map { DimExpr($0) }
            ends = (c.ints("ends") ?? []).map { DimExpr($0) }
            axes = c.ints("axes")
        } else {
            guard let st = c.exprs(1), let en = c.exprs(2) else {
                c.set(0, SymTensor(c.dtype(0), s.map { _ in nil }))
                return
            }
            starts = st
            ends = en
            if c.has(3) {
                guard let a = c.int64s(3) else { c.set(0, SymTensor(c.dtype(0), s.map { _ in nil })); return }
                axes = a
            }
            if c.has(4) { steps = c.exprs(4) }
        }
        guard starts.count == ends.count else { throw c.invalid("starts has \(starts.count) entries, ends \(ends.count)") }
        let axisList = axes ?? (0..<Int64(starts.count)).map { $0 }
        guard axisList.count == starts.count, steps == nil || steps!.count == starts.count else {
            throw c.invalid("starts, ends, axes and steps differ in length")
        }
        var out = s
        var ranges: [Int: (start: Int64, step: Int64, count: Int64)] = [:]
        for (k, a) in axisList.enumerated() {
            let axis = try c.axis(a, rank: s.count)
            guard let step = steps.map({ $0[k]?.constantValue }) ?? 1 else { out[axis] = nil; continue }
            guard step != 0 else { throw c.invalid("slice step is 0 on axis \(axis)") }
            let r = sliceLength(dim: s[axis], start: starts[k], end: ends[k], step: step)
            out[axis] = r.length
            if let first = r.first, let n = r.length?.constantValue { ranges[axis] = (first, step, n) }
        }
        c.set(0, SymTensor(c.dtype(0), out), value: sliceValue(c.value(0), ranges: ranges))
    }

    /// The length of a slice (and its first index when constant); symbolic bounds are assumed in range.
    static func sliceLength(dim: DimExpr?, start: DimExpr?, end: DimExpr?, step: Int64) -> (length: DimExpr?, first: Int64?) {
        if let n = dim?.constantValue, let s0 = start?.constantValue, let e0 = end?.constantValue {
            var s = s0 < 0 ? s0 + n : s0, e = e0 < 0 ? e0 + n : e0
            if step > 0 {
                s = min(max(s, 0), n); e = min(max(e, 0), n)
                return (DimExpr(e > s ? (e - s + step - 1) / step : 0), s)
            }
            s = min(max(s, 0), n - 1); e = min(max(e, -1), n - 1)
            return (DimExpr(s > e ? (s - e - step - 1) / (-step) : 0), s)
        }
        func resolve(_ v: DimExpr?, forEnd: Bool) -> DimExpr? {
            guard let v else { return nil }
            if let k = v.constantValue {
                if step < 0, k >= ShapeMath.endSentinel { return dim.map { $0 - 1 } }
                if step < 0, k <= -ShapeMath.endSentinel { return DimExpr(-1) }
                return ShapeMath.clampIndex(k, dim: dim, forEnd: forEnd)
            }
            return v
        }
        guard let s = resolve(start, forEnd: false), let e = resolve(end, forEnd: true) else { return (nil, nil) }
        let span = step > 0 ? e - s : s - e
        if let k = span.constantValue {
            let m = abs(step)
            return (DimExpr(k > 0 ? (k + m - 1) / m : 0), nil)
        }
        return (span.ceilDiv(DimExpr(abs(step))), nil)
    }

    /// The elements of a known value picked by constant per-axis ranges (all other axes whole).
    static func sliceValue(_ v: KnownValue?, ranges: [Int: (start: Int64, step: Int64, count: Int64)]) -> KnownValue? {
        guard let v else { return nil }
        let rank = v.shape.count
        var picks: [[Int]] = []
        for i in 0..<rank {
            if let r = ranges[i] {
                picks.append((0..<Int(r.count)).map { Int(r.start + Int64($0) * r.step) })
            } else {
                picks.append(Array(0..<v.shape[i]))
            }
        }
        var strides = Array(repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * v.shape[i + 1] }
        var out: [KnownValue.Element] = []
        var index = Array(repeating: 0, count: rank)
        let counts = picks.map(\.count)
        let total = counts.reduce(1, *)
        for _ in 0..<total {
            var o = 0
            for i in 0..<rank { o += picks[i][index[i]] * strides[i] }
            guard o >= 0, o < v.elements.count else { return nil }
            out.append(v.elements[o])
            index.advance(within: counts)
        }
        return KnownValue(shape: picks.map(\.count), elements: out)
    }

    // MARK: Pad

    static func pad(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        let pads: [DimExpr?]
        if c.opset < 11 {
            pads = (c.ints("pads") ?? c.ints("paddings") ?? []).map { DimExpr($0) }
        } else if let p = c.exprs(1) {
            pads = p
        } else {
            c.set(0, SymTensor(c.dtype(0), s.map { _ in nil }))
            return
        }
        var axes = Array(0..<s.count)
        if c.has(3) {
            guard let a = c.int64s(3) else { c.set(0, SymTensor(c.dtype(0), s.map { _ in nil })); return }
            var list: [Int] = []
            for x in a { list.append(try c.axis(x, rank: s.count)) }
            axes = list
        }
        guard pads.count == 2 * axes.count else {
            throw c.invalid("pads has \(pads.count) entries; \(2 * axes.count) expected for \(axes.count) axes")
        }
        var out = s
        for (k, axis) in axes.enumerated() {
            out[axis] = s[axis].flatMap { d in pads[k].flatMap { b in pads[k + axes.count].map { d + b + $0 } } }
        }
        c.set(0, SymTensor(c.dtype(0), out))
    }

    // MARK: Depth and space

    static func depthToSpace(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        guard s.count == 4 else { throw c.invalid("input must have rank 4, has rank \(s.count)") }
        guard let b = c.int("blocksize"), b > 0 else { throw c.invalid("blocksize must be positive") }
        let bb = DimExpr(b * b)
        let channels = s[1].flatMap { $0.exactlyDivided(by: bb) ?? $0.floorDiv(bb) }
        c.set(0, SymTensor(c.dtype(0), [s[0], channels, s[2].map { $0 * b }, s[3].map { $0 * b }]))
    }

    static func spaceToDepth(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        guard s.count == 4 else { throw c.invalid("input must have rank 4, has rank \(s.count)") }
        guard let b = c.int("blocksize"), b > 0 else { throw c.invalid("blocksize must be positive") }
        let k = DimExpr(b)
        c.set(0, SymTensor(c.dtype(0), [s[0], s[1].map { $0 * (b * b) }, s[2].flatMap { $0.floorDiv(k) }, s[3].flatMap { $0.floorDiv(k) }]))
    }
}
