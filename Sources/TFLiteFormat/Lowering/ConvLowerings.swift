import ModelIR
import Passes

/// CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED, BATCH_MATMUL and the 2-D pools.
enum ConvLowerings {
    static let table: [String: Lowering] = [
        "CONV_2D": conv,
        "DEPTHWISE_CONV_2D": depthwise,
        "FULLY_CONNECTED": fullyConnected,
        "AVERAGE_POOL_2D": { ctx, node throws(PassError) in try pool("AveragePool", ctx, node) },
        "MAX_POOL_2D": { ctx, node throws(PassError) in try pool("MaxPool", ctx, node) },
        "BATCH_MATMUL": batchMatMul,
        "TRANSPOSE_CONV": transposeConv,
        "CUSTOM:Convolution2DTransposeBias": convolution2DTransposeBias,
    ]

    // MARK: Convolution

    /// Padding enum (SAME = 0, VALID = 1) as ONNX auto_pad.
    static func autoPad(_ node: Node) -> Attribute {
        Attribute(name: "auto_pad", value: .string(Array((node.option("padding") == 0 ? "SAME_UPPER" : "VALID").utf8)))
    }

    static func strides(_ node: Node) -> Attribute {
        Attribute(name: "strides", value: .ints([node.option("stride_h", default: 1), node.option("stride_w", default: 1)]))
    }

    static func dilations(_ node: Node) -> Attribute {
        Attribute(name: "dilations", value: .ints([node.option("dilation_h_factor", default: 1), node.option("dilation_w_factor", default: 1)]))
    }

    static let conv: Lowering = { ctx, node throws(PassError) in
        let out = node.outputs[0]
        let x = ctx.toChannelsFirst(ctx.real(node.input(0)))
        let w = ctx.toChannelsFirst(ctx.real(node.input(1)))  // OHWI → OIHW
        var inputs = [x, w]
        if !node.input(2).isEmpty { inputs.append(ctx.real(node.input(2))) }
        var y = ctx.emit("Conv", inputs, [autoPad(node), strides(node), dilations(node)])
        y = try ctx.activation(node.option("fused_activation_function"), y)
        let result = ctx.floatResult(for: out)
        _ = ctx.toChannelsLast(y, into: result)
        ctx.store(out, from: result)
    }

    static let depthwise: Lowering = { ctx, node throws(PassError) in
        let out = node.outputs[0]
        guard let channels = ctx.dims(node.input(0))?.last?.fixedValue else {
            throw ctx.unsupported("depthwise convolution needs a known channel count")
        }
        let x = ctx.toChannelsFirst(ctx.real(node.input(0)))
        // Filter [1, H, W, C*M] → [C*M, 1, H, W].
        let w = ctx.emit("Transpose", [ctx.real(node.input(1))], [Attribute(name: "perm", value: .ints([3, 0, 1, 2]))])
        var inputs = [x, w]
        if !node.input(2).isEmpty { inputs.append(ctx.real(node.input(2))) }
        var y = ctx.emit("Conv", inputs, [autoPad(node), strides(node), dilations(node), Attribute(name: "group", value: .int(channels))])
        y = try ctx.activation(node.option("fused_activation_function"), y)
        let result = ctx.floatResult(for: out)
        _ = ctx.toChannelsLast(y, into: result)
        ctx.store(out, from: result)
    }

