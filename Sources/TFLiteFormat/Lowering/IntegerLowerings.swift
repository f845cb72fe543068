import ModelIR
import Passes

/// Exact lowerings of int8 TFLite ops: integer ONNX ops (ConvInteger, MatMulInteger, int64
/// arithmetic) that compute what TFLite's reference kernels compute, rounding included.
///
/// The QDQ form lets onnxruntime requantize in float (ties to even, float32 multipliers); TFLite
/// requantizes in fixed point (ties away from zero), and the one-step differences compound through
/// deep models (15 steps on the corpus's mlperf_ic_resnet8). Each lowering returns false when its
/// preconditions do not hold (types, per-tensor activations, a known fused activation), and the
/// node then takes the QDQ lowering.
enum IntegerLowerings {
    /// An exact lowering: emits the nodes and returns true, or emits nothing and returns false.
    typealias ExactLowering = @Sendable (LoweringContext, Node) throws(PassError) -> Bool

    static let table: [String: ExactLowering] = [
        "CONV_2D": { ctx, node throws(PassError) in try conv(ctx, node, depthwise: false) },
        "DEPTHWISE_CONV_2D": { ctx, node throws(PassError) in try conv(ctx, node, depthwise: true) },
        "FULLY_CONNECTED": fullyConnected,
        "ADD": { ctx, node throws(PassError) in try addSub(ctx, node, subtract: false) },
        "SUB": { ctx, node throws(PassError) in try addSub(ctx, node, subtract: true) },
        "AVERAGE_POOL_2D": averagePool,
        "MEAN": mean,
    ]

    /// The int8 clamp range of the node's fused activation on output quantization `q`; nil for
    /// activations that are not a clamp.
    static func activationRange(_ node: Node, _ q: (scale: Float, zeroPoint: Int64)) -> (min: Int32, max: Int32)? {
        FixedPointRequantization.activationRange(Int(node.option("fused_activation_function")), scale: q.scale,
                                                 zeroPoint: Int32(q.zeroPoint), type: .int8)
    }

    // MARK: Convolution

    /// The requantization multipliers of an accumulator `x · w` into `output`, one per channel.
    static func multipliers(input: Float, weights: [Float], output: Float, channels: Int) -> [(multiplier: Int32, shift: Int)]? {
        guard weights.count == 1 || weights.count == channels else { return nil }
        let all = (0..<channels).map { c in
            FixedPointRequantization.quantizeMultiplier(Double(input) * Double(weights.count == 1 ? weights[0] : weights[c]) / Double(output))
        }
        // One multiplier for all channels when they agree (per-tensor weights).
        return all.allSatisfy({ $0 == all[0] }) ? [all[0]] : all
    }

    /// Int8 weights with zero points 0 (TFLite's symmetric weights): their scales.
    static func symmetricWeightScales(_ ctx: LoweringContext, _ w: String) -> [Float]? {
        guard ctx.dataType(w) == .int8, let q = ctx.quantization(w), q.details == nil,
              q.zeroPoints.allSatisfy({ $0 == 0 }) else { return nil }
        return q.scales
    }

    /// CONV_2D and DEPTHWISE_CONV_2D: ConvInteger, the int32 bias, fixed-point requantization.
    static func conv(_ ctx: LoweringContext, _ node: Node, depthwise: Bool) throws(PassError) -> Bool {
        let (x, w, bias, out) = (node.input(0), node.input(1), node.input(2), node.outputs[0])
        guard let qx = ctx.int8Quantization(x), let qo = ctx.int8Quantization(out), let ws = symmetricWeightScales(ctx, w),
              bias.isEmpty || ctx.dataType(bias) == .int32,
              let range = activationRange(node, qo),
              let wDims = ctx.dims(w), wDims.count == 4, let channels = wDims[depthwise ? 3 : 0].fixedValue,
              let inChannels = ctx.dims(x)?.last?.fixedValue,
              let ms = multipliers(input: qx.scale, weights: ws, output: qo.scale, channels: Int(channels)) else { return false }
        let xFirst = ctx.toChannelsFirst(x)
        // OHWI → OIHW; depthwise [1, H, W, C·M] → [C·M, 1, H, W].
        let wFirst = depthwise ? ctx.emit("Transpose", [w], [Attribute(name: "perm", value: .ints([3, 0, 1, 2]))]) : ctx.toChannelsFirst(w)
        var attributes = [ConvLowerings.autoPad(node), ConvLowerings.strides(node), ConvLowerings.dilations(node)]
        if depthwise { attributes.append(Attribute(name: "group", value: .int(inChannels))) }
        let accFirst = ctx.emit("ConvInteger", [xFirst, wFirst, ctx.int8Scalar("input_zero_point", qx.zeroPoint)], attributes)
        var acc = ctx.toChannelsLast(accFirst)
        if !bias.isEmpty { acc = ctx.emit("Add", [acc, bias]) }  // int32, as TFLite accumulates
        let scaled = ctx.fixedPointMultiply(ctx.toInt64(acc), by: ms)
        ctx.finishQuantized(scaled, zeroPoint: qo.zeroPoint, range: range, type: .int8, into: out)
        return true
    }

