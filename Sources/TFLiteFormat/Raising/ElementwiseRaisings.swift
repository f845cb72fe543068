import ModelIR
import Passes

/// Element-wise arithmetic and activations, BatchNormalization, Softmax and Cast.
enum ElementwiseRaisings {
    static let table: [String: Raising] = [
        "Add": binary("ADD", "AddOptions"), "Sub": binary("SUB", "SubOptions"), "Mul": binary("MUL", "MulOptions"),
        "Div": binary("DIV", "DivOptions"), "Sum": binary("ADD", "AddOptions"),
        "Max": binary("MAXIMUM", "MaximumMinimumOptions"), "Min": binary("MINIMUM", "MaximumMinimumOptions"),
        "Pow": pow, "Equal": binary("EQUAL", "EqualOptions", result: .bool),
        "Greater": binary("GREATER", "GreaterOptions", result: .bool), "Less": binary("LESS", "LessOptions", result: .bool),
        "Relu": activation(1, "RELU"), "Sigmoid": unary("LOGISTIC"), "Tanh": unary("TANH"), "Exp": unary("EXP", "ExpOptions"),
        "Sqrt": unary("SQRT"), "Log": unary("LOG"), "Abs": unary("ABS", "AbsOptions"), "Neg": unary("NEG", "NegOptions"),
        "HardSwish": unary("HARD_SWISH", "HardSwishOptions"), "Floor": unary("FLOOR"), "Ceil": unary("CEIL"),
        "Reciprocal": reciprocal, "Clip": clip, "HardSigmoid": hardSigmoid, "LeakyRelu": leakyRelu,
        "BatchNormalization": batchNorm, "Softmax": softmax, "Cast": cast,
    ]

    // MARK: Builders

    /// An element-wise op over all inputs (folded pairwise), broadcasting like ONNX, in the operands' layout.
    static func binary(_ op: String, _ options: String, result: DataType? = nil) -> Raising {
        { ctx, node throws(PassError) in
            var operands: [RaisedValue] = []
            for i in node.inputs.indices { operands.append(try ctx.required(i)) }
            try emitBinary(ctx, node, op, options, operands, result: result)
        }
    }

    /// Emits `op` over `operands` (folded pairwise) into the node's output, broadcasting like ONNX.
    static func emitBinary(_ ctx: RaisingContext, _ node: Node, _ op: String, _ options: String, _ operands: [RaisedValue],
                           result: DataType? = nil) throws(PassError) {
        guard let first = operands.first else { throw ctx.invalid("no inputs") }
        var shape = first.shape
        for v in operands.dropFirst() {
            guard let s = Layout.broadcast(shape, v.shape) else { throw ctx.invalid("shapes \(shape) and \(v.shape) do not broadcast") }
            shape = s
        }
        // The layout of the first full-rank computed operand; lower-rank computed operands force the plain layout.
        let computed = operands.filter { $0.constant == nil }
        var perm = computed.first { $0.rank == shape.count }?.perm ?? Layout.identity(shape.count)
        if computed.contains(where: { $0.rank != shape.count }) { perm = Layout.identity(shape.count) }
        func tensor(_ v: RaisedValue) throws(PassError) -> String {
            if v.constant != nil { return try ctx.broadcastConstant(v, rank: shape.count, perm: perm) }
            return v.rank == shape.count ? try ctx.stored(v, perm: perm) : try ctx.materialized(v)
        }
        let fields: [String: Attribute.Value] = ["AddOptions", "SubOptions", "MulOptions", "DivOptions"].contains(options)
            ? ["fused_activation_function": .int(0)] : [:]
        let type = result ?? first.type
        var acc = try tensor(first)
        for (k, v) in operands.dropFirst().enumerated() {
            let last = k == operands.count - 2
            let out = last ? ctx.define(node.outputs[0], shape: shape, type: type, perm: perm)
                           : ctx.temporary("partial", Layout.stored(shape, perm), type)
            ctx.emit(op, [acc, try tensor(v)], [out], options: options, fields)
            acc = out
        }
        if operands.count == 1 { ctx.alias(node.outputs[0], to: first) }
    }

