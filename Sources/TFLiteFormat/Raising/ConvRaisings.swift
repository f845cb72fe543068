import ModelIR
import Passes

/// Conv, pools, global pools, Gemm and MatMul.
enum ConvRaisings {
    static let table: [String: Raising] = [
        "Conv": { ctx, node throws(PassError) in try windowed(ctx, node, conv) },
        "MaxPool": { ctx, node throws(PassError) in try windowed(ctx, node) { c, n throws(PassError) in try pool("MAX_POOL_2D", c, n) } },
        "AveragePool": { ctx, node throws(PassError) in try windowed(ctx, node) { c, n throws(PassError) in try pool("AVERAGE_POOL_2D", c, n) } },
        "GlobalAveragePool": { ctx, node throws(PassError) in try globalPool("MEAN", ctx, node) },
        "GlobalMaxPool": { ctx, node throws(PassError) in try globalPool("REDUCE_MAX", ctx, node) },
        "Gemm": gemm,
        "MatMul": matMul,
    ]

    // MARK: Windows

    /// How a 2-D window op pads: TFLite SAME/VALID, plus explicit pads for a PAD op when neither fits.
    struct Window {
        var kernel: [Int64]
        var strides: [Int64]
        var dilations: [Int64]
        /// [top, left, bottom, right] as ONNX orders them (begins then ends).
        var pads: [Int64]
        var output: [Int64]
        /// 0 = SAME, 1 = VALID.
        var padding: Int64
        /// Pads still to apply with a PAD op before a VALID window (nil when none).
        var explicit: [Int64]?
        /// ceil_mode grew the end padding past the node's pads (for the last window).
        var extended = false
    }

