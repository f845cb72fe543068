import ModelIR
import Passes

/// Reshape family, Transpose, Concat, identities, reductions and ArgMax.
enum ShapeRaisings {
    static let table: [String: Raising] = [
        "Reshape": reshape, "Flatten": flatten, "Squeeze": squeeze, "Unsqueeze": unsqueeze,
        "Transpose": transpose, "Concat": concat, "Identity": identity, "Dropout": dropout,
        "ReduceMean": reduce("MEAN"), "ReduceSum": reduce("SUM"), "ReduceMax": reduce("REDUCE_MAX"),
        "ReduceMin": reduce("REDUCE_MIN"), "ArgMax": argMax,
    ]

    // MARK: Reshapes

    /// Emits a reshape of `x` to semantic `shape`, choosing the output layout that needs no TRANSPOSE when possible.
    static func emitReshape(_ ctx: RaisingContext, _ x: RaisedValue, to shape: [Int64], output: String) throws(PassError) {
        guard shape.reduce(1, *) == x.shape.reduce(1, *) else { throw ctx.invalid("cannot reshape \(x.shape) to \(shape)") }
        if shape == x.shape {
            // Same shape (e.g. the [-1, K] flatten in front of a lowered FULLY_CONNECTED): no op.
            ctx.alias(output, to: x)
            return
        }
        let plan = Layout.reshapePlan(input: x.shape, perm: x.perm, output: shape)
            ?? (Layout.identity(x.rank), Layout.identity(shape.count))
        let input = try ctx.stored(x, perm: plan.inputPerm)
        let y = ctx.define(output, shape: shape, type: x.type, perm: plan.outputPerm)
        let dims = Layout.stored(shape, plan.outputPerm)
        ctx.reshape(input, to: dims, into: y)
    }