    /// POW needs equal operand types: an exponent of another type than the float32 base is made
    /// float32 (ONNX's result has the base's type).
    static let pow: Raising = { ctx, node throws(PassError) in
        let base = try ctx.required(0)
        var exponent = try ctx.required(1)
        if exponent.type != base.type {
            guard base.type == .float else {
                throw ctx.unsupported("Pow with base \(base.type) and exponent \(exponent.type) is not supported (TFLite's POW needs equal types)")
            }
            if let c = exponent.constant, let values = ConstantData.ints(c) {
                exponent.constant = ConstantData.floatTensor(values.map { Float($0) }, dims: c.dims)
                exponent.name += "@float32"  // not the cached stored copies of the integer constant
            } else {
                guard TFLiteRaisings.castTypes.contains(exponent.type) else {
                    throw ctx.unsupported("Pow with a \(exponent.type) exponent is not supported (TFLite cannot cast it)")
                }
                let wide = ctx.temporary("exponent", exponent.storedShape, .float)
                ctx.emit("CAST", [try ctx.materialized(exponent)], [wide])
                exponent = RaisedValue(name: wide, shape: exponent.shape, type: .float, perm: exponent.perm)
            }
            exponent.type = .float
        }
        try emitBinary(ctx, node, "POW", "PowOptions", [base, exponent])
    }

    /// A one-input op that keeps shape and layout.
    static func unary(_ op: String, _ options: String? = nil) -> Raising {
        { ctx, node throws(PassError) in
            let x = try ctx.required(0)
            let input = try ctx.materialized(x)
            let y = ctx.define(node.outputs[0], shape: x.shape, type: x.type, perm: x.perm)
            ctx.emit(op, [input], [y], options: options)
        }
    }

    /// An activation that can be fused into its producer (TFLite ActivationFunctionType `code`),
    /// unless the TFLite lowering recorded it as the standalone op `op` (same result either way).
    static func activation(_ code: Int64, _ op: String) -> Raising {
        { ctx, node throws(PassError) in
            let x = try ctx.required(0)
            if !TFLiteProvenance.isStandalone(node, activation: op), ctx.fuseActivation(code, into: x, source: node.inputs[0]) {
                ctx.alias(node.outputs[0], to: x)
                return
            }
            let input = try ctx.materialized(x)
            let y = ctx.define(node.outputs[0], shape: x.shape, type: x.type, perm: x.perm)
            ctx.emit(op, [input], [y])
        }
    }

    // MARK: Activations