    // MARK: Fully connected

    /// FULLY_CONNECTED: MatMulInteger, the int32 bias, then `round(acc · scale)` in double as the
    /// reference kernel does (ties away from zero).
    static let fullyConnected: ExactLowering = { ctx, node throws(PassError) in
        let (x, w, bias, out) = (node.input(0), node.input(1), node.input(2), node.outputs[0])
        guard node.option("weights_format") == 0, let qx = ctx.int8Quantization(x), let qo = ctx.int8Quantization(out),
              let ws = symmetricWeightScales(ctx, w), bias.isEmpty || ctx.dataType(bias) == .int32,
              let range = activationRange(node, qo),
              let wDims = ctx.dims(w), wDims.count == 2, let units = wDims[0].fixedValue, let depth = wDims[1].fixedValue,
              ws.count == 1 || ws.count == Int(units) else { return false }
        let rows = ctx.emit("Reshape", [x, ctx.int64s("shape", [-1, depth])])
        let wT = ctx.emit("Transpose", [w], [Attribute(name: "perm", value: .ints([1, 0]))])
        var acc = ctx.emit("MatMulInteger", [rows, wT, ctx.int8Scalar("input_zero_point", qx.zeroPoint)])
        if !bias.isEmpty { acc = ctx.emit("Add", [acc, bias]) }
        let scales = ws.map { Double(qx.scale) * Double($0) / Double(qo.scale) }
        let real = ctx.emit("Mul", [ctx.emit("Cast", [acc], [Attribute(name: "to", value: .int(Int64(DataType.double.rawValue)))]),
                                    ctx.constant("scale", Tensor(doubles: scales, scalar: scales.count == 1))])
        // round half away from zero: sign(v) · floor(|v| + 0.5)
        let magnitude = ctx.emit("Floor", [ctx.emit("Add", [ctx.emit("Abs", [real]), ctx.constant("half", Tensor(doubles: [0.5], scalar: true))])])
        let rounded = ctx.toInt64(ctx.emit("Mul", [magnitude, ctx.emit("Sign", [real])]))
        let result = ctx.fresh("result")
        ctx.finishQuantized(rounded, zeroPoint: qo.zeroPoint, range: range, type: .int8, into: result)
        try ConvLowerings.fullyConnectedShape(ctx, node, rows: result, units: units, into: out)
        return true
    }

    // MARK: Element-wise

    /// ADD and SUB: both inputs moved to a common scale with a left shift of 20, summed, requantized.
    static func addSub(_ ctx: LoweringContext, _ node: Node, subtract: Bool) throws(PassError) -> Bool {
        let (a, b, out) = (node.input(0), node.input(1), node.outputs[0])
        guard let qa = ctx.int8Quantization(a), let qb = ctx.int8Quantization(b), let qo = ctx.int8Quantization(out),
              let range = activationRange(node, qo) else { return false }
        let leftShift = 20
        let twiceMax = 2 * Double(max(qa.scale, qb.scale))
        let ma = FixedPointRequantization.quantizeMultiplier(Double(qa.scale) / twiceMax)
        let mb = FixedPointRequantization.quantizeMultiplier(Double(qb.scale) / twiceMax)
        let mo = FixedPointRequantization.quantizeMultiplier(twiceMax / (Double(1 << leftShift) * Double(qo.scale)))
        func rescaled(_ v: String, _ zeroPoint: Int64, _ m: (multiplier: Int32, shift: Int)) -> String {
            var x = ctx.toInt64(v)
            if zeroPoint != 0 { x = ctx.emit("Sub", [x, ctx.int64s("zero_point", [zeroPoint], shape: [])]) }
            x = ctx.emit("Mul", [x, ctx.int64s("left_shift", [1 << leftShift], shape: [])])
            return ctx.fixedPointMultiply(x, by: [m])
        }
        let sum = ctx.emit(subtract ? "Sub" : "Add", [rescaled(a, qa.zeroPoint, ma), rescaled(b, qb.zeroPoint, mb)])
        ctx.finishQuantized(ctx.fixedPointMultiply(sum, by: [mo]), zeroPoint: qo.zeroPoint, range: range, type: .int8, into: out)
        return true
    }

    // MARK: Pooling and reduction

