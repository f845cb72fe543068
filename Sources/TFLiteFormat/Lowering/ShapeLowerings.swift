import ModelIR
import Passes

/// Reshapes, concatenation, padding, slicing, gathering, splitting, resizing.
enum ShapeLowerings {
    static let table: [String: Lowering] = [
        "RESHAPE": reshape, "SQUEEZE": squeeze, "EXPAND_DIMS": expandDims,
        "CONCATENATION": concatenation, "PAD": pad, "PADV2": pad, "MIRROR_PAD": pad,
        "STRIDED_SLICE": stridedSlice, "SLICE": slice, "GATHER": gather, "TRANSPOSE": transpose,
        "SPLIT": split, "SPLIT_V": split, "PACK": pack, "UNPACK": unpack, "SHAPE": shape,
        "RESIZE_BILINEAR": resize("linear"), "RESIZE_NEAREST_NEIGHBOR": resize("nearest"),
        "TILE": tile, "BROADCAST_TO": broadcastTo,
    ]

    /// An op on the real value of input 0 with extra inputs/attributes, stored into output 0.
    static func through(_ ctx: LoweringContext, _ node: Node, _ op: String, _ extra: [String], _ attrs: [Attribute] = []) {
        let out = node.outputs[0]
        let result = ctx.floatResult(for: out)
        ctx.emit(op, [ctx.real(node.input(0))] + extra, outputs: [result], attrs)
        ctx.store(out, from: result)
    }

    /// An int32 shape-like input as int64.
    static func int64(_ ctx: LoweringContext, _ value: String) -> String {
        if let t = ctx.constants[value], let v = ctx.int32Values(t) { return ctx.int64s("i64", v.map { Int64($0) }) }
        return ctx.emit("Cast", [value], [Attribute(name: "to", value: .int(Int64(DataType.int64.rawValue)))])
    }

    static func axisAttribute(_ node: Node, _ name: String = "axis") -> Attribute {
        Attribute(name: "axis", value: .int(node.option(name)))
    }

    // MARK: Reshaping

    static let reshape: Lowering = { ctx, node throws(PassError) in
        let target: String
        if !node.input(1).isEmpty {
            target = int64(ctx, node.input(1))
        } else if let newShape = node.intsOption("new_shape") {
            target = ctx.int64s("shape", newShape)
        } else if let dims = ctx.dims(node.outputs[0]), dims.allSatisfy({ $0.fixedValue != nil }) {
            target = ctx.int64s("shape", dims.map { $0.fixedValue! })
        } else {
            throw ctx.unsupported("RESHAPE without a target shape")
        }
        through(ctx, node, "Reshape", [target])
    }

    static let squeeze: Lowering = { ctx, node throws(PassError) in
        let axes = node.intsOption("squeeze_dims") ?? []
        through(ctx, node, "Squeeze", axes.isEmpty ? [] : [ctx.int64s("axes", axes)])
    }

    static let expandDims: Lowering = { ctx, node throws(PassError) in
        let axis = try ctx.constantInts(node.input(1), what: "EXPAND_DIMS axis")
        through(ctx, node, "Unsqueeze", [ctx.int64s("axes", axis.map { Int64($0) })])
    }

    static let transpose: Lowering = { ctx, node throws(PassError) in
        let perm = try ctx.constantInts(node.input(1), what: "TRANSPOSE permutation")
        through(ctx, node, "Transpose", [], [Attribute(name: "perm", value: .ints(perm.map { Int64($0) }))])
    }

    static let concatenation: Lowering = { ctx, node throws(PassError) in
        let out = node.outputs[0]
        var y = ctx.emit("Concat", node.inputs.map { ctx.real($0) }, [axisAttribute(node)])
        y = try ctx.activation(node.option("fused_activation_function"), y)
        let result = ctx.floatResult(for: out)
        ctx.emit("Identity", [y], outputs: [result])
        ctx.store(out, from: result)
    }

    // MARK: Padding and slicing

    /// PAD/PADV2/MIRROR_PAD: paddings [rank, 2] → ONNX pads [begins…, ends…].
    static let pad: Lowering = { ctx, node throws(PassError) in
        var extra: [String]
        if ctx.constants[node.input(1)] != nil {
            let p = try ctx.constantInts(node.input(1), what: "PAD paddings")
            let rank = p.count / 2
            extra = [ctx.int64s("pads", (0..<rank).map { Int64(p[2 * $0]) } + (0..<rank).map { Int64(p[2 * $0 + 1]) })]
        } else {
            // Run-time [rank, 2] paddings: the transpose, flattened, is ONNX's [begins…, ends…].
            let t = ctx.emit("Transpose", [int64(ctx, node.input(1))], [Attribute(name: "perm", value: .ints([1, 0]))])
            extra = [ctx.emit("Reshape", [t, ctx.int64s("flat", [-1])])]
        }
        var attrs: [Attribute] = []
        if node.opType == "PADV2", !node.input(2).isEmpty { extra.append(ctx.real(node.input(2))) }
        if node.opType == "MIRROR_PAD" {
            guard node.option("mode") == 0 else { throw ctx.unsupported("MIRROR_PAD mode SYMMETRIC has no ONNX equivalent") }
            attrs.append(Attribute(name: "mode", value: .string(Array("reflect".utf8))))
        }
        through(ctx, node, "Pad", extra, attrs)
    }

