import ModelIR

/// Matrix products: MatMul (also integer and QLinear forms), Gemm, Det, Einsum.
enum LinearAlgebraRules {
    static var schemas: [OpSchema] {
        [
            .op("MatMul", inputs: 2...2, matMul),
            .op("MatMulInteger", inputs: 2...4, matMul),
            .op("QLinearMatMul", inputs: 8...8, matMul),
            .op("Gemm", inputs: 2...3, gemm),
            .op("Det", inputs: 1...1, det),
            .op("Einsum", inputs: 1...Int.max, einsum),
        ]
    }

    // MARK: MatMul

    static func matMul(_ c: ShapeContext) throws(ShapeRuleError) {
        let op = c.node.opType
        let (ai, bi) = op == "QLinearMatMul" ? (0, 3) : (0, 1)
        let dtype: DataType? = op == "MatMulInteger" ? .int32 : (op == "QLinearMatMul" ? (c.dtype(7) ?? c.dtype(0)) : c.dtype(0))
        guard let a0 = c.shape(ai), let b0 = c.shape(bi) else { c.set(0, SymTensor(dtype, nil)); return }
        guard !a0.isEmpty, !b0.isEmpty else { throw c.invalid("MatMul inputs must not be scalars") }
        let a = a0.count == 1 ? [DimExpr(1)] + a0 : a0
        let b = b0.count == 1 ? b0 + [DimExpr(1)] : b0
        _ = try ShapeMath.unify(a[a.count - 1], b[b.count - 2],
                                "inner dims of \(ShapeMath.render(a0)) x \(ShapeMath.render(b0)) differ")
        let batch: [DimExpr?]
        do { batch = try ShapeMath.broadcast([Array(a.dropLast(2)), Array(b.dropLast(2))]) ?? [] } catch {
            throw c.invalid("batch dims of \(ShapeMath.render(a0)) and \(ShapeMath.render(b0)) do not broadcast")
        }
        var out = batch
        if a0.count > 1 { out.append(a[a.count - 2]) }
        if b0.count > 1 { out.append(b[b.count - 1]) }
        c.set(0, SymTensor(dtype, out))
    }

    static func gemm(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let a = c.shape(0), let b = c.shape(1) else {
            c.set(0, SymTensor(c.dtype(0), [nil, nil]))
            return
        }
        guard a.count == 2, b.count == 2 else { throw c.invalid("Gemm inputs must be matrices, got ranks \(a.count) and \(b.count)") }
        let ta = c.int("transA", default: 0) != 0, tb = c.int("transB", default: 0) != 0
        let (m, ka) = ta ? (a[1], a[0]) : (a[0], a[1])
        let (kb, n) = tb ? (b[1], b[0]) : (b[0], b[1])
        _ = try ShapeMath.unify(ka, kb, "inner dims of A \(ShapeMath.render(a)) and B \(ShapeMath.render(b)) differ")
        if c.has(2), let cs = c.shape(2) {
            do { _ = try ShapeMath.broadcast([cs, [m, n]]) } catch {
                throw c.invalid("C \(ShapeMath.render(cs)) does not broadcast to the output [\(m?.description ?? "?"),\(n?.description ?? "?")]")
            }
        }
        c.set(0, SymTensor(c.dtype(0), [m, n]))
    }

    static func det(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        guard s.count >= 2 else { throw c.invalid("Det needs a rank of at least 2, got \(s.count)") }
        c.set(0, SymTensor(c.dtype(0), Array(s.dropLast(2))))
    }

    // MARK: Einsum

    static func einsum(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let equation = c.string("equation") else { throw c.invalid("Einsum needs an equation") }
        let eq = equation.replacingOccurrences(of: " ", with: "")
        let sides = eq.components(separatedBy: "->")
        let terms = sides[0].components(separatedBy: ",")
        guard terms.count == c.inputCount else {
            throw c.invalid("equation '\(equation)' has \(terms.count) operands, the node has \(c.inputCount) inputs")
        }
        var letters: [Character: DimExpr?] = [:]
        var counts: [Character: Int] = [:]
        var ellipsis: [DimExpr?] = []
        for (k, term) in terms.enumerated() {
            guard let s = c.shape(k) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
            let hasEllipsis = term.contains("...")
            let named = Array(term.replacingOccurrences(of: "...", with: ""))
            let ellipsisRank = s.count - named.count
            guard ellipsisRank >= 0, hasEllipsis || ellipsisRank == 0 else {
                throw c.invalid("operand \(k) has rank \(s.count) but '\(term)' names \(named.count) axes")
            }
            var axis = 0
            var i = term.startIndex
            while i < term.endIndex {
                if term[i...].hasPrefix("...") {
                    let dims = Array(s[axis..<(axis + ellipsisRank)])
                    ellipsis = try ShapeMath.broadcast([ellipsis, dims]) ?? []
                    axis += ellipsisRank
                    i = term.index(i, offsetBy: 3)
                    continue
                }
                let ch = term[i]
                if let previous = letters[ch] {
                    letters[ch] = try ShapeMath.unify(previous, s[axis], "axis '\(ch)' differs between operands")
                } else {
                    letters[ch] = s[axis]
                }
                counts[ch, default: 0] += 1
                axis += 1
                i = term.index(after: i)
            }
        }
        var out: [DimExpr?] = []
        if sides.count > 1 {
            let rhs = sides[1]
            var i = rhs.startIndex
            while i < rhs.endIndex {
                if rhs[i...].hasPrefix("...") {
                    out += ellipsis
                    i = rhs.index(i, offsetBy: 3)
                    continue
                }
                guard let d = letters[rhs[i]] else { throw c.invalid("output axis '\(rhs[i])' appears in no operand") }
                out.append(d)
                i = rhs.index(after: i)
            }
        } else {
            out = ellipsis + counts.filter { $0.value == 1 }.keys.sorted().map { letters[$0] ?? nil }
        }
        c.set(0, SymTensor(c.dtype(0), out))
    }
}