    static let reshape: Raising = { ctx, node throws(PassError) in
        if node.inputs.count > 1, let target = ctx.runtimeShapes[node.inputs[1]] {
            try RuntimeShapeRaisings.reshape(ctx, node, target: target)
            return
        }
        let x = try ctx.required(0)
        guard let s = try ctx.input(1), let t = s.constant, let target = ConstantData.ints(t) else {
            throw ctx.unsupported("Reshape needs a shape that folds to a constant (static input shapes)")
        }
        let allowZero = (node.intAttribute("allowzero") ?? 0) != 0
        var shape = target.enumerated().map { i, d in d == 0 && !allowZero && i < x.rank ? x.shape[i] : d }
        if let k = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != k }.reduce(Int64(1)) { $0 * $1.element }
            guard known > 0 else { throw ctx.invalid("cannot infer -1 in \(target)") }
            shape[k] = x.shape.reduce(1, *) / known
        }
        try emitReshape(ctx, x, to: shape, output: node.outputs[0])
    }

    static let flatten: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let axis = try ctx.axis(of: node, default: 1, rank: x.rank, orEnd: true)
        let shape = [x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)]
        try emitReshape(ctx, x, to: shape, output: node.outputs[0])
    }

    /// Axes from the attribute (before opset 13) or a constant input.
    static func axes(_ ctx: RaisingContext, _ node: Node, rank: Int) throws(PassError) -> [Int]? {
        var list: [Int64]? = node.intsAttribute("axes")
        if list == nil, let a = try ctx.input(1) {
            guard let t = a.constant, let v = ConstantData.ints(t) else { throw ctx.unsupported("axes must be constant") }
            list = v
        }
        return list.map { $0.map { Int($0 < 0 ? $0 + Int64(rank) : $0) } }
    }

    static let squeeze: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let given = try axes(ctx, node, rank: x.rank)
        let drop: [Int] = given ?? x.shape.indices.filter { x.shape[$0] == 1 }
        let shape = x.shape.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        try emitReshape(ctx, x, to: shape, output: node.outputs[0])
    }

    static let unsqueeze: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let axesInput = try ctx.input(1)
        let rank = x.rank + (node.intsAttribute("axes")?.count ?? axesInput?.shape.first.map(Int.init) ?? 0)
        guard let add = try axes(ctx, node, rank: rank) else { throw ctx.invalid("Unsqueeze without axes") }
        var shape: [Int64] = []
        var source = x.shape.makeIterator()
        for i in 0..<rank { shape.append(add.contains(i) ? 1 : (source.next() ?? 1)) }
        try emitReshape(ctx, x, to: shape, output: node.outputs[0])
    }

    // MARK: Relabelings

    /// A Transpose only relabels axes: the stored tensor is unchanged.
    static let transpose: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let p = (node.intsAttribute("perm") ?? (0..<Int64(x.rank)).reversed()).map { Int($0) }
        guard p.count == x.rank, Layout.isPermutation(p) else { throw ctx.invalid("perm \(p) does not fit rank \(x.rank)") }
        let inv = Layout.inverse(p)
        ctx.alias(node.outputs[0], to: x, shape: p.map { x.shape[$0] }, perm: x.perm.map { inv[$0] })
    }

    static let identity: Raising = { ctx, node throws(PassError) in
        ctx.alias(node.outputs[0], to: try ctx.required(0))
        // An int8 tensor keeps its parameters under the new name (a graph output written through an Identity).
        if let q = ctx.quantization[node.inputs[0]], ctx.values[node.outputs[0]]?.type == .int8 { ctx.quantization[node.outputs[0]] = q }
    }

    /// Inference Dropout: the identity, with an all-true mask. Training mode drops at random, which
    /// converts only when the ratio is a constant 0 (then it is the identity too).
    static let dropout: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        if let mode = try ctx.input(2) {
            guard let t = mode.constant, let flags = ConstantData.ints(t), flags.count == 1 else {
                throw ctx.unsupported("Dropout's training_mode must be a constant (training mode drops at random)")
            }
            if flags[0] != 0 {
                guard let r = try ctx.input(1), let rt = r.constant, ConstantData.floats(rt) == [0] else {
                    throw ctx.unsupported("Dropout in training mode drops at random; it converts only with a constant ratio of 0")
                }
            }
        }
        ctx.alias(node.outputs[0], to: x)
        if node.outputs.count > 1, !node.outputs[1].isEmpty {
            let count = Int(x.shape.reduce(1, *))
            let ones = [UInt8](repeating: 1, count: count).withUnsafeBytes { ByteView(copying: $0) }
            ctx.bindConstant(node.outputs[1], Tensor(name: nil, dataType: .bool, dims: x.shape, contents: .bytes(ones)))
        }
    }

    // MARK: Concat

    static let concat: Raising = { ctx, node throws(PassError) in
        var parts: [RaisedValue] = []
        for i in node.inputs.indices { parts.append(try ctx.required(i)) }
        guard let first = parts.first else { throw ctx.invalid("no inputs") }
        let axis = try ctx.axis(of: node, default: 1, rank: first.rank)
        guard parts.allSatisfy({ $0.rank == first.rank }) else { throw ctx.invalid("the inputs' ranks \(parts.map(\.rank)) differ") }
        let perm = parts.first { $0.constant == nil }?.perm ?? Layout.identity(first.rank)
        var shape = first.shape
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        var inputs: [String] = []
        for v in parts { inputs.append(try ctx.stored(v, perm: perm)) }
        let y = ctx.define(node.outputs[0], shape: shape, type: first.type, perm: perm)
        ctx.emit("CONCATENATION", inputs, [y], options: "ConcatenationOptions",
                 ["axis": .int(Int64(Layout.inverse(perm)[axis])), "fused_activation_function": .int(0)])
    }

    // MARK: Reductions

    static func reduce(_ op: String) -> Raising {
        { ctx, node throws(PassError) in
            let x = try ctx.required(0)
            let keep = (node.intAttribute("keepdims") ?? 1) != 0
            var list = try axes(ctx, node, rank: x.rank)
            if list == nil || list == [] {
                if (node.intAttribute("noop_with_empty_axes") ?? 0) != 0 {
                    ctx.alias(node.outputs[0], to: x)
                    return
                }
                list = Array(0..<x.rank)
            }
            let reduced = Set(list ?? [])
            let shape = keep ? x.shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
                             : x.shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
            var perm = x.perm
            if !keep {
                let kept = (0..<x.rank).filter { !reduced.contains($0) }
                perm = x.perm.filter { !reduced.contains($0) }.map { a in kept.firstIndex(of: a) ?? 0 }
            }
            let input = try ctx.materialized(x)
            let storedAxes = reduced.sorted().map { Int64(x.storedAxis($0)) }
            let y = ctx.define(node.outputs[0], shape: shape, type: x.type, perm: perm)
            ctx.emit(op, [input, ctx.int32s("axes", storedAxes)], [y], options: "ReducerOptions", ["keep_dims": .int(keep ? 1 : 0)])
        }
    }

    /// ARG_MAX along the stored axis; the last index of the maximum (select_last_index) is the first
    /// one of the input reversed along the axis (a STRIDED_SLICE with stride −1), counted from the end.
    static let argMax: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let axis = try ctx.axis(of: node, default: 0, rank: x.rank)
        let last = (node.intAttribute("select_last_index") ?? 0) != 0
        let keep = (node.intAttribute("keepdims") ?? 1) != 0
        let kept = (0..<x.rank).filter { $0 != axis }
        let perm = x.perm.filter { $0 != axis }.map { a in kept.firstIndex(of: a) ?? 0 }
        let reducedShape = kept.map { x.shape[$0] }
        let stored = x.storedShape, storedAxis = x.storedAxis(axis)
        var input = try ctx.materialized(x)
        if last {
            var begin = [Int64](repeating: 0, count: x.rank), end = stored, strides = [Int64](repeating: 1, count: x.rank)
            (begin[storedAxis], end[storedAxis], strides[storedAxis]) = (stored[storedAxis] - 1, 0, -1)
            let reversed = ctx.temporary("reversed", stored, x.type)
            ctx.emit("STRIDED_SLICE", [input, ctx.int32s("begin", begin), ctx.int32s("end", end), ctx.int32s("strides", strides)], [reversed],
                     options: "StridedSliceOptions", ["begin_mask": .int(0), "end_mask": .int(1 << Int64(storedAxis)), "ellipsis_mask": .int(0),
                                                      "new_axis_mask": .int(0), "shrink_axis_mask": .int(0), "offset": .int(0)])
            input = reversed
        }
        let out = node.outputs[0]
        let reducedDims = Layout.stored(reducedShape, perm)
        let direct = !keep && !last
        let indices = direct ? ctx.define(out, shape: reducedShape, type: .int64, perm: perm) : ctx.temporary("argmax", reducedDims, .int64)
        ctx.emit("ARG_MAX", [input, ctx.int32s("axis", [Int64(storedAxis)])], [indices], options: "ArgMaxOptions", ["output_type": .int(4)])
        var v = RaisedValue(name: indices, shape: reducedShape, type: .int64, perm: perm)
        if last {
            let fromEnd = keep ? ctx.temporary("last", reducedDims, .int64) : ctx.define(out, shape: reducedShape, type: .int64, perm: perm)
            let lastIndex = Tensor(name: nil, dataType: .int64, dims: [],
                                   contents: .bytes([stored[storedAxis] - 1].withUnsafeBytes { ByteView(copying: $0) }))
            ctx.emit("SUB", [ctx.constant("last_index", lastIndex), indices], [fromEnd], options: "SubOptions",
                     ["fused_activation_function": .int(0)], version: 4)
            v.name = fromEnd
        }
        guard keep else { return }
        var shape = x.shape
        shape[axis] = 1
        try emitReshape(ctx, v, to: shape, output: out)
    }
}