    static let slice: Lowering = { ctx, node throws(PassError) in
        let begin = try ctx.constantInts(node.input(1), what: "SLICE begin")
        let size = try ctx.constantInts(node.input(2), what: "SLICE size")
        let ends = zip(begin, size).map { b, s in s < 0 ? Int64.max : Int64(b + s) }
        through(ctx, node, "Slice", [ctx.int64s("starts", begin.map { Int64($0) }), ctx.int64s("ends", ends)])
    }

    static let stridedSlice: Lowering = { ctx, node throws(PassError) in
        let begin = try ctx.constantInts(node.input(1), what: "STRIDED_SLICE begin")
        let end = try ctx.constantInts(node.input(2), what: "STRIDED_SLICE end")
        let steps = node.input(3).isEmpty ? [Int](repeating: 1, count: begin.count) : try ctx.constantInts(node.input(3), what: "STRIDED_SLICE strides")
        guard node.option("ellipsis_mask") == 0, node.option("new_axis_mask") == 0, node.option("offset") == 0 else {
            throw ctx.unsupported("STRIDED_SLICE with ellipsis_mask, new_axis_mask or offset is not supported")
        }
        let beginMask = node.option("begin_mask"), endMask = node.option("end_mask"), shrink = node.option("shrink_axis_mask")
        var starts: [Int64] = [], ends: [Int64] = [], shrinkAxes: [Int64] = []
        for i in 0..<begin.count {
            let step = steps[i]
            var s = Int64(begin[i]), e = Int64(end[i])
            if beginMask & (1 << i) != 0 { s = step > 0 ? 0 : Int64.max }
            if endMask & (1 << i) != 0 { e = step > 0 ? Int64.max : Int64.min }
            if shrink & (1 << i) != 0 {
                e = s == -1 ? Int64.max : s + 1
                shrinkAxes.append(Int64(i))
            }
            starts.append(s)
            ends.append(e)
        }
        let axes = ctx.int64s("axes", (0..<begin.count).map { Int64($0) })
        let out = node.outputs[0]
        let result = ctx.floatResult(for: out)
        let sliced = ctx.emit("Slice", [ctx.real(node.input(0)), ctx.int64s("starts", starts), ctx.int64s("ends", ends), axes,
                                        ctx.int64s("steps", steps.map { Int64($0) })],
                              outputs: shrinkAxes.isEmpty ? [result] : nil)
        if !shrinkAxes.isEmpty { ctx.emit("Squeeze", [sliced, ctx.int64s("axes", shrinkAxes)], outputs: [result]) }
        ctx.store(out, from: result)
    }

    static let gather: Lowering = { ctx, node throws(PassError) in
        guard node.option("batch_dims") == 0 else { throw ctx.unsupported("GATHER with batch_dims is not supported") }
        through(ctx, node, "Gather", [node.input(1)], [axisAttribute(node)])
    }

    // MARK: Splitting and stacking

    static let split: Lowering = { ctx, node throws(PassError) in
        // SPLIT: (axis, x); SPLIT_V: (x, size_splits, axis).
        let isV = node.opType == "SPLIT_V"
        let x = isV ? node.input(0) : node.input(1)
        let axis = try ctx.constantInts(isV ? node.input(2) : node.input(0), what: "split axis")
        guard let a = axis.first else { throw ctx.invalid("empty split axis") }
        var sizes: [Int64]
        if isV, ctx.constants[node.input(1)] == nil {
            // Run-time sizes.
            let results = node.outputs.map { ctx.floatResult(for: $0) }
            ctx.emit("Split", [ctx.real(x), int64(ctx, node.input(1))], outputs: results, [Attribute(name: "axis", value: .int(Int64(a)))])
            for (out, r) in zip(node.outputs, results) { ctx.store(out, from: r) }
            ctx.annotate(results[0], TFLiteProvenance.entries(operator: node.opType))
            return
        }
        if isV {
            sizes = try ctx.constantInts(node.input(1), what: "SPLIT_V size_splits").map { Int64($0) }
        } else {
            guard let rank = ctx.rank(x), let d = ctx.dims(x)?[(a + rank) % rank].fixedValue else {
                throw ctx.unsupported("SPLIT needs a known size along the split axis")
            }
            let n = Int64(node.outputs.count)
            sizes = [Int64](repeating: d / n, count: Int(n))
        }
        if let neg = sizes.firstIndex(of: -1), let rank = ctx.rank(x), let d = ctx.dims(x)?[(a + rank) % rank].fixedValue {
            sizes[neg] = d - sizes.enumerated().filter { $0.offset != neg }.reduce(0) { $0 + $1.element }
        }
        let results = node.outputs.map { ctx.floatResult(for: $0) }
        ctx.emit("Split", [ctx.real(x), ctx.int64s("split", sizes)], outputs: results, [Attribute(name: "axis", value: .int(Int64(a)))])
        // SPLIT_V of equal sizes would come back as SPLIT.
        if isV { ctx.annotate(results[0], TFLiteProvenance.entries(operator: node.opType)) }
        for (out, r) in zip(node.outputs, results) { ctx.store(out, from: r) }
    }

