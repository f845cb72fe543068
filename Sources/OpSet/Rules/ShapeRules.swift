import ModelIR

/// Ops that compute or change shapes: Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand, Tile.
enum ShapeRules {
    static var schemas: [OpSchema] {
        [
            .op("Shape", inputs: 1...1, shape),
            .op("Size", inputs: 1...1, size),
            .op("Reshape", inputs: 1...2, reshape),
            .op("Flatten", inputs: 1...1, flatten),
            .op("Squeeze", inputs: 1...2, squeeze),
            .op("Unsqueeze", inputs: 1...2, unsqueeze),
            .op("Transpose", inputs: 1...1, transpose),
            .op("Expand", inputs: 2...2, expand),
            .op("Tile", inputs: 2...3, tile),
        ]
    }

    // MARK: Shape and Size

    static func shape(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let dims = c.shape(0) else {
            c.set(0, SymTensor(.int64, [nil]))
            return
        }
        let r = Int64(dims.count)
        func clamp(_ v: Int64) -> Int { Int(min(max(v < 0 ? v + r : v, 0), r)) }
        let start = clamp(c.int("start", default: 0))
        let end = clamp(c.int("end", default: r))
        let picked = start < end ? Array(dims[start..<end]) : []
        c.set(0, SymTensor.fixed(.int64, [Int64(picked.count)]), value: .vector(picked))
    }

    static func size(_ c: ShapeContext) throws(ShapeRuleError) {
        let n = c.tensor(0)?.elementCount
        c.set(0, SymTensor.fixed(.int64, []), value: n.map { .scalar($0) })
    }

    // MARK: Reshape and Flatten

    static func reshape(_ c: ShapeContext) throws(ShapeRuleError) {
        let input = c.tensor(0)
        let allowZero = c.int("allowzero", default: 0) != 0
        var target: [DimExpr?]
        if c.opset < 5, let attr = c.ints("shape") {
            target = attr.map { DimExpr($0) }
        } else if let t = c.exprs(1) {
            target = t
        } else {
            c.set(0, SymTensor(input?.elementType, nil))
            return
        }
        var inferIndex: Int? = nil
        for (i, d) in target.enumerated() {
            guard let v = d?.constantValue else { continue }
            if v == 0 && !allowZero {
                guard let inShape = input?.shape else { target[i] = nil; continue }
                guard i < inShape.count else { throw c.invalid("shape[\(i)] is 0 (copy) but the input has rank \(inShape.count)") }
                target[i] = inShape[i]
            } else if v == -1 {
                guard inferIndex == nil else { throw c.invalid("shape \(ShapeMath.render(target)) has more than one -1") }
                inferIndex = i
            } else if v < -1 {
                throw c.invalid("shape has the invalid dim \(v)")
            }
        }
        let total = input?.elementCount
        if let k = inferIndex {
            let known = ShapeMath.product(target.enumerated().filter { $0.offset != k }.map(\.element))
            if let total, let known {
                if let a = total.constantValue, let b = known.constantValue {
                    guard b != 0 ? a % b == 0 : a == 0 else {
                        throw c.invalid("cannot reshape \(a) elements (input \(ShapeMath.render(input?.shape))) to \(ShapeMath.render(target))")
                    }
                    target[k] = DimExpr(b == 0 ? 0 : a / b)
                } else {
                    target[k] = total.exactlyDivided(by: known)
                }
            } else {
                target[k] = nil
            }
        } else if let total, let product = ShapeMath.product(target), total.provablyDiffers(from: product) {
            throw c.invalid("cannot reshape input \(ShapeMath.render(input?.shape)) (\(total) elements) to \(ShapeMath.render(target)) (\(product) elements)")
        }
        var value: KnownValue? = nil
        if let v = c.value(0), let dims = SymTensor(nil, target).fixedDims, dims.reduce(1, *) == Int64(v.count) {
            value = KnownValue(shape: dims.map { Int($0) }, elements: v.elements)
        }
        c.set(0, SymTensor(input?.elementType, target), value: value)
    }

