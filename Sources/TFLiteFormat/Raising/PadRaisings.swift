import ModelIR
import Passes

/// Pad → PAD / PADV2 (constant), MIRROR_PAD (reflect) or GATHER (edge, wrap), in the stored layout.
///
/// Constant pads are reordered to the stored axis order at conversion time; negative pads crop
/// with a STRIDED_SLICE. Pads computed at run time become the [rank, 2] int32 paddings TFLite
/// takes with CAST → (CONCATENATION of a zero for axes not padded) → GATHER into stored order;
/// their values at conversion time (a graph input given with --input) fix the output shape.
enum PadRaisings: RaisingFamily {
    static let table: [String: Raising] = ["Pad": pad]

    static let constraints: [String: String] = [
        "Pad": "constant → PAD/PADV2, reflect → MIRROR_PAD (constant or run-time pads; negative constant pads crop), "
            + "edge/wrap → GATHER (constant pads only); axes (opset 18) constant",
    ]

    static let checks: [String: PreflightCheck] = [
        "Pad": { node, scope in
            let mode = node.stringAttribute("mode") ?? "constant"
            guard ["constant", "reflect", "edge", "wrap"].contains(mode) else { return "Pad mode '\(mode)' is not supported" }
            if (mode == "edge" || mode == "wrap") && !scope.isKnown(node, 1) {
                return "Pad mode '\(mode)' needs constant pads (it becomes GATHER with constant indices)"
            }
            if !scope.isKnownOrInput(node, 1) {
                return "pads computed at run time: TFLite shapes are static, the pads must fold to a constant or be a graph input given with --input"
            }
            return scope.isKnown(node, 3) ? nil : "Pad axes must be constant"
        },
    ]

    // MARK: Pad

