import ModelIR
import Passes

/// ConvTranspose (1-D and 2-D) → TRANSPOSE_CONV on NHWC, with the exact ONNX output window.
///
/// TRANSPOSE_CONV writes input position i, tap k at output i·stride − pad + k for an output
/// shape given as an input, where pad is 0 (VALID) or derived from that output shape (SAME).
/// ONNX writes it at i·stride − pads_begin + k·dilation. So SAME is used when its pad equals
/// pads_begin, VALID when pads_begin is 0, else VALID into an output pads_begin larger followed by
/// a STRIDED_SLICE. Dilations are zeros inserted in the weights; groups become SPLIT →
/// TRANSPOSE_CONV per group → CONCATENATION. 1-D runs as 2-D of height 1 (RESHAPE, no data moved).
enum ConvTransposeRaisings: RaisingFamily {
    static let table: [String: Raising] = ["ConvTranspose": convTranspose]

    static let constraints: [String: String] = [
        "ConvTranspose": "1-D or 2-D, float32, constant or run-time weights; pads/output_padding/output_shape/auto_pad as "
            + "SAME, VALID, or VALID + STRIDED_SLICE; dilations (zeros in the weights) and groups (SPLIT + CONCATENATION)",
    ]

    static let checks: [String: PreflightCheck] = [
        "ConvTranspose": { node, scope in
            let spatial = node.intsAttribute("kernel_shape")?.count ?? scope.rank(node, 1).map { $0 - 2 }
                ?? scope.rank(node, 0).map { $0 - 2 }
            if let s = spatial, s != 1 && s != 2 { return "\(s)-D ConvTranspose is not supported (1-D and 2-D are)" }
            return nil
        },
    ]

    /// One spatial axis of the transposed convolution.
    struct Axis {
        var input: Int64, kernel: Int64, stride: Int64, dilation: Int64
        var padBegin: Int64 = 0, output: Int64 = 0
        var effectiveKernel: Int64 { (kernel - 1) * dilation + 1 }
        /// Every position an input tap reaches, from 0 (TRANSPOSE_CONV with VALID padding and no offset).
        var natural: Int64 { (input - 1) * stride + effectiveKernel }
        /// Whether SAME padding gives ONNX's window: TRANSPOSE_CONV requires ceil(output / stride)
        /// to be the input size and then pads by half the excess of the window over the output.
        var fitsSame: Bool {
            (output + stride - 1) / stride == input && max(0, natural - output) / 2 == padBegin
        }
        /// The output VALID computes for this axis before trimming: it must reach pads_begin + output
        /// and stay below natural + stride (TRANSPOSE_CONV checks the input size it implies).
        var validOutput: Int64? {
            let size = max(natural, padBegin + output)
            return size < natural + stride ? size : nil
        }
    }

