import ModelIR

/// Shape-only ops: Reshape, Shape, Size, Flatten, Squeeze, Unsqueeze, Expand, and Dropout
/// (an identity at inference).
enum ShapeKernels {
    static var table: [String: Kernel] {
        [
            "Reshape": reshape,
            "Shape": shapeOf,
            "Size": size,
            "Flatten": flatten,
            "Squeeze": squeeze,
            "Unsqueeze": unsqueeze,
            "Expand": expand,
            "Dropout": dropout,
        ]
    }

    // MARK: Reshape

    static let reshape: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let spec = call.opset < 5 ? (call.ints("shape") ?? []) : try call.numericTensor(1).ints
        let shape = try resolveReshape(spec, input: x.shape, count: x.count,
                                       allowZero: call.int("allowzero", default: 0) != 0, call: call)
        return [.tensor(x.reshaped(shape))]
    }

    /// The target shape of Reshape: 0 copies the input dim (unless `allowZero`), -1 is inferred.
    static func resolveReshape(_ spec: [Int], input: [Int], count: Int, allowZero: Bool, call: KernelCall) throws(InterpreterError) -> [Int] {
        var out = spec
        var inferred: Int?
        for (i, d) in spec.enumerated() {
            if d == 0 && !allowZero {
                guard i < input.count else { throw call.invalid("shape[\(i)] = 0 has no input dimension to copy") }
                out[i] = input[i]
            } else if d == -1 {
                guard inferred == nil else { throw call.invalid("shape has more than one -1") }
                inferred = i
            } else if d < 0 {
                throw call.invalid("invalid shape dimension \(d)")
            }
        }
        try call.checkShape(out.map { $0 < 0 ? 1 : $0 })
        if let i = inferred {
            let known = out.enumerated().reduce(1) { $1.offset == i ? $0 : $0 * $1.element }
            guard known > 0, count % known == 0 else {
                throw call.invalid("cannot infer the -1 dimension of \(spec) for \(count) elements")
            }
            out[i] = count / known
        }
        guard NDArray.count(of: out) == count else {
            throw call.invalid("cannot reshape \(input) to \(spec)")
        }
        return out
    }

    // MARK: Shape and Size

    static let shapeOf: Kernel = { call throws(InterpreterError) in
        let dims = try call.data().shape
        let r = dims.count
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + r : v, 0), r) }
        let start = call.opset >= 15 ? clamp(call.int("start", default: 0)) : 0
        let end = call.opset >= 15 ? clamp(call.int("end", default: r)) : r
        let picked = start < end ? Array(dims[start..<end]) : []
        return [.tensor(NDArray(shape: [picked.count], int64s: picked.map { Int64($0) }))]
    }

    static let size: Kernel = { call throws(InterpreterError) in
        [.tensor(NDArray(shape: [], int64s: [Int64(try call.data().count)]))]
    }

    // MARK: Flatten, Squeeze, Unsqueeze

    static let flatten: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let given = call.int("axis", default: 1)
        let axis = given < 0 ? given + x.rank : given
        guard axis >= 0 && axis <= x.rank else { throw call.invalid("axis \(given) out of range for rank \(x.rank)") }
        let outer = NDArray.count(of: Array(x.shape[..<axis]))
        return [.tensor(x.reshaped([outer, NDArray.count(of: Array(x.shape[axis...]))]))]
    }

    static let squeeze: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let shape: [Int]
        if let list = try call.attributeOrInput("axes", input: 1, since: 13) {
            let axes = try call.axes(list, rank: x.rank)
            for a in axes where x.shape[a] != 1 {
                throw call.invalid("cannot squeeze axis \(a) of size \(x.shape[a])")
            }
            shape = x.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        } else {
            shape = x.shape.filter { $0 != 1 }
        }
        return [.tensor(x.reshaped(shape))]
    }

    static let unsqueeze: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        guard let list = try call.attributeOrInput("axes", input: 1, since: 13) else {
            throw call.invalid("Unsqueeze needs axes")
        }
        let rank = x.rank + list.count
        let axes = try call.axes(list, rank: rank)
        var shape: [Int] = []
        var next = 0
        for d in 0..<rank {
            if axes.contains(d) {
                shape.append(1)
            } else {
                shape.append(x.shape[next])
                next += 1
            }
        }
        return [.tensor(x.reshaped(shape))]
    }

    // MARK: Expand

    static let expand: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let requested = try call.numericTensor(1).ints
        guard requested.allSatisfy({ $0 >= 0 }), let target = Broadcast.shape([x.shape, requested]) else {
            throw call.invalid("cannot expand \(x.shape) to \(requested)")
        }
        try call.checkShape(target)
        return [.tensor(x.expanded(to: target))]
    }

    // MARK: Dropout

    static let dropout: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let training: Bool
        let ratio: Double
        if call.opset >= 12 {
            training = call.optionalTensor(2).map { $0.doubles.first.map { $0 != 0 } ?? false } ?? false
            ratio = call.optionalTensor(1)?.doubles.first ?? 0.5
        } else {
            training = call.opset < 7 && call.int("is_test", default: 0) == 0
            ratio = Double(call.float("ratio", default: 0.5))
        }
        let maskType: DataType = call.opset >= 10 ? .bool : x.dataType
        guard training && ratio > 0 else {
            let ones = NDArray.filled(NDArray(dataType: maskType, shape: [], doubles: [1]), shape: x.shape)
            return [.tensor(x), .tensor(ones)]
        }
        guard ratio < 1 else { throw call.invalid("dropout ratio must be below 1") }
        return try randomDropout(x, ratio: ratio, seed: call.int("seed"), maskType: maskType, call: call)
    }

    /// Training-mode dropout: zeroes elements with probability `ratio`, scales the rest.
    static func randomDropout(_ x: NDArray, ratio: Double, seed: Int?, maskType: DataType, call: KernelCall) throws(InterpreterError) -> [RuntimeValue] {
        var state = UInt64(truncatingIfNeeded: seed ?? Int(truncatingIfNeeded: UInt64.random(in: 0...UInt64.max)))
        var keep = [Bool](repeating: false, count: x.count)
        for i in 0..<keep.count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            keep[i] = Double(state >> 11) / Double(1 << 53) >= ratio
        }
        guard x.dataType != .string, x.dataType != .bool else { throw call.unsupported(x.dataType) }
        let scale = 1 / (1 - ratio)
        let values = zip(x.doubles, keep).map { $1 ? $0 * scale : 0 }
        let mask = NDArray(dataType: maskType, shape: x.shape, doubles: keep.map { $0 ? 1 : 0 })
        return [.tensor(x.with(shape: x.shape, doubles: values)), .tensor(mask)]
    }
}
