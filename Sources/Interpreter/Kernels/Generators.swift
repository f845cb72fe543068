import ModelIR

/// Ops that generate arrays from shapes or scalars: ConstantOfShape, Range, OneHot, EyeLike,
/// and CumSum.
enum GeneratorKernels {
    static var table: [String: Kernel] {
        [
            "ConstantOfShape": constantOfShape,
            "Range": range,
            "OneHot": oneHot,
            "EyeLike": eyeLike,
            "CumSum": cumSum,
        ]
    }

    // MARK: ConstantOfShape and Range

    static let constantOfShape: Kernel = { call throws(InterpreterError) in
        let shape = try call.numericTensor(0).ints
        try call.checkShape(shape)
        let value = try call.tensorAttribute("value") ?? NDArray(shape: [1], floats: [0])
        guard value.count == 1 else { throw call.invalid("value must hold one element") }
        return [.tensor(NDArray.filled(value, shape: shape))]
    }

    static let range: Kernel = { call throws(InterpreterError) in
        let start = try call.numericTensor(0), limit = try call.numericTensor(1), delta = try call.numericTensor(2)
        guard start.count == 1, limit.count == 1, delta.count == 1 else {
            throw call.invalid("start, limit and delta must be scalars")
        }
        switch start.storage {
        case .int64, .int32, .int16, .int8, .uint8, .uint16, .uint32:
            let (s, l, d) = (start.int64s[0], limit.int64s[0], delta.int64s[0])
            guard d != 0 else { throw call.invalid("delta cannot be 0") }
            let span = l.subtractingReportingOverflow(s)
            guard !span.overflow else { throw call.invalid("range too large") }
            let n = max(0, d > 0 ? (span.partialValue &+ d &- 1) / d : (span.partialValue &+ d &+ 1) / d)
            guard n <= Int64(Int32.max) else { throw call.invalid("range of \(n) elements is too large") }
            let values = (0..<n).map { Double(s &+ $0 &* d) }
            if case .int64 = start.storage {
                return [.tensor(NDArray(shape: [Int(n)], int64s: (0..<n).map { s &+ $0 &* d }))]
            }
            return [.tensor(start.with(shape: [Int(n)], doubles: values))]
        default:
            let (s, l, d) = (start.doubles[0], limit.doubles[0], delta.doubles[0])
            guard d != 0, s.isFinite, l.isFinite, d.isFinite else { throw call.invalid("invalid range parameters") }
            let count = max(0, ((l - s) / d).rounded(.up))
            guard count <= Double(Int32.max) else { throw call.invalid("range of \(count) elements is too large") }
            let n = Int(count)
            return [.tensor(start.with(shape: [n], doubles: (0..<n).map { s + Double($0) * d }))]
        }
    }

    // MARK: OneHot and EyeLike

    static let oneHot: Kernel = { call throws(InterpreterError) in
        let indices = try call.numericTensor(0)
        let depthValue = try call.numericTensor(1).doubles.first ?? 0
        let values = try call.tensor(2)
        guard values.count == 2 else { throw call.invalid("values must hold [off, on]") }
        guard depthValue >= 1, depthValue < 1e9 else { throw call.invalid("depth must be positive") }
        let depth = Int(depthValue)
        let given = call.int("axis", default: -1)
        let rank = indices.rank + 1
        let axis = given < 0 ? given + rank : given
        guard axis >= 0 && axis < rank else { throw call.invalid("axis \(given) out of range for rank \(rank)") }
        let outer = NDArray.count(of: Array(indices.shape[..<axis]))
        let inner = NDArray.count(of: Array(indices.shape[axis...]))
        let hot = indices.doubles.map { v -> Int in
            let i = v.isFinite ? Int(max(min(v, 1e15), -1e15)) : -1
            return i < 0 ? i + depth : i
        }
        var shape = indices.shape
        shape.insert(depth, at: axis)
        try call.checkShape(shape)
        var map = [Int](repeating: 0, count: outer * depth * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                let h = hot[o * inner + i]
                if h >= 0 && h < depth { map[(o * depth + h) * inner + i] = 1 }
            }
        }
        return [.tensor(values.gathering(map, shape: shape))]
    }

    static let eyeLike: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        guard x.rank == 2 else { throw call.invalid("EyeLike needs a 2-D input") }
        let type = call.int("dtype").map { DataType(rawValue: Int32($0)) } ?? x.dataType
        guard type != .string else { throw call.unsupported(type) }
        let k = call.int("k", default: 0)
        let (rows, cols) = (x.shape[0], x.shape[1])
        var values = [Double](repeating: 0, count: rows * cols)
        if k > -rows && k < cols {
            for i in max(0, -k)..<min(rows, cols - k) { values[i * cols + i + k] = 1 }
        }
        return [.tensor(NDArray(dataType: type, shape: x.shape, doubles: values))]
    }

    // MARK: CumSum

    static let cumSum: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        guard let a = try call.numericTensor(1).scalarInt else { throw call.invalid("axis must be a scalar") }
        let axis = try call.axis(a, rank: x.rank)
        let (outer, inner) = outerInner(x.shape, axis)
        let body = Accumulate(outer: outer, dim: x.shape[axis], inner: inner,
                              exclusive: call.int("exclusive", default: 0) != 0,
                              reverse: call.int("reverse", default: 0) != 0)
        guard let out = NDArray.numeric([x], shape: x.shape, body) else { throw call.unsupported(x.dataType) }
        return [.tensor(out)]
    }

    /// Running sums along the middle axis of an (outer, dim, inner) layout.
    struct Accumulate: NumericBody {
        let outer: Int, dim: Int, inner: Int
        let exclusive: Bool, reverse: Bool

        func callAsFunction<T: KernelNumeric>(_ sources: [[T]]) -> [T] {
            let x = sources[0]
            var out = [T](repeating: .zero, count: x.count)
            for o in 0..<outer {
                for i in 0..<inner {
                    var sum = T.zero
                    for step in 0..<dim {
                        let j = reverse ? dim - 1 - step : step
                        let at = (o * dim + j) * inner + i
                        if exclusive {
                            out[at] = sum
                            sum = T.add(sum, x[at])
                        } else {
                            sum = T.add(sum, x[at])
                            out[at] = sum
                        }
                    }
                }
            }
            return out
        }
    }
}