    static let transposeConv: Lowering = { ctx, node throws(PassError) in
        // Inputs: output_shape (int32 [4], NHWC), weights [O, H, W, I], input, optional bias.
        let out = node.outputs[0]
        guard let shapeTensor = ctx.constants[node.input(0)], let outShape = ctx.int32Values(shapeTensor), outShape.count == 4 else {
            throw ctx.unsupported("TRANSPOSE_CONV needs a constant output shape")
        }
        let x = ctx.toChannelsFirst(ctx.real(node.input(2)))
        let w = ctx.emit("Transpose", [ctx.real(node.input(1))], [Attribute(name: "perm", value: .ints([3, 0, 1, 2]))])
        var inputs = [x, w]
        if !node.input(3).isEmpty { inputs.append(ctx.real(node.input(3))) }
        var attrs = [strides(node), Attribute(name: "output_shape", value: .ints([Int64(outShape[1]), Int64(outShape[2])]))]
        attrs.append(Attribute(name: "auto_pad", value: .string(Array((node.option("padding") == 1 ? "VALID" : "SAME_UPPER").utf8))))
        var y = ctx.emit("ConvTranspose", inputs, attrs)
        y = try ctx.activation(node.option("fused_activation_function"), y)
        let result = ctx.floatResult(for: out)
        _ = ctx.toChannelsLast(y, into: result)
        ctx.store(out, from: result)
    }

    /// MediaPipe's custom transposed convolution with bias; options are packed int32
    /// {padding (1 SAME, 2 VALID), stride_width, stride_height}; inputs: input, weights [O, H, W, I], bias.
    static let convolution2DTransposeBias: Lowering = { ctx, node throws(PassError) in
        guard case .string(let bytes)? = node.attribute(TFLiteDialect.customOptionsAttribute)?.value, bytes.count >= 12 else {
            throw ctx.unsupported("Convolution2DTransposeBias needs its 12-byte options")
        }
        let word = { (i: Int) -> Int64 in Int64(bytes[4 * i]) | Int64(bytes[4 * i + 1]) << 8 | Int64(bytes[4 * i + 2]) << 16 | Int64(bytes[4 * i + 3]) << 24 }
        let (padding, strideW, strideH) = (word(0), word(1), word(2))
        let out = node.outputs[0]
        guard let outDims = ctx.dims(out), outDims.count == 4, let oh = outDims[1].fixedValue, let ow = outDims[2].fixedValue else {
            throw ctx.unsupported("Convolution2DTransposeBias needs a known output shape")
        }
        let x = ctx.toChannelsFirst(ctx.real(node.input(0)))
        let w = ctx.emit("Transpose", [ctx.real(node.input(1))], [Attribute(name: "perm", value: .ints([3, 0, 1, 2]))])
        var inputs = [x, w]
        if !node.input(2).isEmpty { inputs.append(ctx.real(node.input(2))) }
        let y = ctx.emit("ConvTranspose", inputs, [
            Attribute(name: "strides", value: .ints([strideH, strideW])),
            Attribute(name: "output_shape", value: .ints([oh, ow])),
            Attribute(name: "auto_pad", value: .string(Array((padding == 2 ? "VALID" : "SAME_UPPER").utf8))),
        ])
        ctx.annotate(y, TFLiteProvenance.entries(operator: "CUSTOM:" + node.opType, customOptions: bytes))
        let result = ctx.floatResult(for: out)
        _ = ctx.toChannelsLast(y, into: result)
        ctx.store(out, from: result)
    }

    // MARK: Fully connected and matmul

    static let fullyConnected: Lowering = { ctx, node throws(PassError) in
        let out = node.outputs[0]
        guard node.option("weights_format") == 0 else { throw ctx.unsupported("shuffled FULLY_CONNECTED weights are not supported") }
        guard let wDims = ctx.dims(node.input(1)) ?? ctx.constants[node.input(1)].map({ $0.dims.map { Dim.fixed($0) } }),
              wDims.count == 2, let k = wDims[1].fixedValue, let n = wDims[0].fixedValue else {
            throw ctx.unsupported("FULLY_CONNECTED needs 2-D weights of known shape")
        }
        let x = ctx.emit("Reshape", [ctx.real(node.input(0)), ctx.int64s("shape", [-1, k])])
        var inputs = [x, ctx.real(node.input(1))]
        if !node.input(2).isEmpty { inputs.append(ctx.real(node.input(2))) }
        var y = ctx.emit("Gemm", inputs, [Attribute(name: "transB", value: .int(1))])
        y = try ctx.activation(node.option("fused_activation_function"), y)
        let result = ctx.floatResult(for: out)
        try fullyConnectedShape(ctx, node, rows: y, units: n, into: result)
        ctx.store(out, from: result)
    }

