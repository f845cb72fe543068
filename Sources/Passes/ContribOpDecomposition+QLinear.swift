import ModelIR

// MARK: Quantized ops with weights or several quantized inputs

/// onnxruntime's QDQ fusions (`QDQFinalCleanupTransformer`, `QDQSelectorActionTransformer`, the NHWC
/// transformer) turn `DequantizeLinear → op → QuantizeLinear` groups into these com.microsoft ops;
/// the rewrites here undo that. Each quantized input gets its own DequantizeLinear (as QDQ models
/// have them), the output QuantizeLinear keeps the contrib op's output name.
extension ContribOpDecomposition {
    static var qLinearRewrites: [String: Rewrite] {
        [
            "QLinearConv": qLinearConv,
            "QGemm": qGemm,
            "QLinearAdd": { c throws(PassError) in try qLinearBinary("Add", &c) },
            "QLinearMul": { c throws(PassError) in try qLinearBinary("Mul", &c) },
            "QLinearConcat": qLinearConcat,
        ]
    }

    /// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B) → DequantizeLinear on x, w
    /// (per output channel, axis 0) and the int32 bias B (scale x_scale·w_scale, zero point 0) → Conv →
    /// QuantizeLinear. With `channels_last` x and y are channels-last: Transposes around the Conv (the
    /// weights stay OIHW, as onnxruntime's NHWC transformer leaves them).
    static func qLinearConv(_ c: inout DecompositionContext) throws(PassError) {
        try c.checkAttributes(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", "channels_last"])
        let x = try c.required(0, "x"), xScale = try c.required(1, "x_scale")
        let w = try c.required(3, "w"), wScale = try c.required(4, "w_scale")
        let yScale = try c.required(6, "y_scale"), yZero = try c.required(7, "y_zero_point")
        let y = try c.output()
        let rank = try channelsLastRank(c, from: [w, x, y], kernel: true)
        let input = rank.map { c.transpose(x, DecompositionContext.toChannelsFirst(rank: $0)) } ?? x
        var inputs = [try c.dequantize(input, scale: xScale, zeroPoint: c.input(2)),
                      try c.dequantize(w, scale: wScale, zeroPoint: c.input(5), axis: 0)]
        if let bias = c.input(8) {
            let scale = biasScale(&c, bias: bias, xScale, wScale)
            inputs.append(try c.dequantize(bias, scale: scale, zeroPoint: nil, axis: 0))
        }
        let conv = c.emit("Conv", inputs, c.node.attributes.filter { $0.name != "channels_last" }, type: .float)
        let type = c.types[yZero]
        try quantizeOutput(&c, conv, scale: yScale, zeroPoint: yZero, type: type, channelsLastRank: rank)
    }

    /// QGemm(A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp) → DequantizeLinear on A, B (per
    /// column: axis 1, or 0 with transB) and the int32 C (scale a_scale·b_scale) → Gemm → QuantizeLinear
    /// (none when y_scale is absent: the output is float32). onnxruntime adds C to the integer
    /// product before scaling by alpha, so the Gemm gets beta = alpha.
    static func qGemm(_ c: inout DecompositionContext) throws(PassError) {
        try c.checkAttributes(["alpha", "transA", "transB"])
        let a = try c.required(0, "A"), aScale = try c.required(1, "a_scale")
        let b = try c.required(3, "B"), bScale = try c.required(4, "b_scale")
        let y = try c.output()
        let transB = c.int("transB") ?? 0
        var inputs = [try c.dequantize(a, scale: aScale, zeroPoint: c.input(2)),
                      try c.dequantize(b, scale: bScale, zeroPoint: c.input(5), axis: transB != 0 ? 0 : 1)]
        var attributes = c.node.attributes
        if let bias = c.input(6) {
            let scale = biasScale(&c, bias: bias, aScale, bScale)
            var axis: Int?
            if !c.isSingleElement(scale) {
                // Per-column scales run along C's last axis ((N) or (1, N) / (M, N)).
                guard let r = c.ranks[bias], r == 1 || r == 2 else {
                    throw c.unsupported("per-column bias '\(bias)' needs a known rank of 1 or 2")
                }
                axis = r - 1
            }
            inputs.append(try c.dequantize(bias, scale: scale, zeroPoint: nil, axis: axis))
            if let alpha = c.float("alpha"), alpha != 1 { attributes.append(Attribute(name: "beta", value: .float(alpha))) }
        }
        switch (c.input(7), c.input(8)) {
        case (nil, nil):
            c.emit("Gemm", inputs, into: y, attributes, type: .float)
        case (let yScale?, let yZero?):
            let gemm = c.emit("Gemm", inputs, attributes, type: .float)
            try c.quantize(gemm, scale: yScale, zeroPoint: yZero, type: c.types[yZero], into: y)
        default:
            throw c.unsupported("y_scale and y_zero_point must both be given (quantized output) or both be absent (float output)")
        }
    }

    /// QLinearAdd / QLinearMul(A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp) → DequantizeLinear
    /// on A and B → `op` (broadcasting as the contrib op does) → QuantizeLinear.
    static func qLinearBinary(_ op: String, _ c: inout DecompositionContext) throws(PassError) {
        try c.checkAttributes([])
        let a = try c.required(0, "A"), aScale = try c.required(1, "A_scale")
        let b = try c.required(3, "B"), bScale = try c.required(4, "B_scale")
        let cScale = try c.required(6, "C_scale")
        let y = try c.output()
        let inputs = [try c.dequantize(a, scale: aScale, zeroPoint: c.input(2)),
                      try c.dequantize(b, scale: bScale, zeroPoint: c.input(5))]
        let result = c.emit(op, inputs, type: .float)
        try c.quantize(result, scale: cScale, zeroPoint: c.input(7), type: c.types[a] ?? c.types[b], into: y)
    }

    /// QLinearConcat(Y_scale, Y_zp, x0, x0_scale, x0_zp, x1, …) → DequantizeLinear on every input →
    /// Concat → QuantizeLinear (onnxruntime requantizes each input the same way).
    static func qLinearConcat(_ c: inout DecompositionContext) throws(PassError) {
        try c.checkAttributes(["axis"])
        guard let axis = c.int("axis") else { throw c.invalid("QLinearConcat needs its 'axis' attribute") }
        let yScale = try c.required(0, "Y_scale"), yZero = try c.required(1, "Y_zero_point")
        let y = try c.output()
        let count = c.node.inputs.count - 2
        guard count > 0, count % 3 == 0 else {
            throw c.invalid("QLinearConcat needs (tensor, scale, zero point) triples after Y_scale and Y_zero_point, got \(count) inputs")
        }
        var parts: [String] = []
        for i in stride(from: 2, to: c.node.inputs.count, by: 3) {
            parts.append(try c.dequantize(try c.required(i, "tensor"), scale: try c.required(i + 1, "scale"), zeroPoint: c.input(i + 2)))
        }
        let concat = c.emit("Concat", parts, [Attribute(name: "axis", value: .int(axis))], type: .float)
        try c.quantize(concat, scale: yScale, zeroPoint: yZero, type: c.types[yZero], into: y)
    }

    // MARK: Shared steps

    /// The scale of an int32 bias: input scale × weight scale (per channel when the weight's is), as a
    /// new constant when both are constants, else a Mul node.
    static func biasScale(_ c: inout DecompositionContext, bias: String, _ inputScale: String, _ weightScale: String) -> String {
        if let a = c.floats(inputScale), a.count == 1, let w = c.floats(weightScale), let dims = c.constants[weightScale]?.dims {
            return c.constant("\(bias)_scale", DecompositionContext.floatTensor(w.map { a[0] * $0 }, dims: dims))
        }
        return c.emit("Mul", [inputScale, weightScale], type: .float)
    }

    /// The rank of the node's channels-last data, nil when `channels_last` is 0. The first value of
    /// `from` with a known rank gives it (with `kernel`, also `kernel_shape`'s length + 2).
    static func channelsLastRank(_ c: DecompositionContext, from values: [String], kernel: Bool) throws(PassError) -> Int? {
        guard try c.channelsLast() else { return nil }
        let known = values.lazy.compactMap { c.ranks[$0] }.first ?? (kernel ? c.ints("kernel_shape").map { $0.count + 2 } : nil)
        guard let rank = known, rank >= 3 else {
            throw c.unsupported("channels_last needs the rank of the data (of rank 3 or more), which no shape in the model gives")
        }
        return rank
    }

    /// QuantizeLinear of a channels-first float result into the node's output; with `channelsLastRank`
    /// the quantized value is transposed back to channels-last (Transposes of int8 data are cheap and
    /// leave the DequantizeLinear → op → QuantizeLinear group intact for runtimes that fuse it).
    static func quantizeOutput(_ c: inout DecompositionContext, _ value: String, scale: String, zeroPoint: String?,
                               type: DataType?, channelsLastRank rank: Int?) throws(PassError) {
        let y = try c.output()
        guard let rank else {
            try c.quantize(value, scale: scale, zeroPoint: zeroPoint, type: type, into: y)
            return
        }
        let first = c.names.make("\(y)__channels_first")
        try c.quantize(value, scale: scale, zeroPoint: zeroPoint, type: type, into: first)
        c.transpose(first, DecompositionContext.toChannelsLast(rank: rank), into: y)
    }
}