    /// The window of a 2-D Conv/pool node over spatial dims `spatial`.
    static func window(_ ctx: RaisingContext, _ node: Node, spatial: [Int64], kernel: [Int64]) throws(PassError) -> Window {
        let strides = node.intsAttribute("strides") ?? [1, 1]
        let dilations = node.intsAttribute("dilations") ?? [1, 1]
        let ceil = (node.intAttribute("ceil_mode") ?? 0) != 0
        let autoPad = node.stringAttribute("auto_pad") ?? "NOTSET"
        var pads = node.intsAttribute("pads") ?? [0, 0, 0, 0]
        guard spatial.count == 2, kernel.count == 2, strides.count == 2, dilations.count == 2, pads.count == 4 else {
            throw ctx.unsupported("only 2-D windows are supported")
        }
        // Bounds that keep the window arithmetic below from overflowing (a damaged file's values can be anything).
        let limit: Int64 = 1 << 31
        guard (kernel + strides + dilations).allSatisfy({ $0 >= 1 && $0 <= limit }), pads.allSatisfy({ $0 >= 0 && $0 <= limit }),
              spatial.allSatisfy({ $0 >= 0 && $0 <= limit }) else {
            throw ctx.invalid("window kernel \(kernel), strides \(strides), dilations \(dilations) or pads \(pads) out of range")
        }
        let effective = (0..<2).map { (kernel[$0] - 1) * dilations[$0] + 1 }
        let same = (0..<2).map { i -> (Int64, Int64) in
            let out = (spatial[i] + strides[i] - 1) / strides[i]
            let total = max((out - 1) * strides[i] + effective[i] - spatial[i], 0)
            return (total / 2, total - total / 2)
        }
        switch autoPad {
        case "SAME_UPPER": pads = [same[0].0, same[1].0, same[0].1, same[1].1]
        case "SAME_LOWER": pads = [same[0].1, same[1].1, same[0].0, same[1].0]
        case "VALID": pads = [0, 0, 0, 0]
        default: break
        }
        var output = (0..<2).map { i -> Int64 in
            let span = spatial[i] + pads[i] + pads[i + 2] - effective[i]
            return (ceil ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1
        }
        let declared = pads
        if ceil {
            // ONNX drops a last window that would start in the end padding.
            for i in 0..<2 where (output[i] - 1) * strides[i] >= spatial[i] + pads[i] { output[i] -= 1 }
            // Extend the end padding so a floor-mode VALID window yields the same count.
            for i in 0..<2 { pads[i + 2] = max(pads[i + 2], (output[i] - 1) * strides[i] + effective[i] - spatial[i] - pads[i]) }
        }
        guard output.allSatisfy({ $0 > 0 }) else { throw ctx.invalid("window larger than its padded input") }
        var win = Window(kernel: kernel, strides: strides, dilations: dilations, pads: pads, output: output, padding: 0, explicit: nil)
        win.extended = pads != declared
        if pads != [same[0].0, same[1].0, same[0].1, same[1].1] {
            win.padding = 1
            win.explicit = pads.allSatisfy { $0 == 0 } ? nil : pads
        }
        return win
    }

    /// Pads an NHWC tensor with PAD (zeros) or PADV2 (`value`).
    static func pad(_ ctx: RaisingContext, _ x: String, dims: [Int64], pads: [Int64], value: Float?) -> (String, [Int64]) {
        let paddings: [Int64] = [0, 0, pads[0], pads[2], pads[1], pads[3], 0, 0]
        let out = [dims[0], dims[1] + pads[0] + pads[2], dims[2] + pads[1] + pads[3], dims[3]]
        let y = ctx.temporary("padded", out, .float)
        if let value {
            ctx.emit("PADV2", [x, ctx.int32s("paddings", paddings, shape: [4, 2]), ctx.floats("pad_value", [value], shape: [])], [y],
                     options: "PadV2Options")
        } else {
            ctx.emit("PAD", [x, ctx.int32s("paddings", paddings, shape: [4, 2])], [y], options: "PadOptions")
        }
        return (y, out)
    }

    // MARK: Convolution

    static let conv: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0), w = try ctx.required(1)
        guard x.rank == 4, x.type == .float else { throw ctx.unsupported("only 2-D float32 convolutions are supported (input is \(x.type) rank \(x.rank))") }
        guard let weights = w.constant, w.rank == 4, weights.dataType == .float else {
            throw ctx.unsupported("convolution weights must be a constant float32 tensor")
        }
        let group = node.intAttribute("group") ?? 1
        let (cOut, cIn) = (w.shape[0], x.shape[1])
        guard group >= 1, cIn % group == 0, cOut % group == 0, w.shape[1] == cIn / group else {
            throw ctx.invalid("weights \(w.shape) do not match \(cIn) input channels in \(group) group(s)")
        }
        var bias = [Float](repeating: 0, count: Int(cOut))
        if let b = try ctx.input(2) {
            guard let t = b.constant, let values = ConstantData.floats(t), values.count == Int(cOut) else {
                throw ctx.unsupported("convolution bias must be a constant float32 vector")
            }
            bias = values
        }
        let win = try window(ctx, node, spatial: Array(x.shape[2...]), kernel: Array(w.shape[2...]))
        let out = node.outputs[0]
        let outShape = [x.shape[0], cOut, win.output[0], win.output[1]]
        var input = try ctx.channelsLast(x)
        var inDims = Layout.stored(x.shape, Layout.channelsLast(4))
        if let p = win.explicit { (input, inDims) = pad(ctx, input, dims: inDims, pads: p, value: nil) }
        let y = ctx.define(out, shape: outShape, type: .float, perm: Layout.channelsLast(4))
        var fields: [String: Attribute.Value] = [
            "padding": .int(win.padding), "stride_h": .int(win.strides[0]), "stride_w": .int(win.strides[1]),
            "dilation_h_factor": .int(win.dilations[0]), "dilation_w_factor": .int(win.dilations[1]),
            "fused_activation_function": .int(0),
        ]
        if group == 1 {
            // OIHW → OHWI.
            guard let ohwi = ConstantData.transpose(weights, [0, 2, 3, 1]) else { throw ctx.invalid("cannot transpose weights") }
            ctx.emit("CONV_2D", [input, ctx.constant("filter", ohwi), ctx.floats("bias", bias)], [y], options: "Conv2DOptions", fields)
        } else if group == cIn && w.shape[1] == 1 {
            // [C*M, 1, H, W] → [1, H, W, C*M].
            guard let filter = ConstantData.transpose(weights, [1, 2, 3, 0]) else { throw ctx.invalid("cannot transpose weights") }
            fields["depth_multiplier"] = .int(cOut / cIn)
            ctx.emit("DEPTHWISE_CONV_2D", [input, ctx.constant("filter", filter), ctx.floats("bias", bias)], [y],
                     options: "DepthwiseConv2DOptions", fields, version: win.dilations == [1, 1] ? 1 : 2)
        } else {
            try groupedConv(ctx, input: input, inDims: inDims, weights: weights, bias: bias, group: group,
                            output: y, outDims: Layout.stored(outShape, Layout.channelsLast(4)), fields: fields)
        }
    }

    /// A grouped convolution as SPLIT → one CONV_2D per group → CONCATENATION on channels.
    static func groupedConv(_ ctx: RaisingContext, input: String, inDims: [Int64], weights: Tensor, bias: [Float], group: Int64,
                            output: String, outDims: [Int64], fields: [String: Attribute.Value]) throws(PassError) {
        guard let ohwi = ConstantData.transpose(weights, [0, 2, 3, 1]), let all = ConstantData.floats(ohwi) else {
            throw ctx.invalid("cannot transpose weights")
        }
        let g = Int(group)
        let perGroupOut = Int(weights.dims[0]) / g
        let sliceCount = all.count / g
        var parts: [String] = []
        for i in 0..<g { parts.append(ctx.temporary("group\(i)", [inDims[0], inDims[1], inDims[2], inDims[3] / group], .float)) }
        ctx.emit("SPLIT", [ctx.int32s("axis", [3], shape: []), input], parts, options: "SplitOptions", ["num_splits": .int(group)])
        var results: [String] = []
        for (i, part) in parts.enumerated() {
            let filter = ConstantData.floatTensor(Array(all[(i * sliceCount)..<((i + 1) * sliceCount)]),
                                                  dims: [Int64(perGroupOut)] + Array(ohwi.dims[1...]))
            let r = ctx.temporary("conv\(i)", [outDims[0], outDims[1], outDims[2], Int64(perGroupOut)], .float)
            ctx.emit("CONV_2D", [part, ctx.constant("filter", filter), ctx.floats("bias", Array(bias[(i * perGroupOut)..<((i + 1) * perGroupOut)]))],
                     [r], options: "Conv2DOptions", fields)
            results.append(r)
        }
        ctx.emit("CONCATENATION", results, [output], options: "ConcatenationOptions", ["axis": .int(3), "fused_activation_function": .int(0)])
    }

    // MARK: Pooling

    static func pool(_ op: String, _ ctx: RaisingContext, _ node: Node) throws(PassError) {
        let x = try ctx.required(0)
        guard x.rank == 4, x.type == .float else { throw ctx.unsupported("only 2-D float32 pooling is supported") }
        guard let kernel = node.intsAttribute("kernel_shape") else { throw ctx.invalid("kernel_shape is missing") }
        if (node.intsAttribute("dilations") ?? [1, 1]) != [1, 1] { throw ctx.unsupported("dilated pooling is not supported") }
        var win = try window(ctx, node, spatial: Array(x.shape[2...]), kernel: kernel)
        let includePad = op == "AVERAGE_POOL_2D" && (node.intAttribute("count_include_pad") ?? 0) != 0
        if includePad, win.pads.contains(where: { $0 != 0 }) {
            // TFLite's SAME average leaves the padding out: pad with zeros and average VALID windows instead.
            guard !win.extended else {
                throw ctx.unsupported("AveragePool with count_include_pad=1 and a ceil_mode window past the padding is not supported")
            }
            (win.padding, win.explicit) = (1, win.pads)
        }
        var input = try ctx.channelsLast(x)
        var inDims = Layout.stored(x.shape, Layout.channelsLast(4))
        var correction: [Float]? = nil
        if let p = win.explicit {
            if op == "AVERAGE_POOL_2D" && !includePad {
                correction = padCorrection(spatial: Array(x.shape[2...]), win: win)
            }
            (input, inDims) = pad(ctx, input, dims: inDims, pads: p, value: op == "MAX_POOL_2D" ? -Float.greatestFiniteMagnitude : nil)
        }
        let shape = [x.shape[0], x.shape[1], win.output[0], win.output[1]]
        let y: String, pooled: String
        if let correction {
            pooled = ctx.temporary("pooled", Layout.stored(shape, Layout.channelsLast(4)), .float)
            y = ctx.define(node.outputs[0], shape: shape, type: .float, perm: Layout.channelsLast(4))
        } else {
            y = ctx.define(node.outputs[0], shape: shape, type: .float, perm: Layout.channelsLast(4))
            pooled = y
        }
        ctx.emit(op, [input], [pooled], options: "Pool2DOptions", [
            "padding": .int(win.padding), "stride_h": .int(win.strides[0]), "stride_w": .int(win.strides[1]),
            "filter_height": .int(kernel[0]), "filter_width": .int(kernel[1]), "fused_activation_function": .int(0),
        ])
        if let correction {
            ctx.emit("MUL", [pooled, ctx.floats("count_correction", correction, shape: [1, win.output[0], win.output[1], 1])], [y],
                     options: "MulOptions", ["fused_activation_function": .int(0)])
        }
    }

    /// Per output position: kernel size / number of window cells inside the unpadded input, which
    /// turns an average over a zero-padded input into ONNX's average that excludes the padding.
    static func padCorrection(spatial: [Int64], win: Window) -> [Float] {
        func counts(_ i: Int) -> [Int64] {
            (0..<win.output[i]).map { o in
                let start = o * win.strides[i] - win.pads[i]
                return max(0, min(start + win.kernel[i], spatial[i]) - max(start, 0))
            }
        }
        let (h, w) = (counts(0), counts(1))
        let full = Float(win.kernel[0] * win.kernel[1])
        return h.flatMap { a in w.map { b in a * b > 0 ? full / Float(a * b) : 0 } }
    }

    /// GlobalAveragePool / GlobalMaxPool: a reduction over the spatial axes, keeping them.
    static func globalPool(_ op: String, _ ctx: RaisingContext, _ node: Node) throws(PassError) {
        let x = try ctx.required(0)
        guard x.rank >= 3 else { throw ctx.invalid("global pooling needs rank ≥ 3") }
        let axes = (2..<x.rank).map { Int64(x.storedAxis($0)) }
        let shape = Array(x.shape[..<2]) + [Int64](repeating: 1, count: x.rank - 2)
        let input = try ctx.materialized(x)
        let y = ctx.define(node.outputs[0], shape: shape, type: x.type, perm: x.perm)
        ctx.emit(op, [input, ctx.int32s("axes", axes)], [y], options: "ReducerOptions", ["keep_dims": .int(1)])
    }

    // MARK: Matrix products

    /// Gemm → FULLY_CONNECTED with constant B (alpha folded in); transA reads A through a TRANSPOSE.
    /// C is the bias when it is per column (times beta), else an ADD after the product.
    static let gemm: Raising = { ctx, node throws(PassError) in
        var a = try ctx.required(0)
        let b = try ctx.required(1)
        guard a.rank == 2, b.rank == 2, a.type == .float else { throw ctx.unsupported("Gemm needs 2-D float32 operands") }
        guard var weights = b.constant else { throw ctx.unsupported("Gemm needs a constant B") }
        if (node.intAttribute("transA") ?? 0) != 0 {
            if let c = a.constant {
                guard let t = ConstantData.transpose(c, [1, 0]) else { throw ctx.invalid("cannot transpose A") }
                a = RaisedValue(name: a.name + "@T", shape: t.dims, type: a.type, perm: [0, 1], constant: t)
            } else {
                // Aᵀ as a relabeling of A's stored axes, like Transpose.
                a = RaisedValue(name: a.name, shape: [a.shape[1], a.shape[0]], type: a.type, perm: a.perm.map { 1 - $0 })
            }
        }
        let alpha = node.floatAttribute("alpha") ?? 1, beta = node.floatAttribute("beta") ?? 1
        if (node.intAttribute("transB") ?? 0) == 0 {
            guard let t = ConstantData.transpose(weights, [1, 0]) else { throw ctx.invalid("cannot transpose B") }
            weights = t
        }
        let (m, n) = (a.shape[0], weights.dims[0])
        guard weights.dims[1] == a.shape[1] else { throw ctx.invalid("A \(a.shape) and B \(b.shape) do not multiply") }
        if alpha != 1, let w = ConstantData.floats(weights) { weights = ConstantData.floatTensor(w.map { $0 * alpha }, dims: weights.dims) }
        var bias = [Float](repeating: 0, count: Int(n))
        var addend: RaisedValue? = nil
        if let c = try ctx.input(2) {
            let core = Array(c.shape.drop { $0 == 1 })  // without leading 1s: [] or [N] is one value per column
            let perColumn = core.isEmpty || core == [n]
            if let t = c.constant, let values = ConstantData.floats(t), perColumn {
                bias = values.count == 1 ? bias.map { _ in values[0] * beta } : values.map { $0 * beta }
            } else if let t = c.constant, let values = ConstantData.floats(t), Layout.broadcast([m, n], c.shape) == [m, n] {
                addend = RaisedValue(name: c.name + "@beta", shape: c.shape, type: .float, perm: Layout.identity(c.rank),
                                     constant: ConstantData.floatTensor(values.map { $0 * beta }, dims: t.dims))
            } else {
                throw ctx.unsupported("Gemm needs a constant float32 C that broadcasts to [M, N]")
            }
        }
        let input = try ctx.plain(a)
        let product = addend == nil ? ctx.define(node.outputs[0], shape: [m, n], type: .float, perm: [0, 1])
                                    : ctx.temporary("product", [m, n], .float)
        ctx.emit("FULLY_CONNECTED", [input, ctx.constant("weights", weights), ctx.floats("bias", bias)], [product],
                 options: "FullyConnectedOptions", ["fused_activation_function": .int(0), "weights_format": .int(0), "keep_num_dims": .int(0)])
        if let addend {
            let y = ctx.define(node.outputs[0], shape: [m, n], type: .float, perm: [0, 1])
            ctx.emit("ADD", [product, try ctx.broadcastConstant(addend, rank: 2, perm: [0, 1])], [y], options: "AddOptions",
                     ["fused_activation_function": .int(0)])
        }
    }

    static let matMul: Raising = { ctx, node throws(PassError) in
        let a = try ctx.required(0), b = try ctx.required(1)
        guard a.type == .float, a.rank >= 2 else { throw ctx.unsupported("MatMul needs float32 operands of rank ≥ 2") }
        if let w = b.constant, b.rank == 2 {
            guard let weights = ConstantData.transpose(w, [1, 0]) else { throw ctx.invalid("cannot transpose B") }
            let shape = Array(a.shape.dropLast()) + [b.shape[1]]
            let input = try ctx.plain(a)
            let y = ctx.define(node.outputs[0], shape: shape, type: .float, perm: Layout.identity(shape.count))
            ctx.emit("FULLY_CONNECTED", [input, ctx.constant("weights", weights), ctx.floats("bias", [Float](repeating: 0, count: Int(b.shape[1])))], [y],
                     options: "FullyConnectedOptions",
                     ["fused_activation_function": .int(0), "weights_format": .int(0), "keep_num_dims": .int(a.rank > 2 ? 1 : 0)],
                     version: a.rank > 2 ? 5 : 1)
            return
        }
        guard b.rank >= 2 else { throw ctx.unsupported("MatMul with a 1-D operand is not supported") }
        let batch = Layout.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) ?? []
        let shape = batch + [a.shape[a.rank - 2], b.shape[b.rank - 1]]
        let lhs = try ctx.plain(a), rhs = try ctx.plain(b)
        let y = ctx.define(node.outputs[0], shape: shape, type: .float, perm: Layout.identity(shape.count))
        ctx.emit("BATCH_MATMUL", [lhs, rhs], [y], options: "BatchMatMulOptions", ["adj_x": .int(0), "adj_y": .int(0)])
    }
}