    /// Writes the [rows, units] result of FULLY_CONNECTED to `result` in the output's shape
    /// (`keep_num_dims` keeps the input's leading dims).
    static func fullyConnectedShape(_ ctx: LoweringContext, _ node: Node, rows y: String, units n: Int64, into result: String) throws(PassError) {
        let out = node.outputs[0]
        if node.option("keep_num_dims") != 0, let outDims = ctx.dims(out), outDims.allSatisfy({ $0.fixedValue != nil }) {
            ctx.emit("Reshape", [y, ctx.int64s("shape", outDims.map { $0.fixedValue! })], outputs: [result])
        } else if node.option("keep_num_dims") != 0 {
            let inputShape = ctx.emit("Shape", [node.input(0)])
            let lead = ctx.emit("Slice", [inputShape, ctx.int64s("start", [0]), ctx.int64s("end", [-1])])
            let target = ctx.emit("Concat", [lead, ctx.int64s("n", [n])], [Attribute(name: "axis", value: .int(0))])
            ctx.emit("Reshape", [y, target], outputs: [result])
        } else {
            ctx.emit("Identity", [y], outputs: [result])
        }
    }

    static let batchMatMul: Lowering = { ctx, node throws(PassError) in
        let out = node.outputs[0]
        var a = ctx.real(node.input(0)), b = ctx.real(node.input(1))
        if node.option("adj_x") != 0 { a = try ctx.swapLastTwo(a, rank: ctx.rank(node.input(0))) }
        if node.option("adj_y") != 0 { b = try ctx.swapLastTwo(b, rank: ctx.rank(node.input(1))) }
        let result = ctx.floatResult(for: out)
        ctx.emit("MatMul", [a, b], outputs: [result])
        ctx.store(out, from: result)
    }

    // MARK: Pooling

    static func pool(_ op: String, _ ctx: LoweringContext, _ node: Node) throws(PassError) {
        let out = node.outputs[0]
        let x = ctx.toChannelsFirst(ctx.real(node.input(0)))
        let kernel = Attribute(name: "kernel_shape", value: .ints([node.option("filter_height", default: 1), node.option("filter_width", default: 1)]))
        var y = ctx.emit(op, [x], [autoPad(node), strides(node), kernel])
        y = try ctx.activation(node.option("fused_activation_function"), y)
        let result = ctx.floatResult(for: out)
        _ = ctx.toChannelsLast(y, into: result)
        ctx.store(out, from: result)
    }
}

extension LoweringContext {
    /// Swaps the last two axes of a value of known rank.
    func swapLastTwo(_ value: String, rank: Int?) throws(PassError) -> String {
        guard let rank, rank >= 2 else { throw unsupported("adjoint needs a known rank of at least 2") }
        var perm = (0..<rank).map { Int64($0) }
        perm.swapAt(rank - 1, rank - 2)
        return emit("Transpose", [value], [Attribute(name: "perm", value: .ints(perm))])
    }

    /// The elements of a small constant integer tensor (int32 or int64).
    func int32Values(_ t: Tensor) -> [Int]? {
        guard let view = t.byteView else { return nil }
        return view.withUnsafeBytes { raw -> [Int]? in
            switch t.dataType {
            case .int32: return (0..<(raw.count / 4)).map { Int(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
            case .int64: return (0..<(raw.count / 8)).map { Int(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            default: return nil
            }
        }
    }

    /// The elements of a constant integer input, or an error naming it.
    func constantInts(_ value: String, what: String) throws(PassError) -> [Int] {
        guard let t = constants[value], let v = int32Values(t) else { throw unsupported("\(what) must be a constant integer tensor") }
        return v
    }
}