    static let pad: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let rank = x.rank
        let mode = node.stringAttribute("mode") ?? "constant"
        var pads: [Int64], runtime: RaisedValue? = nil
        if let attr = node.intsAttribute("pads") {
            pads = attr
        } else if let given = try ctx.shapeInts(1, "pads") {
            (pads, runtime) = (given.values, given.runtime)
        } else {
            throw ctx.invalid("Pad without pads")
        }
        var axes = Array(0..<rank)
        if let a = try SliceRaisings.constantInts(ctx, 3, "Pad axes") { axes = a.map { Int($0 < 0 ? $0 + Int64(rank) : $0) } }
        guard pads.count == 2 * axes.count, axes.allSatisfy({ (0..<rank).contains($0) }) else {
            throw ctx.invalid("\(pads.count) pads do not fit axes \(axes) of rank \(rank)")
        }
        var begin = [Int64](repeating: 0, count: rank), end = begin
        for (k, a) in axes.enumerated() { (begin[a], end[a]) = (pads[k], pads[axes.count + k]) }
        let shape = (0..<rank).map { x.shape[$0] + begin[$0] + end[$0] }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw ctx.invalid("pads \(pads) crop more than the input \(x.shape)") }
        if runtime == nil, pads.allSatisfy({ $0 == 0 }) {
            ctx.alias(node.outputs[0], to: x)
            return
        }
        switch mode {
        case "constant":
            try constantPad(ctx, node, x, begin: begin, end: end, shape: shape, runtime: runtime, axes: axes)
        case "reflect":
            for a in 0..<rank where max(begin[a], end[a]) >= x.shape[a] && (begin[a] > 0 || end[a] > 0) {
                throw ctx.invalid("reflect pads \(begin[a]), \(end[a]) of axis \(a) must be smaller than its size \(x.shape[a])")
            }
            if runtime != nil || (begin + end).allSatisfy({ $0 >= 0 }) {
                guard (begin + end).allSatisfy({ $0 >= 0 }) else { throw ctx.unsupported("negative pads given at run time are not supported") }
                let paddings = try paddingsTensor(ctx, x, begin: begin, end: end, runtime: runtime, axes: axes)
                let y = ctx.define(node.outputs[0], shape: shape, type: x.type, perm: x.perm)
                ctx.emit("MIRROR_PAD", [try ctx.materialized(x), paddings], [y], options: "MirrorPadOptions", ["mode": .int(0)])
            } else {
                try gatherPad(ctx, node, x, begin: begin, shape: shape, mode: mode)
            }
        case "edge", "wrap":
            guard runtime == nil else { throw ctx.unsupported("Pad mode '\(mode)' needs constant pads (it becomes GATHER with constant indices)") }
            try gatherPad(ctx, node, x, begin: begin, shape: shape, mode: mode)
        default:
            throw ctx.unsupported("Pad mode '\(mode)' is not supported")
        }
    }

    // MARK: Constant mode

    /// PAD (zero) or PADV2 (another value) by the non-negative pads, then a STRIDED_SLICE for negative ones.
    static func constantPad(_ ctx: RaisingContext, _ node: Node, _ x: RaisedValue, begin: [Int64], end: [Int64], shape: [Int64],
                            runtime: RaisedValue?, axes: [Int]) throws(PassError) {
        if runtime != nil, (begin + end).contains(where: { $0 < 0 }) {
            throw ctx.unsupported("negative pads given at run time are not supported (TFLite PAD only grows)")
        }
        var value: String? = nil
        if let v = try ctx.input(2) {
            guard v.type == x.type, v.shape.reduce(1, *) == 1 else { throw ctx.invalid("constant_value must be one \(x.type) element") }
            if let t = v.constant {
                let isZero = ConstantData.ints(t).map { $0 == [0] } ?? (ConstantData.floats(t).map { $0 == [0] } ?? false)
                if !isZero { value = ctx.constant("pad_value", t.reshaped([])) }
            } else {
                value = try ctx.materialized(v)
            }
        } else if let f = node.floatAttribute("value"), f != 0 {
            guard x.type == .float else { throw ctx.unsupported("Pad value attribute on a \(x.type) input") }
            value = ctx.floats("pad_value", [f], shape: [])
        }
        let grow = (begin.map { max($0, 0) }, end.map { max($0, 0) })
        let grown = (0..<x.rank).map { x.shape[$0] + grow.0[$0] + grow.1[$0] }
        let crops = (begin + end).contains { $0 < 0 }
        let padded = crops ? ctx.temporary("padded", Layout.stored(grown, x.perm), x.type)
                           : ctx.define(node.outputs[0], shape: shape, type: x.type, perm: x.perm)
        let paddings = try paddingsTensor(ctx, x, begin: grow.0, end: grow.1, runtime: runtime, axes: axes)
        let input = try ctx.materialized(x)
        if let value {
            ctx.emit("PADV2", [input, paddings, value], [padded], options: "PadV2Options")
        } else {
            ctx.emit("PAD", [input, paddings], [padded], options: "PadOptions")
        }
        guard crops else { return }
        let start = begin.map { max(-$0, 0) }
        let stop = (0..<x.rank).map { start[$0] + shape[$0] }
        let y = ctx.define(node.outputs[0], shape: shape, type: x.type, perm: x.perm)
        ctx.emit("STRIDED_SLICE", [padded, ctx.int32s("begin", Layout.stored(start, x.perm)), ctx.int32s("end", Layout.stored(stop, x.perm)),
                                   ctx.int32s("strides", [Int64](repeating: 1, count: x.rank))], [y], options: "StridedSliceOptions",
                 ["begin_mask": .int(0), "end_mask": .int(0), "ellipsis_mask": .int(0), "new_axis_mask": .int(0),
                  "shrink_axis_mask": .int(0), "offset": .int(0)])
    }

    /// The [rank, 2] int32 paddings in stored axis order: a constant, or built from the run-time pads.
    static func paddingsTensor(_ ctx: RaisingContext, _ x: RaisedValue, begin: [Int64], end: [Int64], runtime: RaisedValue?,
                               axes: [Int]) throws(PassError) -> String {
        let rank = Int64(x.rank)
        guard let pads = runtime else {
            return ctx.int32s("paddings", x.perm.flatMap { [begin[$0], end[$0]] }, shape: [rank, 2])
        }
        // Source vector: the pads (begins of `axes`, then ends), plus a zero for axes not listed.
        var source = try ctx.int32Tensor(pads)
        let k = Int64(axes.count)
        if axes.count < x.rank {
            let extended = ctx.temporary("pads_and_zero", [2 * k + 1], .int32)
            ctx.emit("CONCATENATION", [source, ctx.int32s("zero", [0])], [extended], options: "ConcatenationOptions",
                     ["axis": .int(0), "fused_activation_function": .int(0)])
            source = extended
        }
        let indices: [Int64] = x.perm.flatMap { a -> [Int64] in
            guard let j = axes.firstIndex(of: a) else { return [2 * k, 2 * k] }
            return [Int64(j), k + Int64(j)]
        }
        let paddings = ctx.temporary("paddings", [rank, 2], .int32)
        ctx.emit("GATHER", [source, ctx.int32s("order", indices, shape: [rank, 2])], [paddings], options: "GatherOptions",
                 ["axis": .int(0), "batch_dims": .int(0)])
        return paddings
    }

    // MARK: Edge, wrap and cropping reflect

    /// One GATHER per padded axis with the source index of every output position.
    static func gatherPad(_ ctx: RaisingContext, _ node: Node, _ x: RaisedValue, begin: [Int64], shape: [Int64], mode: String) throws(PassError) {
        var current = try ctx.materialized(x)
        var currentShape = x.shape
        let changed = (0..<x.rank).filter { begin[$0] != 0 || shape[$0] != x.shape[$0] }
        for (n, a) in changed.enumerated() {
            let dim = x.shape[a]
            guard dim > 0 else { throw ctx.invalid("cannot \(mode)-pad the empty axis \(a)") }
            let indices = (0..<shape[a]).map { i -> Int64 in
                let j = i - begin[a]
                switch mode {
                case "edge": return min(max(j, 0), dim - 1)
                case "wrap": return ((j % dim) + dim) % dim
                default: return j < 0 ? -j : (j >= dim ? 2 * (dim - 1) - j : j)  // reflect
                }
            }
            currentShape[a] = shape[a]
            let out = n == changed.count - 1 ? ctx.define(node.outputs[0], shape: shape, type: x.type, perm: x.perm)
                                             : ctx.temporary("padded", Layout.stored(currentShape, x.perm), x.type)
            ctx.emit("GATHER", [current, ctx.int32s("indices", indices)], [out], options: "GatherOptions",
                     ["axis": .int(Int64(x.storedAxis(a))), "batch_dims": .int(0)])
            current = out
        }
    }
}

extension Tensor {
    /// The same elements with other dims (same count).
    func reshaped(_ dims: [Int64]) -> Tensor {
        var t = self
        t.dims = dims
        return t
    }
}
