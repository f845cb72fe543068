import ModelIR

/// Einsum and Det.
enum LinearAlgebraKernels {
    static var table: [String: Kernel] {
        [
            "Einsum": einsum,
            "Det": det,
        ]
    }

    // MARK: Einsum

    /// One operand or output term: letters, with the ellipsis (if any) at position `ellipsisAt`.
    struct Term {
        var letters: [Character]
        var ellipsisAt: Int?
    }

    /// Parses a term such as `...ij` or `bik`.
    static func parseTerm(_ s: Substring, _ call: KernelCall) throws(InterpreterError) -> Term {
        var letters: [Character] = [], ellipsisAt: Int?
        var rest = s
        while let ch = rest.first {
            if rest.hasPrefix("...") {
                guard ellipsisAt == nil else { throw call.invalid("Einsum term '\(s)' has two ellipses") }
                ellipsisAt = letters.count
                rest = rest.dropFirst(3)
                continue
            }
            guard ch.isLetter else { throw call.invalid("Einsum term '\(s)' has an invalid character '\(ch)'") }
            letters.append(ch)
            rest = rest.dropFirst()
        }
        return Term(letters: letters, ellipsisAt: ellipsisAt)
    }

    /// Index ids of a term: letters map through `ids`, ellipsis dims to `0..<ellipsisRank` (right-aligned).
    static func termIDs(_ t: Term, ellipsisDims: Int, ellipsisRank: Int, ids: [Character: Int]) -> [Int] {
        var out = t.letters.map { ids[$0] ?? 0 }
        if let at = t.ellipsisAt {
            out.insert(contentsOf: (ellipsisRank - ellipsisDims)..<ellipsisRank, at: at)
        }
        return out
    }

    static let einsum: Kernel = { call throws(InterpreterError) in
        let equation = call.string("equation", default: "").filter { !$0.isWhitespace }
        let sides = equation.components(separatedBy: "->")
        guard sides.count <= 2, let lhs = sides.first else { throw call.invalid("invalid Einsum equation '\(equation)'") }
        var terms: [Term] = []
        for part in lhs.split(separator: ",", omittingEmptySubsequences: false) { terms.append(try parseTerm(part, call)) }
        var operands: [NDArray] = []
        for i in 0..<terms.count { operands.append(try call.tensor(i)) }
        guard operands.count == call.inputs.count else { throw call.invalid("Einsum has \(call.inputs.count) inputs but \(terms.count) terms") }
        // Letter ids come after the ellipsis ids.
        var ellipsisRank = 0
        for (t, x) in zip(terms, operands) {
            let e = x.rank - t.letters.count
            guard e >= 0, t.ellipsisAt != nil || e == 0 else { throw call.invalid("operand of shape \(x.shape) does not match its Einsum term") }
            ellipsisRank = max(ellipsisRank, e)
        }
        var ids: [Character: Int] = [:], counts: [Character: Int] = [:]
        for t in terms { for ch in t.letters { counts[ch, default: 0] += 1; if ids[ch] == nil { ids[ch] = ellipsisRank + ids.count } } }
        let output: Term
        if sides.count == 2 {
            output = try parseTerm(Substring(sides[1]), call)
            for ch in output.letters where ids[ch] == nil { throw call.invalid("output letter '\(ch)' is not in any input") }
        } else {
            let once = counts.filter { $0.value == 1 }.keys.sorted()
            output = Term(letters: once, ellipsisAt: terms.contains { $0.ellipsisAt != nil } ? 0 : nil)
        }
        let idCount = ellipsisRank + ids.count
        var sizes = [Int](repeating: 1, count: idCount)
        var operandIDs: [[Int]] = []
        for (t, x) in zip(terms, operands) {
            let tid = termIDs(t, ellipsisDims: x.rank - t.letters.count, ellipsisRank: ellipsisRank, ids: ids)
            for (axis, id) in tid.enumerated() {
                let s = x.shape[axis]
                if sizes[id] == 1 { sizes[id] = s } else if s != 1 && s != sizes[id] {
                    throw call.invalid("Einsum dimension mismatch: \(s) vs \(sizes[id])")
                }
            }
            operandIDs.append(tid)
        }
        let outIDs = termIDs(output, ellipsisDims: ellipsisRank, ellipsisRank: ellipsisRank, ids: ids)
        let summed = (0..<idCount).filter { !outIDs.contains($0) }
        let order = outIDs + summed
        // Per operand, the stride each id advances it by (0 for broadcast or absent ids; diagonals add up).
        var strides: [[Int]] = []
        for (x, tid) in zip(operands, operandIDs) {
            var s = [Int](repeating: 0, count: idCount)
            let xs = x.strides
            for (axis, id) in tid.enumerated() where x.shape[axis] != 1 { s[id] += xs[axis] }
            strides.append(order.map { s[$0] })
        }
        let values = operands.map { $0.doubles }
        let dims = order.map { sizes[$0] }
        let outShape = outIDs.map { sizes[$0] }
        let outCount = outShape.reduce(1, *), innerCount = summed.map { sizes[$0] }.reduce(1, *)
        var out = [Double](repeating: 0, count: outCount)
        if dims.allSatisfy({ $0 > 0 }) {
            var index = [Int](repeating: 0, count: dims.count)
            var offsets = [Int](repeating: 0, count: operands.count)
            for o in 0..<outCount {
                var acc = 0.0
                for _ in 0..<innerCount {
                    var p = 1.0
                    for k in 0..<operands.count { p *= values[k][offsets[k]] }
                    acc += p
                    // advance the odometer
                    var d = dims.count - 1
                    while d >= 0 {
                        index[d] += 1
                        for k in 0..<operands.count { offsets[k] += strides[k][d] }
                        if index[d] < dims[d] { break }
                        for k in 0..<operands.count { offsets[k] -= strides[k][d] * dims[d] }
                        index[d] = 0
                        d -= 1
                    }
                }
                out[o] = acc
            }
        }
        return [.tensor(operands[0].with(shape: outShape, doubles: out))]
    }

    // MARK: Det

    static let det: Kernel = { call throws(InterpreterError) in
        let x = try call.floatingTensor(0)
        guard x.rank >= 2, x.shape[x.rank - 1] == x.shape[x.rank - 2] else { throw call.invalid("Det needs square matrices [*, M, M]") }
        let m = x.shape[x.rank - 1]
        let batch = Array(x.shape.dropLast(2))
        let values = x.doubles
        var out: [Double] = []
        for b in 0..<batch.reduce(1, *) {
            out.append(determinant(Array(values[(b * m * m)..<((b + 1) * m * m)]), m))
        }
        return [.tensor(x.with(shape: batch, doubles: out))]
    }

    /// Determinant by LU decomposition with partial pivoting.
    static func determinant(_ matrix: [Double], _ m: Int) -> Double {
        var a = matrix
        var det = 1.0
        for col in 0..<m {
            var pivot = col
            for r in (col + 1)..<max(m, col + 1) where abs(a[r * m + col]) > abs(a[pivot * m + col]) { pivot = r }
            if a[pivot * m + col] == 0 { return 0 }
            if pivot != col {
                for k in 0..<m { a.swapAt(col * m + k, pivot * m + k) }
                det = -det
            }
            let p = a[col * m + col]
            det *= p
            for r in (col + 1)..<max(m, col + 1) {
                let f = a[r * m + col] / p
                if f == 0 { continue }
                for k in col..<m { a[r * m + k] -= f * a[col * m + k] }
            }
        }
        return det
    }
}
