import ModelIR
import Passes

/// Slice and Expand on computed values (constant parameters).
enum SliceRaisings {
    static let table: [String: Raising] = ["Slice": slice, "Expand": expand]

    /// Integer values of constant input `i` (nil when absent).
    static func constantInts(_ ctx: RaisingContext, _ i: Int, _ what: String) throws(PassError) -> [Int64]? {
        guard let v = try ctx.input(i) else { return nil }
        guard let t = v.constant, let values = ConstantData.ints(t) else { throw ctx.unsupported("\(what) must fold to a constant") }
        return values
    }

    /// Slice → STRIDED_SLICE on the stored layout (axes remapped through the value's permutation).
    static let slice: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let rank = x.rank
        let starts: [Int64], ends: [Int64]
        var axes: [Int64], steps: [Int64]
        if let s = node.intsAttribute("starts"), let e = node.intsAttribute("ends") {
            (starts, ends) = (s, e)
            axes = node.intsAttribute("axes") ?? (0..<Int64(s.count)).map { $0 }
            steps = [Int64](repeating: 1, count: s.count)
        } else {
            guard let s = try constantInts(ctx, 1, "starts"), let e = try constantInts(ctx, 2, "ends") else { throw ctx.invalid("starts and ends are required") }
            (starts, ends) = (s, e)
            axes = try constantInts(ctx, 3, "axes") ?? (0..<Int64(s.count)).map { $0 }
            steps = try constantInts(ctx, 4, "steps") ?? [Int64](repeating: 1, count: s.count)
        }
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else { throw ctx.invalid("starts, ends, axes and steps differ in length") }
        var begin = [Int64](repeating: 0, count: rank), end = x.shape, stride = [Int64](repeating: 1, count: rank)
        var shape = x.shape
        // Axes sliced to their end take the end mask, so the op does not depend on the size (dynamic dims).
        var endMask = Set(0..<rank)
        for k in axes.indices {
            let axis = Int(axes[k] < 0 ? axes[k] + Int64(rank) : axes[k])
            guard axis >= 0, axis < rank, steps[k] != 0 else { throw ctx.invalid("axis \(axes[k]) or step \(steps[k]) is invalid") }
            let dim = x.shape[axis], step = steps[k]
            var s = starts[k] < 0 ? starts[k] + dim : starts[k], e = ends[k] < 0 ? ends[k] + dim : ends[k]
            if step > 0 {
                s = max(0, min(dim, s)); e = max(0, min(dim, e))
                shape[axis] = max(0, (e - s + step - 1) / step)
                if e < dim { endMask.remove(axis) }
            } else {
                s = max(0, min(dim - 1, s)); e = max(-1, min(dim - 1, e))
                shape[axis] = max(0, (s - e - step - 1) / -step)
                if e >= 0 { endMask.remove(axis) }
            }
            (begin[axis], end[axis], stride[axis]) = (s, e, step)
        }
        for axis in endMask { end[axis] = 0 }
        let input = try ctx.materialized(x)
        let mask = x.perm.enumerated().reduce(Int64(0)) { acc, p in endMask.contains(p.element) ? acc | (1 << Int64(p.offset)) : acc }
        let y = ctx.define(node.outputs[0], shape: shape, type: x.type, perm: x.perm)
        ctx.emit("STRIDED_SLICE", [input, ctx.int32s("begin", Layout.stored(begin, x.perm)), ctx.int32s("end", Layout.stored(end, x.perm)),
                                   ctx.int32s("strides", Layout.stored(stride, x.perm))], [y], options: "StridedSliceOptions",
                 ["begin_mask": .int(0), "end_mask": .int(mask), "ellipsis_mask": .int(0), "new_axis_mask": .int(0),
                  "shrink_axis_mask": .int(0), "offset": .int(0)])
    }

    /// Expand → BROADCAST_TO of the value in semantic layout.
    static let expand: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        guard let target = try constantInts(ctx, 1, "the shape") else { throw ctx.invalid("shape is required") }
        guard let shape = Layout.broadcast(x.shape, target) else { throw ctx.invalid("\(x.shape) does not broadcast to \(target)") }
        if shape == x.shape {
            ctx.alias(node.outputs[0], to: x)
            return
        }
        let input = try ctx.plain(x)
        let y = ctx.define(node.outputs[0], shape: shape, type: x.type, perm: Layout.identity(shape.count))
        ctx.emit("BROADCAST_TO", [input, ctx.int32s("shape", shape)], [y], version: 2)
    }
}
