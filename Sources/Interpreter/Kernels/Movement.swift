import ModelIR

/// Data movement through strided views and contiguous runs: Transpose, Concat, Split, Slice,
/// Tile, DepthToSpace, SpaceToDepth.
enum MovementKernels {
    static var table: [String: Kernel] {
        [
            "Transpose": transpose,
            "Concat": concat,
            "Split": split,
            "Slice": slice,
            "Tile": tile,
            "DepthToSpace": depthToSpace,
            "SpaceToDepth": spaceToDepth,
        ]
    }

    // MARK: Transpose

    static let transpose: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let perm = call.ints("perm") ?? Array((0..<x.rank).reversed())
        guard perm.count == x.rank, Set(perm) == Set(0..<x.rank) else {
            throw call.invalid("perm \(perm) is not a permutation of \(x.rank) axes")
        }
        return [.tensor(x.transposed(perm))]
    }

    // MARK: Concat

    static let concat: Kernel = { call throws(InterpreterError) in
        var parts: [NDArray] = []
        for i in call.inputs.indices { parts.append(try call.tensor(i)) }
        guard let first = parts.first else { throw call.invalid("Concat needs at least one input") }
        let axis = try call.axis(call.int("axis", default: call.opset < 4 ? 1 : 0), rank: first.rank)
        var shape = first.shape
        shape[axis] = 0
        for p in parts {
            guard p.rank == first.rank,
                  (0..<p.rank).allSatisfy({ $0 == axis || p.shape[$0] == first.shape[$0] }) else {
                throw call.invalid("cannot concatenate \(p.shape) with \(first.shape) on axis \(axis)")
            }
            shape[axis] += p.shape[axis]
        }
        let (outer, inner) = outerInner(first.shape, axis)
        var runs: [Run] = []
        runs.reserveCapacity(outer * parts.count)
        for o in 0..<outer {
            for (i, p) in parts.enumerated() {
                let block = p.shape[axis] * inner
                runs.append(Run(source: i, start: o * block, count: block))
            }
        }
        guard let out = NDArray.combining(parts, shape: shape, RunCopy(runs: runs, total: NDArray.count(of: shape))) else {
            throw call.invalid("Concat inputs have different element types")
        }
        return [.tensor(out)]
    }

    // MARK: Split and Slice

    static let split: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let axis = try call.axis(call.int("axis", default: 0), rank: x.rank)
        let dim = x.shape[axis]
        let outputs = max(call.node.outputs.count, 1)
        var sizes = call.opset >= 13 ? try call.intsInput(1) : (call.opset < 2 ? try call.intsInput(1) : nil) ?? call.ints("split")
        if sizes == nil, let n = call.int("num_outputs") {
            guard n > 0 else { throw call.invalid("num_outputs must be positive") }
            sizes = chunks(dim, parts: n)
        }
        let parts = sizes ?? chunks(dim, parts: outputs)
        guard parts.allSatisfy({ $0 >= 0 && $0 <= dim }), parts.reduce(0, +) == dim else {
            throw call.invalid("split \(parts) does not cover dimension \(dim)")
        }
        var start = 0
        var result: [RuntimeValue] = []
        for size in parts {
            result.append(.tensor(sliceAxis(x, axis: axis, start: start, count: size)))
            start += size
        }
        return result
    }

    /// Sizes of `parts` chunks of `dim`: equal when divisible, else ceil-sized with a smaller last one.
    static func chunks(_ dim: Int, parts: Int) -> [Int] {
        if dim % parts == 0 { return [Int](repeating: dim / parts, count: parts) }
        let size = (dim + parts - 1) / parts
        return (0..<parts).map { max(0, min(size, dim - $0 * size)) }
    }

    /// `count` entries of `x` from `start` along `axis`.
    static func sliceAxis(_ x: NDArray, axis: Int, start: Int, count: Int) -> NDArray {
        var shape = x.shape
        shape[axis] = count
        let s = x.strides
        return x.viewed(offset: start * s[axis], shape: shape, strides: s)
    }

    static let slice: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let starts: [Int], ends: [Int], axesList: [Int]?, steps: [Int]?
        if call.opset < 10 {
            starts = call.ints("starts") ?? []
            ends = call.ints("ends") ?? []
            axesList = call.ints("axes")
            steps = nil
        } else {
            starts = try call.numericTensor(1).ints
            ends = try call.numericTensor(2).ints
            axesList = try call.intsInput(3)
            steps = try call.intsInput(4)
        }
        let axes = try call.axes(axesList ?? Array(0..<starts.count), rank: x.rank)
        let stepList = steps ?? [Int](repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, stepList.count == starts.count else {
            throw call.invalid("starts, ends, axes and steps must have the same length")
        }
        var shape = x.shape
        var strides = x.strides
        var offset = 0
        for (i, a) in axes.enumerated() {
            // Steps beyond the dimension select at most one element; clamping avoids overflow.
            let step = min(max(stepList[i], -x.shape[a] - 1), x.shape[a] + 1)
            guard stepList[i] != 0 else { throw call.invalid("slice step cannot be 0") }
            let (start, count) = sliceRange(start: starts[i], end: ends[i], step: step, dim: x.shape[a])
            offset += start * strides[a]
            shape[a] = count
            strides[a] *= step
        }
        return [.tensor(x.viewed(offset: shape.contains(0) ? 0 : offset, shape: shape, strides: strides))]
    }

    /// The first index and element count of a slice, clamped as ONNX specifies.
    static func sliceRange(start: Int, end: Int, step: Int, dim: Int) -> (start: Int, count: Int) {
        var s = start < 0 ? start + dim : start
        var e = end < 0 ? end + dim : end
        if step > 0 {
            s = min(max(s, 0), dim)
            e = min(max(e, 0), dim)
            return (s, e > s ? (e - s + step - 1) / step : 0)
        }
        s = min(max(s, 0), dim - 1)
        e = min(max(e, -1), dim - 1)
        return (max(s, 0), s > e ? (s - e - step - 1) / -step : 0)
    }

    // MARK: Tile

    static let tile: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let repeats = try call.numericTensor(1).ints
        guard repeats.count == x.rank, repeats.allSatisfy({ $0 >= 0 }) else {
            throw call.invalid("repeats \(repeats) must give one non-negative count per axis of \(x.shape)")
        }
        try call.checkShape(repeats + x.shape)
        let s = x.strides
        var viewShape: [Int] = [], viewStrides: [Int] = []
        for d in 0..<x.rank {
            viewShape += [repeats[d], x.shape[d]]
            viewStrides += [0, s[d]]
        }
        let out = x.viewed(shape: viewShape, strides: viewStrides)
        return [.tensor(out.reshaped((0..<x.rank).map { repeats[$0] * x.shape[$0] }))]
    }

    // MARK: DepthToSpace and SpaceToDepth

    static let depthToSpace: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let b = call.int("blocksize", default: 0)
        guard x.rank == 4, b > 0, b <= 1 << 16, x.shape[1] % (b * b) == 0 else {
            throw call.invalid("DepthToSpace needs NCHW input with channels divisible by blocksize²")
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let crd = call.string("mode", default: "DCR") == "CRD"
        let split = crd ? [n, c / (b * b), b, b, h, w] : [n, b, b, c / (b * b), h, w]
        let perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2]
        let out = x.reshaped(split).transposed(perm)
        return [.tensor(out.reshaped([n, c / (b * b), h * b, w * b]))]
    }

    static let spaceToDepth: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let b = call.int("blocksize", default: 0)
        guard x.rank == 4, b > 0, b <= 1 << 16, x.shape[2] % b == 0, x.shape[3] % b == 0 else {
            throw call.invalid("SpaceToDepth needs NCHW input with H and W divisible by blocksize")
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let crd = call.string("mode", default: "DCR") == "CRD"
        let out = x.reshaped([n, c, h / b, b, w / b, b]).transposed(crd ? [0, 1, 3, 5, 2, 4] : [0, 3, 5, 1, 2, 4])
        return [.tensor(out.reshaped([n, c * b * b, h / b, w / b]))]
    }
}