    static let convTranspose: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0), w = try ctx.required(1)
        guard x.rank == 3 || x.rank == 4, w.rank == x.rank else {
            throw ctx.unsupported("\(x.rank - 2)-D ConvTranspose is not supported (1-D and 2-D are)")
        }
        guard x.type == .float, w.type == .float else { throw ctx.unsupported("ConvTranspose is raised for float32 only") }
        if try raiseAsCustom(ctx, node, x: x, w: w) { return }
        let group = node.intAttribute("group") ?? 1
        let cIn = x.shape[1], cOut = w.shape[1] * group
        guard group >= 1, w.shape[0] == cIn, cIn % group == 0 else {
            throw ctx.invalid("weights \(w.shape) do not match \(cIn) input channels in \(group) group(s)")
        }
        let axes = try windowAxes(ctx, node, x: x, w: w)
        let strides = axes.map(\.stride)
        let padding: Int64
        var full = axes.map(\.output)
        if axes.allSatisfy(\.fitsSame) {
            padding = 0
        } else {
            padding = 1
            for (i, a) in axes.enumerated() {
                guard let size = a.validOutput else {
                    throw ctx.unsupported("ConvTranspose output \(a.output) with pads_begin \(a.padBegin) reaches past the last input tap "
                                          + "by a stride or more (output_shape / negative pads); TRANSPOSE_CONV cannot express it")
                }
                full[i] = size
            }
        }
        let n = x.shape[0]
        // NHWC input of height 1 for 1-D.
        var input = try ctx.channelsLast(x)
        let inDims = [n] + (x.rank == 3 ? [1] : []) + Array(x.shape[2...]) + [cIn]
        if x.rank == 3 { input = reshape(ctx, input, to: inDims, hint: "as_2d") }
        let filter = try weights(ctx, node, w, axes: axes)
        let bias = try bias(ctx, cOut)
        let height1: [Int64] = x.rank == 3 ? [1] : []
        let fullDims = [n] + height1 + full + [cOut]
        let needsSlice = full != axes.map(\.output)
        let outShape = [n, cOut] + axes.map(\.output)
        let direct = !needsSlice && x.rank == 4
        let result = direct ? ctx.define(node.outputs[0], shape: outShape, type: .float, perm: Layout.channelsLast(4))
                            : ctx.temporary("transposed", fullDims, .float)
        let fields: [String: Attribute.Value] = ["padding": .int(padding), "stride_h": .int(x.rank == 3 ? 1 : strides[0]),
                                                 "stride_w": .int(strides[strides.count - 1]), "fused_activation_function": .int(0)]
        try emitGroups(ctx, input: input, inDims: inDims, filter: filter, bias: bias, group: group, output: result, outDims: fullDims, fields: fields)
        if direct { return }
        var last = result
        if needsSlice {
            // Drop the first pads_begin positions VALID computed.
            let begin = [0] + height1.map { _ in 0 } + axes.map(\.padBegin) + [0]
            let end = [n] + height1 + axes.map { $0.padBegin + $0.output } + [cOut]
            let sliced = x.rank == 4 ? ctx.define(node.outputs[0], shape: outShape, type: .float, perm: Layout.channelsLast(4))
                                     : ctx.temporary("trimmed", [n] + height1 + axes.map(\.output) + [cOut], .float)
            ctx.emit("STRIDED_SLICE", [result, ctx.int32s("begin", begin), ctx.int32s("end", end), ctx.int32s("strides", begin.map { _ in 1 })],
                     [sliced], options: "StridedSliceOptions",
                     ["begin_mask": .int(0), "end_mask": .int(0), "ellipsis_mask": .int(0), "new_axis_mask": .int(0),
                      "shrink_axis_mask": .int(0), "offset": .int(0)])
            last = sliced
        }
        if x.rank == 3 {
            // Drop the height of 1.
            let y = ctx.define(node.outputs[0], shape: outShape, type: .float, perm: Layout.channelsLast(3))
            let dims = Layout.stored(outShape, Layout.channelsLast(3))
            ctx.reshape(last, to: dims, into: y)
        }
    }

    // MARK: Window

    /// Kernel, stride, dilation, pads_begin and output size per spatial axis, as ONNX defines them.
    static func windowAxes(_ ctx: RaisingContext, _ node: Node, x: RaisedValue, w: RaisedValue) throws(PassError) -> [Axis] {
        let s = x.rank - 2
        let kernel = node.intsAttribute("kernel_shape") ?? Array(w.shape[2...])
        let strides = node.intsAttribute("strides") ?? [Int64](repeating: 1, count: s)
        let dilations = node.intsAttribute("dilations") ?? [Int64](repeating: 1, count: s)
        let outputPadding = node.intsAttribute("output_padding") ?? [Int64](repeating: 0, count: s)
        var pads = node.intsAttribute("pads") ?? [Int64](repeating: 0, count: 2 * s)
        guard kernel.count == s, kernel == Array(w.shape[2...]), strides.count == s, dilations.count == s,
              outputPadding.count == s, pads.count == 2 * s else {
            throw ctx.invalid("kernel_shape, strides, dilations, output_padding or pads do not fit \(s) spatial axes and weights \(w.shape)")
        }
        var axes = (0..<s).map { Axis(input: x.shape[2 + $0], kernel: kernel[$0], stride: strides[$0], dilation: dilations[$0]) }
        let autoPad = node.stringAttribute("auto_pad") ?? "NOTSET"
        var target = node.intsAttribute("output_shape")
        if target == nil, autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" { target = axes.map { $0.input * $0.stride } }
        if var target {
            if target.count == s + 2 { target = Array(target[2...]) }
            guard target.count == s else { throw ctx.invalid("output_shape \(target) does not fit \(s) spatial axes") }
            for i in 0..<s {
                // A target beyond the window (negative total) adds positions at the end.
                let total = axes[i].stride * (axes[i].input - 1) + outputPadding[i] + axes[i].effectiveKernel - target[i]
                guard total >= 0 else {
                    (pads[i], pads[s + i]) = (0, total)
                    continue
                }
                let small = total / 2, large = total - total / 2
                // SAME_UPPER puts the larger half at the end; NOTSET and SAME_LOWER at the start.
                (pads[i], pads[s + i]) = autoPad == "SAME_UPPER" ? (small, large) : (large, small)
            }
        } else if autoPad == "VALID" {
            pads = [Int64](repeating: 0, count: 2 * s)
        }
        for i in 0..<s {
            axes[i].padBegin = pads[i]
            axes[i].output = axes[i].stride * (axes[i].input - 1) + outputPadding[i] + axes[i].effectiveKernel - pads[i] - pads[s + i]
            guard axes[i].output > 0, axes[i].padBegin >= 0, axes[i].output + axes[i].padBegin >= 0 else {
                throw ctx.unsupported("ConvTranspose pads \(pads) give output size \(axes[i].output) (negative pads are not supported)")
            }
        }
        return axes
    }

    // MARK: Operands

    /// The filter in OHWI (height 1 for 1-D), dilated with zeros: a constant, or a TRANSPOSE of run-time weights.
    static func weights(_ ctx: RaisingContext, _ node: Node, _ w: RaisedValue, axes: [Axis]) throws(PassError) -> Operand {
        // [Cin, Cout/g, (kH,) kW] → [Cout/g, (kH,) kW, Cin].
        let toOHWI = Array(1..<w.rank) + [0]
        var dims = [w.shape[1]] + (w.rank == 3 ? [1] : []) + Array(w.shape[2...]) + [w.shape[0]]
        let dilation = (w.rank == 3 ? [1] : []) + axes.map(\.dilation)
        guard let t = w.constant else {
            var name = try ctx.stored(w, perm: toOHWI)
            if w.rank == 3 { name = reshape(ctx, name, to: dims, hint: "filter_2d") }
            for axis in 1...2 where dilation[axis - 1] != 1 { (name, dims) = dilateRuntime(ctx, name, dims: dims, axis: axis, by: dilation[axis - 1]) }
            return .runtime(name, dims)
        }
        guard let ohwi = ConstantData.transpose(t, toOHWI), var values = ConstantData.floats(ohwi) else {
            throw ctx.invalid("cannot rearrange the weights")
        }
        if dilation.contains(where: { $0 != 1 }) { (values, dims) = dilate(values, dims: dims, by: dilation) }
        return .constant(values, dims)
    }

    /// A filter or bias operand: constant values with their dims, or a run-time tensor.
    enum Operand {
        case constant([Float], [Int64])
        case runtime(String, [Int64])
    }

    /// OHWI weights with `d − 1` zeros between taps along H and W.
    static func dilate(_ values: [Float], dims: [Int64], by d: [Int64]) -> ([Float], [Int64]) {
        let (o, h, w, i) = (Int(dims[0]), Int(dims[1]), Int(dims[2]), Int(dims[3]))
        let (dh, dw) = (Int(d[0]), Int(d[1]))
        let (eh, ew) = ((h - 1) * dh + 1, (w - 1) * dw + 1)
        var out = [Float](repeating: 0, count: o * eh * ew * i)
        for a in 0..<o { for y in 0..<h { for x in 0..<w { for c in 0..<i {
            out[((a * eh + y * dh) * ew + x * dw) * i + c] = values[((a * h + y) * w + x) * i + c]
        } } } }
        return (out, [Int64(o), Int64(eh), Int64(ew), Int64(i)])
    }

    /// Run-time OHWI weights dilated along `axis` (1 = H, 2 = W): each tap gets d − 1 zeros after it
    /// (RESHAPE → PAD a new axis → RESHAPE), and the zeros after the last tap are sliced off.
    static func dilateRuntime(_ ctx: RaisingContext, _ name: String, dims: [Int64], axis: Int, by d: Int64) -> (String, [Int64]) {
        var split = dims
        split.insert(1, at: axis + 1)
        let expanded = reshape(ctx, name, to: split, hint: "taps")
        var grown = split
        grown[axis + 1] = d
        let padded = ctx.temporary("dilated_taps", grown, .float)
        var paddings = [Int64](repeating: 0, count: 10)
        paddings[2 * (axis + 1) + 1] = d - 1
        ctx.emit("PAD", [expanded, ctx.int32s("paddings", paddings, shape: [5, 2])], [padded], options: "PadOptions")
        var merged = dims
        merged[axis] = dims[axis] * d
        let flat = reshape(ctx, padded, to: merged, hint: "dilated")
        var out = dims
        out[axis] = (dims[axis] - 1) * d + 1
        let trimmed = ctx.temporary("filter_dilated", out, .float)
        ctx.emit("STRIDED_SLICE", [flat, ctx.int32s("begin", [0, 0, 0, 0]), ctx.int32s("end", out), ctx.int32s("strides", [1, 1, 1, 1])],
                 [trimmed], options: "StridedSliceOptions",
                 ["begin_mask": .int(0), "end_mask": .int(0), "ellipsis_mask": .int(0), "new_axis_mask": .int(0),
                  "shrink_axis_mask": .int(0), "offset": .int(0)])
        return (trimmed, out)
    }

    /// The bias: constant values, a run-time tensor, or zeros.
    static func bias(_ ctx: RaisingContext, _ cOut: Int64) throws(PassError) -> Operand {
        guard let b = try ctx.input(2) else { return .constant([Float](repeating: 0, count: Int(cOut)), [cOut]) }
        guard b.shape.reduce(1, *) == cOut, b.type == .float else { throw ctx.invalid("bias \(b.shape) does not have \(cOut) elements") }
        if let t = b.constant, let values = ConstantData.floats(t) { return .constant(values, [cOut]) }
        return .runtime(try ctx.plain(b), [cOut])
    }

    // MARK: Emission

    /// TRANSPOSE_CONV over all channels, or SPLIT → one per group → CONCATENATION.
    static func emitGroups(_ ctx: RaisingContext, input: String, inDims: [Int64], filter: Operand, bias: Operand, group: Int64,
                           output: String, outDims: [Int64], fields: [String: Attribute.Value]) throws(PassError) {
        let g = Int(group)
        let filters = groupFilters(ctx, filter, groups: g), biases = groupBiases(ctx, bias, groups: g)
        guard g > 1 else {
            ctx.emit("TRANSPOSE_CONV", [ctx.int32s("output_shape", outDims), filters[0], input, biases[0]], [output],
                     options: "TransposeConvOptions", fields, version: 3)
            return
        }
        let perIn = inDims[3] / group, perOut = outDims[3] / group
        var parts: [String] = []
        for i in 0..<g { parts.append(ctx.temporary("group\(i)", Array(inDims[..<3]) + [perIn], .float)) }
        ctx.emit("SPLIT", [ctx.int32s("axis", [3], shape: []), input], parts, options: "SplitOptions", ["num_splits": .int(group)])
        var results: [String] = []
        for i in 0..<g {
            let shape = Array(outDims[..<3]) + [perOut]
            let r = ctx.temporary("conv\(i)", shape, .float)
            ctx.emit("TRANSPOSE_CONV", [ctx.int32s("output_shape", shape), filters[i], parts[i], biases[i]], [r],
                     options: "TransposeConvOptions", fields, version: 3)
            results.append(r)
        }
        ctx.emit("CONCATENATION", results, [output], options: "ConcatenationOptions", ["axis": .int(3), "fused_activation_function": .int(0)])
    }

    /// The filter of each group: the OHWI weights are [Cout/g, kH, kW, Cin] and group i reads input
    /// channels i·Cin/g..<(i+1)·Cin/g (a slice of the constant, or a SPLIT on the last axis).
    static func groupFilters(_ ctx: RaisingContext, _ filter: Operand, groups g: Int) -> [String] {
        switch filter {
        case .constant(let values, let dims):
            guard g > 1 else { return [ctx.floats("filter", values, shape: dims)] }
            let (o, kh, kw, cin) = (Int(dims[0]), Int(dims[1]), Int(dims[2]), Int(dims[3]))
            let per = cin / g
            return (0..<g).map { i in
                var slice: [Float] = []
                for base in stride(from: 0, to: o * kh * kw * cin, by: cin) { slice += values[(base + i * per)..<(base + (i + 1) * per)] }
                return ctx.floats("filter", slice, shape: [dims[0], dims[1], dims[2], Int64(per)])
            }
        case .runtime(let name, let dims):
            guard g > 1 else { return [name] }
            let parts = (0..<g).map { i in ctx.temporary("filter\(i)", Array(dims[..<3]) + [dims[3] / Int64(g)], .float) }
            ctx.emit("SPLIT", [ctx.int32s("axis", [3], shape: []), name], parts, options: "SplitOptions", ["num_splits": .int(Int64(g))])
            return parts
        }
    }

    /// The bias of each group (output channels i·Cout/g..<(i+1)·Cout/g).
    static func groupBiases(_ ctx: RaisingContext, _ bias: Operand, groups g: Int) -> [String] {
        switch bias {
        case .constant(let values, _):
            let per = values.count / g
            return (0..<g).map { i in ctx.floats("bias", Array(values[(i * per)..<((i + 1) * per)])) }
        case .runtime(let name, let dims):
            guard g > 1 else { return [name] }
            let parts = (0..<g).map { i in ctx.temporary("bias\(i)", [dims[0] / Int64(g)], .float) }
            ctx.emit("SPLIT", [ctx.int32s("axis", [0], shape: []), name], parts, options: "SplitOptions", ["num_splits": .int(Int64(g))])
            return parts
        }
    }

    static func reshape(_ ctx: RaisingContext, _ x: String, to dims: [Int64], hint: String) -> String {
        let y = ctx.temporary(hint, dims, .float)
        ctx.reshape(x, to: dims, into: y)
        return y
    }
}
