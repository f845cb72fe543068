import ModelIR

// MARK: Quantized ops with one quantized input

/// Ops of the form (X, X_scale, X_zero_point, Y_scale, Y_zero_point) → Y, which onnxruntime computes
/// as quantize(op(dequantize(X))); NhwcMaxPool (no quantization parameters: max commutes with
/// them); and the com.microsoft QuantizeLinear / DequantizeLinear.
extension ContribOpDecomposition {
    static var qLinearUnaryRewrites: [String: Rewrite] {
        [
            "QLinearGlobalAveragePool": qLinearGlobalAveragePool,
            "QLinearAveragePool": qLinearAveragePool,
            "QLinearSoftmax": qLinearSoftmax,
            "QLinearSigmoid": { c throws(PassError) in
                try c.checkAttributes([])
                try qLinearUnary(&c, "Sigmoid", [], channelsLastRank: nil)
            },
            "QLinearLeakyRelu": { c throws(PassError) in
                try c.checkAttributes(["alpha"])
                try qLinearUnary(&c, "LeakyRelu", c.node.attributes, channelsLastRank: nil)
            },
            "NhwcMaxPool": nhwcMaxPool,
            "QuantizeLinear": standardQDQ,
            "DequantizeLinear": standardQDQ,
        ]
    }

    /// DequantizeLinear → `op` → QuantizeLinear over inputs (X, X_scale, X_zp, Y_scale, Y_zp); with
    /// `channelsLastRank` the op runs channels-first between Transposes.
    static func qLinearUnary(_ c: inout DecompositionContext, _ op: String, _ attributes: [Attribute],
                             channelsLastRank rank: Int?) throws(PassError) {
        let x = try c.required(0, "X"), xScale = try c.required(1, "X_scale"), yScale = try c.required(3, "Y_scale")
        let input = rank.map { c.transpose(x, DecompositionContext.toChannelsFirst(rank: $0)) } ?? x
        let dq = try c.dequantize(input, scale: xScale, zeroPoint: c.input(2))
        let result = c.emit(op, [dq], attributes, type: .float)
        let yZero = c.input(4)
        let type = yZero.flatMap { c.types[$0] } ?? c.types[x]
        try quantizeOutput(&c, result, scale: yScale, zeroPoint: yZero, type: type, channelsLastRank: rank)
    }

    /// QLinearGlobalAveragePool → GlobalAveragePool (channels-first; Transposes with `channels_last`).
    static func qLinearGlobalAveragePool(_ c: inout DecompositionContext) throws(PassError) {
        try c.checkAttributes(["channels_last"])
        let rank = try channelsLastRank(c, from: [c.required(0, "X"), c.output()], kernel: false)
        try qLinearUnary(&c, "GlobalAveragePool", [], channelsLastRank: rank)
    }

    /// QLinearAveragePool → AveragePool with the same window attributes.
    static func qLinearAveragePool(_ c: inout DecompositionContext) throws(PassError) {
        let window: Set<String> = ["auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"]
        try c.checkAttributes(window.union(["channels_last"]))
        if (c.int("ceil_mode") ?? 0) != 0 { try c.require(opset: 10, for: "AveragePool with ceil_mode") }
        let rank = try channelsLastRank(c, from: [], kernel: true)
        try qLinearUnary(&c, "AveragePool", c.node.attributes.filter { window.contains($0.name) }, channelsLastRank: rank)
    }

    /// QLinearSoftmax → Softmax on `axis`. The contrib op's `opset` attribute says which Softmax it
    /// follows (before 13: the input coerced to 2-D at `axis`); when that differs from the model's
    /// Softmax, only the last axis, where both agree, is rewritten.
    static func qLinearSoftmax(_ c: inout DecompositionContext) throws(PassError) {
        try c.checkAttributes(["axis", "opset"])
        guard let version = c.int("opset") else { throw c.invalid("QLinearSoftmax needs its 'opset' attribute") }
        let axis = c.int("axis") ?? -1
        if (version >= 13) != (c.opset >= 13) {
            let x = try c.required(0, "X"), y = try c.output()
            let rank = c.ranks[x] ?? c.ranks[y]
            guard axis == -1 || (rank.map { Int64($0 - 1) == axis } ?? false) else {
                throw c.unsupported("QLinearSoftmax follows Softmax-\(version) on axis \(axis), which the model's "
                    + "opset \(c.opset) Softmax computes differently; only the last axis can be rewritten")
            }
        }
        try qLinearUnary(&c, "Softmax", [Attribute(name: "axis", value: .int(axis))], channelsLastRank: nil)
    }

    /// NhwcMaxPool(x) → Transpose → MaxPool → Transpose. MaxPool takes int8/uint8 from opset 12;
    /// before that the window runs in float32 between Casts (exact for 8-bit values).
    static func nhwcMaxPool(_ c: inout DecompositionContext) throws(PassError) {
        try c.checkAttributes(["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides"])
        guard let kernel = c.ints("kernel_shape") else { throw c.invalid("NhwcMaxPool needs its 'kernel_shape' attribute") }
        if (c.int("ceil_mode") ?? 0) != 0 || c.ints("dilations").map({ $0.contains { $0 != 1 } }) == true {
            try c.require(opset: 10, for: "MaxPool with ceil_mode or dilations")
        }
        let x = try c.required(0, "x"), y = try c.output()
        let rank = kernel.count + 2
        let type = c.types[x] ?? c.types[y]
        var value = c.transpose(x, DecompositionContext.toChannelsFirst(rank: rank))
        let wide = c.opset < 12
        if wide {
            guard let type else { throw c.unsupported("MaxPool of opset \(c.opset) needs float input and the input's type is unknown") }
            value = c.emit("Cast", [value], [Attribute(name: "to", value: .int(Int64(DataType.float.rawValue)))], type: .float)
            value = c.emit("MaxPool", [value], c.node.attributes, type: .float)
            value = c.emit("Cast", [value], [Attribute(name: "to", value: .int(Int64(type.rawValue)))], type: type)
        } else {
            value = c.emit("MaxPool", [value], c.node.attributes, type: type)
        }
        c.transpose(value, DecompositionContext.toChannelsLast(rank: rank), into: y)
    }

    /// com.microsoft QuantizeLinear / DequantizeLinear → the standard op, when the model's opset
    /// has the element types (16-bit and 4-bit from 21, float16 scales from 19) and, for per-axis
    /// parameters, the `axis` attribute (13).
    static func standardQDQ(_ c: inout DecompositionContext) throws(PassError) {
        try c.checkAttributes(["axis"])
        let scale = try c.required(1, "scale")
        let quantized = c.node.opType == "QuantizeLinear" ? c.input(2) : c.input(0)
        if let t = quantized.flatMap({ c.types[$0] }), [DataType.int16, .uint16, .int4, .uint4].contains(t) {
            try c.require(opset: 21, for: "\(c.node.opType) of \(t)")
        }
        if c.types[scale] == .float16 { try c.require(opset: 19, for: "\(c.node.opType) with a float16 scale") }
        var node = c.node
        node.domain = nil
        node.attributes = []
        if let axis = c.int("axis"), !c.isSingleElement(scale) {
            node.attributes = try c.axisAttribute(Int(axis), scale: scale)
        }
        c.nodes.append(node)
    }
}