    static func flatten(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), [nil, nil])); return }
        let a = c.int("axis", default: 1)
        guard a >= -Int64(s.count), a <= Int64(s.count) else { throw c.invalid("axis \(a) is out of range for rank \(s.count)") }
        let axis = Int(a < 0 ? a + Int64(s.count) : a)
        let outer = ShapeMath.product(s[..<min(axis, s.count)])
        let inner = ShapeMath.product(s[min(axis, s.count)...])
        let value = c.value(0).flatMap { v in SymTensor(nil, [outer, inner]).fixedDims.map { KnownValue(shape: $0.map { Int($0) }, elements: v.elements) } }
        c.set(0, SymTensor(c.dtype(0), [outer, inner]), value: value)
    }

    // MARK: Squeeze and Unsqueeze

    /// The axes of Squeeze/Unsqueeze: an attribute before opset 13, input 1 from 13.
    static func axesOperand(_ c: ShapeContext) -> [Int64]?? {
        if let a = c.ints("axes") { return .some(a) }
        if c.has(1) { return .some(c.int64s(1)) }
        return .none
    }

    static func squeeze(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        var keep: [DimExpr?] = []
        switch axesOperand(c) {
        case .some(.some(let axes)):
            var drop = Set<Int>()
            for a in axes {
                let i = try c.axis(a, rank: s.count, what: "squeeze axis")
                if let v = s[i]?.constantValue, v != 1 { throw c.invalid("cannot squeeze axis \(i) of size \(v)") }
                drop.insert(i)
            }
            keep = s.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        case .some(.none):
            c.set(0, SymTensor(c.dtype(0), nil))
            return
        case .none:
            for (i, d) in s.enumerated() {
                guard let d else { c.set(0, SymTensor(c.dtype(0), nil)); return }
                if d.constantValue == 1 || (!d.isConstant && c.assumesEqual("axis \(i): \(d) == 1")) { continue }
                keep.append(d)
            }
        }
        let value = c.value(0).flatMap { v in SymTensor(nil, keep).fixedDims.map { KnownValue(shape: $0.map { Int($0) }, elements: v.elements) } }
        c.set(0, SymTensor(c.dtype(0), keep), value: value)
    }

    static func unsqueeze(_ c: ShapeContext) throws(ShapeRuleError) {
        guard case .some(.some(let axes)) = axesOperand(c) else {
            c.set(0, SymTensor(c.dtype(0), nil))
            return
        }
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        let rank = s.count + axes.count
        var inserted = Set<Int>()
        for a in axes {
            let i = try c.axis(a, rank: rank, what: "unsqueeze axis")
            guard inserted.insert(i).inserted else { throw c.invalid("axis \(i) is given twice") }
        }
        var out: [DimExpr?] = []
        var next = 0
        for i in 0..<rank {
            if inserted.contains(i) { out.append(DimExpr(1)) } else { out.append(s[next]); next += 1 }
        }
        let value = c.value(0).map { KnownValue(shape: out.map { Int($0?.constantValue ?? 1) }, elements: $0.elements) }
        c.set(0, SymTensor(c.dtype(0), out), value: value)
    }

    // MARK: Transpose

    static func transpose(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        let perm = c.ints("perm") ?? Array((0..<Int64(s.count)).reversed())
        guard perm.count == s.count, Set(perm).count == perm.count, perm.allSatisfy({ $0 >= 0 && $0 < s.count }) else {
            throw c.invalid("perm \(perm) is not a permutation of the input's \(s.count) axes")
        }
        c.set(0, SymTensor(c.dtype(0), perm.map { s[Int($0)] }), value: c.value(0).map { transposed($0, perm: perm.map { Int($0) }) })
    }

    /// A known value with its axes permuted.
    static func transposed(_ v: KnownValue, perm: [Int]) -> KnownValue {
        let rank = v.shape.count
        guard rank > 1 else { return v }
        let shape = perm.map { v.shape[$0] }
        var strides = Array(repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * v.shape[i + 1] }
        var out: [KnownValue.Element] = []
        out.reserveCapacity(v.count)
        var index = Array(repeating: 0, count: rank)
        for _ in 0..<v.count {
            var o = 0
            for i in 0..<rank { o += index[i] * strides[perm[i]] }
            out.append(v.elements[o])
            index.advance(within: shape)
        }
        return KnownValue(shape: shape, elements: out)
    }

    // MARK: Expand and Tile

    static func expand(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let target = c.exprs(1) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        let shape: [DimExpr?]?
        do { shape = try ShapeMath.broadcast([c.shape(0), target]) } catch {
            throw c.invalid("cannot expand \(ShapeMath.render(c.shape(0))) to \(ShapeMath.render(target)): \(error)")
        }
        var value: KnownValue? = nil
        if let v = c.value(0), let dims = SymTensor(nil, shape).fixedDims {
            let ones = KnownValue(shape: dims.map { Int($0) }, elements: Array(repeating: .int(DimExpr(0)), count: Int(dims.reduce(1, *))))
            value = KnownValue.broadcastMap([v, ones], limit: c.valueLimit) { $0[0] }
        }
        c.set(0, SymTensor(c.dtype(0), shape), value: value)
    }

    static func tile(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else {
            c.set(0, SymTensor(c.dtype(0), c.exprs(1).map { $0.map { _ in nil } }))
            return
        }
        guard let repeats = c.exprs(1) else { c.set(0, SymTensor(c.dtype(0), s.map { _ in nil })); return }
        guard repeats.count == s.count else { throw c.invalid("repeats has \(repeats.count) entries for an input of rank \(s.count)") }
        c.set(0, SymTensor(c.dtype(0), zip(s, repeats).map { d, r in d.flatMap { d in r.map { d * $0 } } }))
    }
}