    /// AVERAGE_POOL_2D with equal input and output quantization: the window sums (a depthwise
    /// convolution with ones, exact in float32 for windows below 65536 elements), divided by the
    /// number of valid elements with ties away from zero.
    static let averagePool: ExactLowering = { ctx, node throws(PassError) in
        let (x, out) = (node.input(0), node.outputs[0])
        let (fh, fw) = (node.option("filter_height", default: 1), node.option("filter_width", default: 1))
        let (sh, sw) = (node.option("stride_h", default: 1), node.option("stride_w", default: 1))
        guard let qx = ctx.int8Quantization(x), let qo = ctx.int8Quantization(out), qx == qo, fh * fw < 65536,
              let range = activationRange(node, qo),
              let dims = ctx.dims(x)?.map(\.fixedValue), dims.count == 4, let h = dims[1], let w = dims[2], let c = dims[3],
              let counts = windowCounts(height: h, width: w, filter: (fh, fw), stride: (sh, sw), same: node.option("padding") == 0)
        else { return false }
        let real = ctx.emit("Cast", [ctx.toChannelsFirst(x)], [Attribute(name: "to", value: .int(Int64(DataType.float.rawValue)))])
        let ones = ctx.floats("ones", [Float](repeating: 1, count: Int(c * fh * fw)), shape: [c, 1, fh, fw])
        let sums = ctx.emit("Conv", [real, ones], [ConvLowerings.autoPad(node), ConvLowerings.strides(node),
                                                   Attribute(name: "kernel_shape", value: .ints([fh, fw])),
                                                   Attribute(name: "group", value: .int(c))])
        let total = ctx.toInt64(ctx.toChannelsLast(sums))
        let shape = [counts.height, counts.width, 1]
        let n = ctx.int64s("count", counts.values, shape: shape)
        let half = ctx.int64s("half_count", counts.values.map { $0 / 2 }, shape: shape)
        ctx.finishQuantized(ctx.roundingDivide(total, by: n, half: half), zeroPoint: 0, range: range, type: .int8, into: out)
        return true
    }

    /// The number of input elements inside each pooling window (TFLite SAME padding: the window
    /// centred as ONNX SAME_UPPER centres it), row-major over the output; nil for empty outputs.
    static func windowCounts(height: Int64, width: Int64, filter: (Int64, Int64), stride: (Int64, Int64), same: Bool)
        -> (height: Int64, width: Int64, values: [Int64])? {
        func axis(_ size: Int64, _ f: Int64, _ s: Int64) -> [Int64]? {
            let limit: Int64 = 1 << 20  // per axis; no real pooling window grid comes near
            guard s > 0, f > 0, size >= 0, size <= limit, f <= limit, s <= limit else { return nil }
            let outSize = same ? (size + s - 1) / s : (size - f + s) / s
            guard outSize > 0 else { return nil }
            let pad = same ? max(0, ((outSize - 1) * s + f - size) / 2) : 0
            return (0..<outSize).map { o in
                let start = o * s - pad
                return min(start + f, size) - max(start, 0)
            }
        }
        guard let rows = axis(height, filter.0, stride.0), let cols = axis(width, filter.1, stride.1) else { return nil }
        return (Int64(rows.count), Int64(cols.count), rows.flatMap { r in cols.map { r * $0 } })
    }

    /// MEAN: the integer sum, less the input zero point per element, times `in_scale / out_scale / n`
    /// as one fixed-point multiplier (`QuantizedMeanOrSum`).
    static let mean: ExactLowering = { ctx, node throws(PassError) in
        let (x, out) = (node.input(0), node.outputs[0])
        guard let qx = ctx.int8Quantization(x), let qo = ctx.int8Quantization(out), let dims = ctx.dims(x)?.map(\.fixedValue),
              let axes = try? ctx.constantInts(node.input(1), what: "MEAN axes") else { return false }
        let rank = dims.count
        var n: Int64 = 1
        for a in Set(axes.map { $0 < 0 ? $0 + rank : $0 }) {
            guard a >= 0, a < rank, let d = dims[a] else { return false }
            n *= d
        }
        guard n > 0, let range = FixedPointRequantization.range(of: .int8) else { return false }
        var (multiplier, shift) = FixedPointRequantization.quantizeMultiplier(Double(qx.scale) / Double(qo.scale))
        let s = min(63 - UInt64(n).leadingZeroBitCount, 32, 31 + shift)
        multiplier = Int32(truncatingIfNeeded: (Int64(multiplier) << s) / n)
        shift -= s
        let keep = Attribute(name: "keepdims", value: .int(node.option("keep_dims") != 0 ? 1 : 0))
        let sum = ctx.emit("ReduceSum", [ctx.toInt64(x), ctx.int64s("axes", axes.map { Int64($0) })], [keep])
        let shifted = qx.zeroPoint == 0 ? sum : ctx.emit("Sub", [sum, ctx.int64s("zero_point_sum", [qx.zeroPoint * n], shape: [])])
        ctx.finishQuantized(ctx.fixedPointMultiply(shifted, by: [(multiplier, shift)]), zeroPoint: qo.zeroPoint, range: range,
                            type: .int8, into: out)
        return true
    }
}

extension Tensor {
    /// A float64 constant: a scalar, or a 1-D tensor.
    init(doubles: [Double], scalar: Bool) {
        let bytes = doubles.withUnsafeBytes { ByteView(copying: $0) }
        self.init(name: nil, dataType: .double, dims: scalar ? [] : [Int64(doubles.count)], contents: .bytes(bytes))
    }
}