    static let pack: Lowering = { ctx, node throws(PassError) in
        let axis = node.option("axis")
        let axes = ctx.int64s("axes", [axis])
        let parts = node.inputs.map { ctx.emit("Unsqueeze", [ctx.real($0), axes]) }
        let out = node.outputs[0]
        let result = ctx.floatResult(for: out)
        ctx.emit("Concat", parts, outputs: [result], [Attribute(name: "axis", value: .int(axis))])
        ctx.store(out, from: result)
    }

    static let unpack: Lowering = { ctx, node throws(PassError) in
        let axis = node.option("axis")
        let parts = node.outputs.map { _ in ctx.fresh("part") }
        ctx.emit("Split", [ctx.real(node.input(0)), ctx.int64s("split", [Int64](repeating: 1, count: parts.count))],
                 outputs: parts, [Attribute(name: "axis", value: .int(axis))])
        let axes = ctx.int64s("axes", [axis])
        for (out, part) in zip(node.outputs, parts) {
            let result = ctx.floatResult(for: out)
            ctx.emit("Squeeze", [part, axes], outputs: [result])
            ctx.store(out, from: result)
        }
    }

    static let shape: Lowering = { ctx, node throws(PassError) in
        let out = node.outputs[0]
        let s = ctx.emit("Shape", [node.input(0)])
        // Of a dynamic dim, the raising computes it at run time again (RuntimeShapeRaisings).
        ctx.annotate(s, TFLiteProvenance.entries(operator: node.opType))
        let to = ctx.dataType(out) ?? .int32
        ctx.emit("Cast", [s], outputs: [out], [Attribute(name: "to", value: .int(Int64(to.rawValue)))])
    }

    static let tile: Lowering = { ctx, node throws(PassError) in
        through(ctx, node, "Tile", [int64(ctx, node.input(1))])
    }

    static let broadcastTo: Lowering = { ctx, node throws(PassError) in
        through(ctx, node, "Expand", [int64(ctx, node.input(1))])
    }

    // MARK: Resizing

    /// RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR on NHWC: sizes [N, newH, newW, C].
    static func resize(_ mode: String) -> Lowering {
        { ctx, node throws(PassError) in
            guard let dims = ctx.dims(node.input(0)), dims.count == 4, let n = dims[0].fixedValue, let c = dims[3].fixedValue else {
                throw ctx.unsupported("resize needs a 4-D input with known batch and channels")
            }
            let sizes: String
            if ctx.constants[node.input(1)] != nil {
                let size = try ctx.constantInts(node.input(1), what: "resize size")
                guard size.count == 2 else { throw ctx.invalid("resize size must have 2 values") }
                sizes = ctx.int64s("sizes", [n, Int64(size[0]), Int64(size[1]), c])
            } else {
                // Run-time [newH, newW] between the fixed batch and channels.
                sizes = ctx.emit("Concat", [ctx.int64s("batch", [n]), int64(ctx, node.input(1)), ctx.int64s("channels", [c])],
                                 [Attribute(name: "axis", value: .int(0))])
            }
            let align = node.option("align_corners") != 0, half = node.option("half_pixel_centers") != 0
            var attrs = [Attribute(name: "mode", value: .string(Array(mode.utf8)))]
            let transform: String
            if align {
                transform = "align_corners"
            } else if half {
                transform = mode == "nearest" ? "tf_half_pixel_for_nn" : "half_pixel"
            } else {
                transform = "asymmetric"
            }
            attrs.append(Attribute(name: "coordinate_transformation_mode", value: .string(Array(transform.utf8))))
            if mode == "nearest" {
                attrs.append(Attribute(name: "nearest_mode", value: .string(Array((align ? "round_prefer_ceil" : "floor").utf8))))
            }
            through(ctx, node, "Resize", ["", "", sizes], attrs)
        }
    }
}