    /// Clip with constant float32 bounds: a fused RELU, RELU6 or RELU_N1_TO_1 when the bounds fit,
    /// else MAXIMUM/MINIMUM with the bounds; other bounds (integer, computed) go to `clipWithTensors`.
    static let clip: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        var low = node.floatAttribute("min") ?? -Float.greatestFiniteMagnitude
        var high = node.floatAttribute("max") ?? Float.greatestFiniteMagnitude
        for (i, isLow) in [(1, true), (2, false)] {
            guard let v = try ctx.input(i) else { continue }
            guard x.type == .float, let t = v.constant, let f = ConstantData.floats(t), f.count == 1 else {
                try clipWithTensors(ctx, node, x)
                return
            }
            if isLow { low = f[0] } else { high = f[0] }
        }
        let known: [Int64: (String, Float, Float)] = [1: ("RELU", 0, .greatestFiniteMagnitude), 2: ("RELU_N1_TO_1", -1, 1), 3: ("RELU6", 0, 6)]
        for (code, entry) in known.sorted(by: { $0.key < $1.key }) where entry.1 == low && entry.2 == high {
            try activation(code, entry.0)(ctx, node)
            return
        }
        var acc = try ctx.materialized(x)
        if low > -Float.greatestFiniteMagnitude {
            let out = high < Float.greatestFiniteMagnitude ? ctx.temporary("low", x.storedShape, x.type) : ctx.define(node.outputs[0], shape: x.shape, type: x.type, perm: x.perm)
            ctx.emit("MAXIMUM", [acc, ctx.floats("min", [low], shape: [])], [out], options: "MaximumMinimumOptions")
            acc = out
        }
        if high < Float.greatestFiniteMagnitude {
            let out = ctx.define(node.outputs[0], shape: x.shape, type: x.type, perm: x.perm)
            ctx.emit("MINIMUM", [acc, ctx.floats("max", [high], shape: [])], [out], options: "MaximumMinimumOptions")
        }
        if low <= -Float.greatestFiniteMagnitude && high >= Float.greatestFiniteMagnitude { ctx.alias(node.outputs[0], to: x) }
    }

    /// Clip as MAXIMUM with the min input, then MINIMUM with the max input (tensors of x's type, as ONNX requires).
    static func clipWithTensors(_ ctx: RaisingContext, _ node: Node, _ x: RaisedValue) throws(PassError) {
        var bounds: [(op: String, value: RaisedValue)] = []
        for (i, op) in [(1, "MAXIMUM"), (2, "MINIMUM")] {
            guard let v = try ctx.input(i) else { continue }
            guard v.shape.reduce(1, *) == 1, v.rank <= max(x.rank, 1), v.type == x.type else { throw ctx.unsupported("Clip bounds must be single values of the input's type") }
            bounds.append((op, v))
        }
        var acc = try ctx.materialized(x)
        for (k, bound) in bounds.enumerated() {
            let last = k == bounds.count - 1
            let out = last ? ctx.define(node.outputs[0], shape: x.shape, type: x.type, perm: x.perm) : ctx.temporary("low", x.storedShape, x.type)
            ctx.emit(bound.op, [acc, try ctx.materialized(bound.value)], [out], options: "MaximumMinimumOptions")
            acc = out
        }
        if bounds.isEmpty { ctx.alias(node.outputs[0], to: x) }
    }

    /// max(0, min(1, alpha·x + beta)) as MUL → ADD (fused RELU) → MINIMUM.
    static let hardSigmoid: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let alpha = node.floatAttribute("alpha") ?? 0.2, beta = node.floatAttribute("beta") ?? 0.5
        let scaled = ctx.temporary("scaled", x.storedShape, .float)
        ctx.emit("MUL", [try ctx.materialized(x), ctx.floats("alpha", [alpha], shape: [])], [scaled], options: "MulOptions", ["fused_activation_function": .int(0)])
        let shifted = ctx.temporary("shifted", x.storedShape, .float)
        ctx.emit("ADD", [scaled, ctx.floats("beta", [beta], shape: [])], [shifted], options: "AddOptions", ["fused_activation_function": .int(1)])
        let y = ctx.define(node.outputs[0], shape: x.shape, type: .float, perm: x.perm)
        ctx.emit("MINIMUM", [shifted, ctx.floats("one", [1], shape: [])], [y], options: "MaximumMinimumOptions")
    }

    static let leakyRelu: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let input = try ctx.materialized(x)
        let y = ctx.define(node.outputs[0], shape: x.shape, type: x.type, perm: x.perm)
        ctx.emit("LEAKY_RELU", [input], [y], options: "LeakyReluOptions", ["alpha": .float(node.floatAttribute("alpha") ?? 0.01)])
    }

    static let reciprocal: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let input = try ctx.materialized(x)
        let y = ctx.define(node.outputs[0], shape: x.shape, type: x.type, perm: x.perm)
        ctx.emit("DIV", [ctx.floats("one", [1], shape: []), input], [y], options: "DivOptions", ["fused_activation_function": .int(0)])
    }

    // MARK: Normalization

    /// Inference BatchNormalization: folded into the preceding convolution when it is the only
    /// reader, else a per-channel MUL and ADD.
    static let batchNorm: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        var params: [[Float]] = []
        for i in 1...4 {
            guard let v = try ctx.input(i), let t = v.constant, let f = ConstantData.floats(t), f.count == Int(x.shape[1]) else {
                throw ctx.unsupported("BatchNormalization needs constant float32 scale, bias, mean and variance")
            }
            params.append(f)
        }
        guard node.outputs.filter({ !$0.isEmpty }).count == 1 else { throw ctx.unsupported("training-mode BatchNormalization is not supported") }
        let eps = node.floatAttribute("epsilon") ?? 1e-5
        let k = (0..<params[0].count).map { params[0][$0] / (params[3][$0] + eps).squareRoot() }
        let shift = (0..<k.count).map { params[1][$0] - params[2][$0] * k[$0] }
        if foldIntoConv(ctx, x: x, source: node.inputs[0], scale: k, shift: shift) {
            ctx.alias(node.outputs[0], to: x)
            return
        }
        let channelShape = [Int64(k.count)] + [Int64](repeating: 1, count: max(0, x.rank - 2))
        let scale = RaisedValue(name: node.label + "/scale", shape: channelShape, type: .float, perm: Layout.identity(channelShape.count),
                                constant: ConstantData.floatTensor(k, dims: channelShape))
        let offset = RaisedValue(name: node.label + "/offset", shape: channelShape, type: .float, perm: Layout.identity(channelShape.count),
                                 constant: ConstantData.floatTensor(shift, dims: channelShape))
        let scaled = ctx.temporary("scaled", x.storedShape, .float)
        ctx.emit("MUL", [try ctx.materialized(x), try ctx.broadcastConstant(scale, rank: x.rank, perm: x.perm)], [scaled],
                 options: "MulOptions", ["fused_activation_function": .int(0)])
        let y = ctx.define(node.outputs[0], shape: x.shape, type: .float, perm: x.perm)
        ctx.emit("ADD", [scaled, try ctx.broadcastConstant(offset, rank: x.rank, perm: x.perm)], [y], options: "AddOptions",
                 ["fused_activation_function": .int(0)])
    }

    /// Scales the filter and bias of the CONV_2D/DEPTHWISE_CONV_2D that produced `x` per output channel.
    static func foldIntoConv(_ ctx: RaisingContext, x: RaisedValue, source: String, scale: [Float], shift: [Float]) -> Bool {
        guard ctx.consumers[source] == 1, !ctx.outputNames.contains(source), let index = ctx.producer[x.name] else { return false }
        let conv = ctx.nodes[index]
        guard ["CONV_2D", "DEPTHWISE_CONV_2D"].contains(conv.opType), conv.intAttributeValue("fused_activation_function") == 0,
              conv.inputs.count == 3,
              let fi = ctx.initializers.firstIndex(where: { $0.name == conv.inputs[1] }),
              let bi = ctx.initializers.firstIndex(where: { $0.name == conv.inputs[2] }),
              var filter = ConstantData.floats(ctx.initializers[fi]), let bias = ConstantData.floats(ctx.initializers[bi]),
              bias.count == scale.count else { return false }
        let channels = scale.count
        if conv.opType == "CONV_2D" {
            let per = filter.count / channels
            for o in 0..<channels { for j in 0..<per { filter[o * per + j] *= scale[o] } }
        } else {
            for j in filter.indices { filter[j] *= scale[j % channels] }
        }
        let folded = (0..<channels).map { bias[$0] * scale[$0] + shift[$0] }
        ctx.initializers[fi] = ConstantData.floatTensor(filter, dims: ctx.initializers[fi].dims).named(conv.inputs[1])
        ctx.initializers[bi] = ConstantData.floatTensor(folded, dims: ctx.initializers[bi].dims).named(conv.inputs[2])
        return true
    }

    // MARK: Softmax and casts

    /// Softmax over one axis, moved last in storage (TFLite normalizes the last axis).
    static let softmax: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let r = x.rank
        var axis = try ctx.axis(of: node, default: ctx.opset < 13 ? 1 : -1, rank: r)
        if ctx.opset < 13 {
            // Before opset 13 the input is flattened to 2-D at `axis`: one axis when the others after it are 1.
            let big = (axis..<r).filter { x.shape[$0] != 1 }
            guard big.count <= 1 else { throw ctx.unsupported("opset < 13 Softmax over several non-unit axes is not supported") }
            axis = big.first ?? axis
        }
        var perm = x.perm.filter { $0 != axis }
        perm.append(axis)
        let input = try ctx.stored(x, perm: perm)
        let y = ctx.define(node.outputs[0], shape: x.shape, type: x.type, perm: perm)
        ctx.emit("SOFTMAX", [input], [y], options: "SoftmaxOptions", ["beta": .float(1)])
    }

    static let cast: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        guard let to = node.intAttribute("to") else { throw ctx.invalid("Cast without 'to'") }
        var type = DataType(rawValue: Int32(to))
        if type == .float16 { type = .float }  // compute stays float32 (Float16Storage)
        if type == x.type {
            ctx.alias(node.outputs[0], to: x)
            return
        }
        let input = try ctx.materialized(x)
        let y = ctx.define(node.outputs[0], shape: x.shape, type: type, perm: x.perm)
        ctx.emit("CAST", [input], [y])
    }
}

extension Node {
    /// An integer attribute value (TFLite option field).
    func intAttributeValue(_ name: String) -> Int64? { intAttribute(name) }
}

extension Tensor {
    /// The tensor renamed.
    func named(_ name: String?) -> Tensor {
        var t = self
        t.name = name
        return t
    }
}
