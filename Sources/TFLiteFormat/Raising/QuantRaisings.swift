import ModelIR
import Passes

/// A quantized TFLite tensor standing for a float source value (a DequantizeLinear output).
struct QuantizedValue {
    /// The int8 tensor in its storage layout (`type` is `.int8`).
    var value: RaisedValue
    /// Its per-tensor parameters (int8 zero point).
    var params: QuantParams
}

/// QDQ ONNX models (QuantizeLinear/DequantizeLinear around float ops) as integer TFLite ops.
///
/// - QuantizeLinear of a float value is a QUANTIZE into an int8 tensor; uint8 activations become
///   int8 with the zero point shifted by −128 (same real values, the kernels TFLite optimises).
/// - DequantizeLinear of such a tensor emits nothing: its output stays the int8 tensor until an op
///   that has no integer form reads it, which gets a DEQUANTIZE (`RaisingContext.value`).
/// - DequantizeLinear of a constant (weights, biases) folds to float and records the scales.
/// - An op in `fusable` whose computed inputs are all dequantized tensors and each of whose outputs
///   has a QuantizeLinear as only reader (one output, or several with equal parameters for the
///   ops in `multiOutput`, which TFLite's SPLIT/SPLIT_V require) runs on the int8 tensors: the float raising emits it, then its tensors take the
///   QuantizeLinear's scale and zero point, weights become per-channel int8 (zero point 0) and the
///   bias int32 with scale input scale × weight scale. The QuantizeLinear then emits nothing.
/// - Everything else stays explicit: DEQUANTIZE → float op → QUANTIZE (counted for the report).
enum QuantRaisings {
    /// Ops with an int8 TFLite form.
    static let fusable: Set<String> = ["Conv", "Gemm", "MaxPool", "AveragePool", "GlobalAveragePool", "Concat",
                                       "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Add", "Mul", "Softmax",
                                       "Sigmoid", "Slice", "Split"]
    /// Ops whose int8 kernel keeps the input parameters: mismatched inputs are requantized first.
    static let sameParams: Set<String> = ["MaxPool", "Concat", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Slice", "Split"]
    /// Fusable ops with several outputs: every output must be quantized with the same parameters.
    static let multiOutput: Set<String> = ["Split"]
    /// Ops whose int8 kernel writes fixed parameters (TFLite's SOFTMAX and LOGISTIC: scale 1/256, zero point −128).
    static let fixedOutputParams: [String: QuantParams] = ["Softmax": QuantParams(scales: [1.0 / 256], zeroPoints: [-128]),
                                                           "Sigmoid": QuantParams(scales: [1.0 / 256], zeroPoints: [-128])]
    /// Inputs of fusable ops that may be constants (shapes, axes, weights, biases).
    static let constantOperands: [String: Set<Int>] = ["Reshape": [1], "Squeeze": [1], "Unsqueeze": [1], "Conv": [1, 2], "Gemm": [1, 2],
                                                       "Slice": [1, 2, 3, 4], "Split": [1]]

    /// Handles Q/DQ nodes and fused int8 ops; returns true when `node` is done.
    static func raise(_ node: Node, _ ctx: RaisingContext) throws(PassError) -> Bool {
        guard node.normalizedDomain.isEmpty else { return false }
        switch node.opType {
        case "QuantizeLinear": return try quantizeLinear(node, ctx)
        case "DequantizeLinear": return try dequantizeLinear(node, ctx)
        case let op where fusable.contains(op): return try fuse(node, ctx)
        default: return false
        }
    }

    /// Entries of the raising table (reached when the node is not handled by `raise`).
    static let table: [String: Raising] = [
        "QuantizeLinear": { ctx, node throws(PassError) in
            if try !quantizeLinear(node, ctx) { throw ctx.unsupported("QuantizeLinear of a constant that does not fold") }
        },
        "DequantizeLinear": { ctx, node throws(PassError) in
            if try !dequantizeLinear(node, ctx) { throw ctx.unsupported("DequantizeLinear of a constant that does not fold") }
        },
    ]

    // MARK: Parameters

    /// Scale, zero point and axis of a Q/DQ node (zero point as int8 for uint8 data).
    static func params(_ node: Node, _ ctx: RaisingContext, rank: Int) throws(PassError) -> (QuantParams, DataType) {
        guard let s = try ctx.input(1), let st = s.constant, let scales = ConstantData.floats(st), !scales.isEmpty else {
            throw ctx.unsupported("the scale must be a constant float32 tensor")
        }
        var zeros = [Int64](repeating: 0, count: scales.count)
        var type = DataType.uint8
        if let z = try ctx.input(2) {
            guard let zt = z.constant, let values = ConstantData.ints(zt), values.count == scales.count else {
                throw ctx.unsupported("the zero point must be a constant with one value per scale")
            }
            zeros = values
            type = zt.dataType
        }
        switch type {
        case .uint8: zeros = zeros.map { $0 - 128 }
        case .int8, .int32: break
        default: throw ctx.unsupported("\(type) quantization is not supported (int8 and uint8 are)")
        }
        let axis = scales.count > 1 ? try ctx.axis(of: node, default: 1, rank: rank) : 0
        return (QuantParams(scales: scales, zeroPoints: zeros, axis: axis), type)
    }

    // MARK: QuantizeLinear / DequantizeLinear

    static func quantizeLinear(_ node: Node, _ ctx: RaisingContext) throws(PassError) -> Bool {
        let out = node.outputs[0]
        if ctx.values[out] != nil { return true }  // written by the fused op before it
        let source = node.inputs[0]
        if ctx.values[source]?.constant != nil { return false }  // folds
        let rank = (ctx.values[source] ?? ctx.dequantized[source]?.value)?.rank ?? 0
        let (p, _) = try params(node, ctx, rank: rank)
        guard p.scales.count == 1 else { throw ctx.unsupported("per-axis quantization of activations is not supported") }
        if let q = ctx.dequantized[source], ctx.values[source] == nil {
            if q.params == p {
                bindQuantized(out, q.value, p, ctx)
                return true
            }
            let y = emitQuantize(q.value, p, ctx)
            bindQuantized(out, y, p, ctx)
            return true
        }
        let x = try ctx.value(source)
        guard x.type == .float else { throw ctx.unsupported("QuantizeLinear of \(x.type) is not supported (float32 is)") }
        let y = emitQuantize(x, p, ctx)
        bindQuantized(out, y, p, ctx)
        return true
    }

    /// QUANTIZE of `x` (float or int8) into a new int8 tensor with `p`.
    static func emitQuantize(_ x: RaisedValue, _ p: QuantParams, _ ctx: RaisingContext) -> RaisedValue {
        let name = ctx.temporary("quantized", x.storedShape, .int8)
        ctx.setQuantization(name, p)
        ctx.emit("QUANTIZE", [x.name], [name])
        var y = x
        y.name = name
        y.type = .int8
        y.constant = nil
        return y
    }

    static func bindQuantized(_ name: String, _ v: RaisedValue, _ p: QuantParams, _ ctx: RaisingContext) {
        var v = v
        v.type = .int8
        ctx.bind(name, v)
        ctx.quantization[name] = p
    }

    static func dequantizeLinear(_ node: Node, _ ctx: RaisingContext) throws(PassError) -> Bool {
        let source = node.inputs[0], out = node.outputs[0]
        let x = try ctx.value(source)
        let (p, _) = try params(node, ctx, rank: x.rank)
        if x.constant != nil {
            ctx.constantQuantization[out] = p
            return false  // folds to float; fused ops requantize with these scales
        }
        if let input = ctx.graphInput(holding: x, source: source), ctx.quantization[source] == nil {
            return try dequantizeGraphInput(input, x, p, out, ctx)
        }
        guard let tensorParams = ctx.quantization[source], x.type == .int8 else {
            throw ctx.unsupported("DequantizeLinear of a value that is not a QuantizeLinear output or a graph input (\(x.type)) is not supported")
        }
        guard tensorParams == p else {
            throw ctx.unsupported("DequantizeLinear with other parameters than its QuantizeLinear is not supported")
        }
        ctx.dequantized[out] = QuantizedValue(value: x, params: p)
        return true
    }

    /// DequantizeLinear of an int8/uint8 graph input: the input tensor carries the parameters
    /// (uint8 with its own zero point, requantized to int8 once); its readers see the int8 tensor.
    static func dequantizeGraphInput(_ source: String, _ x: RaisedValue, _ p: QuantParams, _ out: String,
                                     _ ctx: RaisingContext) throws(PassError) -> Bool {
        guard x.type == .int8 || x.type == .uint8 else {
            throw ctx.unsupported("DequantizeLinear of a \(x.type) graph input is not supported (int8 and uint8 are)")
        }
        guard p.scales.count == 1 else { throw ctx.unsupported("per-axis DequantizeLinear of a graph input is not supported") }
        var p = p
        if x.type == .int8, ctx.current.inputs.count < 3 || ctx.current.inputs[2].isEmpty { p.zeroPoints = [0] }  // no zero point: 0 of x's type
        let own = x.type == .uint8 ? QuantParams(scales: p.scales, zeroPoints: p.zeroPoints.map { $0 + 128 }, axis: 0) : p
        if let set = ctx.inputQuantization[source], set != own {
            throw ctx.unsupported("graph input '\(source)' is dequantized with different parameters")
        }
        ctx.inputQuantization[source] = own
        let int8 = x.type == .int8 ? x : emitQuantize(x, p, ctx)
        if x.type == .int8 { ctx.quantization[source] = p }
        ctx.dequantized[out] = QuantizedValue(value: int8, params: p)
        return true
    }

    // MARK: Fusion

    /// Raises `node` on int8 tensors when the QDQ pattern and the op's int8 constraints allow.
    static func fuse(_ node: Node, _ ctx: RaisingContext) throws(PassError) -> Bool {
        guard !node.outputs.isEmpty, node.outputs.count == 1 || multiOutput.contains(node.opType) else { return false }
        var quantizers: [Node] = []
        for out in node.outputs {
            guard !out.isEmpty, let q = quantizingReader(of: out, ctx) else { return false }
            quantizers.append(q)
        }
        var quantized: [(index: Int, QuantizedValue)] = []
        for (i, name) in node.inputs.enumerated() where !name.isEmpty {
            if let v = ctx.values[name], v.constant != nil {
                guard constantOperands[node.opType]?.contains(i) == true else { return false }
            } else if let d = ctx.dequantized[name] {
                quantized.append((i, d))
            } else if ctx.runtimeShapes[name] != nil, constantOperands[node.opType]?.contains(i) == true {
                continue  // a shape operand computed at run time (RuntimeShapeRaisings)
            } else {
                return false
            }
        }
        guard !quantized.isEmpty, try fits(node, ctx) else { return false }
        var outputParams: [QuantParams] = []
        let saved = ctx.current
        for q in quantizers {
            ctx.current = q
            outputParams.append(try params(q, ctx, rank: 0).0)
        }
        ctx.current = saved
        // Several outputs share one set of parameters (TFLite's SPLIT copies the int8 values).
        guard let outParams = outputParams.first, outParams.scales.count == 1, outputParams.allSatisfy({ $0 == outParams }) else { return false }

        // View the int8 tensors as the op's inputs (requantized to the output parameters when the kernel needs it).
        let requantize = sameParams.contains(node.opType)
        var previous: [String: RaisedValue?] = [:]
        for (i, d) in quantized {
            let name = node.inputs[i]
            if previous[name] == nil { previous[name] = .some(ctx.values[name]) }
            var v = d.value
            if requantize && d.params != outParams { v = emitQuantize(v, outParams, ctx) }
            v.type = .float
            ctx.bind(name, v)
        }
        let inParams = requantize ? outParams : quantized[0].1.params
        let firstNode = ctx.nodes.count, firstInfo = ctx.valueInfos.count
        guard let raising = TFLiteRaisings.table[node.opType] else { return false }
        try raising(ctx, node)
        for (name, v) in previous {
            if let v { ctx.bind(name, v) } else { ctx.unbind(name) }
        }
        var results: [RaisedValue] = []
        for out in node.outputs {
            guard let result = ctx.values[out] else { throw ctx.invalid("fused op left no output '\(out)'") }
            results.append(result)
        }
        try integerize(node, ctx, nodes: firstNode..<ctx.nodes.count, infos: firstInfo..<ctx.valueInfos.count,
                       outputs: Set(results.map(\.name)), inParams: inParams, outParams: outParams)
        for (out, (q, result)) in zip(node.outputs, zip(quantizers, results)) {
            var result = result
            result.type = .int8
            ctx.bind(out, result)
            bindQuantized(q.outputs[0], result, outParams, ctx)
        }
        ctx.fusedOps[node.opType, default: 0] += 1
        return true
    }

    /// The QuantizeLinear that is the only reader of `value`, directly or through Identity nodes
    /// that nothing else reads; nil otherwise.
    static func quantizingReader(of value: String, _ ctx: RaisingContext) -> Node? {
        var v = value
        while !ctx.outputNames.contains(v), let readers = ctx.readers[v], readers.count == 1, ctx.consumers[v] == 1,
              let reader = readers.first, reader.normalizedDomain.isEmpty, reader.outputs.count == 1 {
            switch reader.opType {
            case "QuantizeLinear": return reader
            case "Identity": v = reader.outputs[0]
            default: return nil
            }
        }
        return nil
    }

    /// Op-specific limits of the int8 kernels, checked before anything is emitted.
    static func fits(_ node: Node, _ ctx: RaisingContext) throws(PassError) -> Bool {
        switch node.opType {
        case "Conv", "Gemm":
            guard node.inputs.count > 1, let w = ctx.constantQuantization[node.inputs[1]], w.zeroPoints.allSatisfy({ $0 == 0 }),
                  (ctx.values[node.inputs[1]]?.rank ?? 0) >= 2 else { return false }
            if node.opType == "Gemm" {
                let transB = (node.intAttribute("transB") ?? 0) != 0
                guard (node.intAttribute("transA") ?? 0) == 0, (node.floatAttribute("alpha") ?? 1) == 1 else { return false }
                // Only a per-column C is the int32 bias; a [M, N] C would be a float ADD inside the int8 group.
                if node.inputs.count > 2, let c = ctx.values[node.inputs[2]], c.shape.drop(while: { $0 == 1 }).count > 1 { return false }
                if w.isPerAxis && w.axis != (transB ? 0 : 1) { return false }
            } else if w.isPerAxis && w.axis != 0 {
                return false
            }
            return true
        case "MaxPool", "AveragePool":
            guard let x = ctx.dequantized[node.inputs[0]]?.value, x.rank == 4, let kernel = node.intsAttribute("kernel_shape") else { return false }
            let win = try ConvRaisings.window(ctx, node, spatial: Array(x.shape[2...]), kernel: kernel)
            return win.explicit == nil && (node.opType == "MaxPool" || win.padding == 1)
        case let op where fixedOutputParams[op] != nil:
            guard let q = quantizingReader(of: node.outputs[0], ctx) else { return false }
            let saved = ctx.current
            ctx.current = q
            defer { ctx.current = saved }
            let (p, _) = try params(q, ctx, rank: 0)
            return p.scales == fixedOutputParams[op]?.scales && p.zeroPoints == fixedOutputParams[op]?.zeroPoints
        default:
            return true
        }
    }

    /// Retypes what the float raising emitted for a fused op: int8 activations, int8 weights, int32 biases.
    static func integerize(_ node: Node, _ ctx: RaisingContext, nodes: Range<Int>, infos: Range<Int>, outputs: Set<String>,
                           inParams: QuantParams, outParams: QuantParams) throws(PassError) {
        var convOutputs = Set<String>()
        var channelOffset = 0
        let weights = node.inputs.count > 1 ? ctx.constantQuantization[node.inputs[1]] : nil
        for i in nodes {
            let op = ctx.nodes[i].opType
            guard ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"].contains(op) else { continue }
            guard let w = weights else { throw ctx.unsupported("\(op) without quantized weights") }
            convOutputs.formUnion(ctx.nodes[i].outputs)
            let axis = op == "DEPTHWISE_CONV_2D" ? 3 : 0
            channelOffset += try quantizeWeights(ctx, node: i, axis: axis, weights: w, offset: channelOffset, input: inParams)
        }
        for i in infos {
            let name = ctx.valueInfos[i].name
            guard ctx.valueInfos[i].type?.tensorType?.elementType == .float else { continue }
            ctx.valueInfos[i].type = ValueType(.tensor(TensorType(elementType: .int8, shape: ctx.valueInfos[i].type?.tensorType?.shape)))
            ctx.valueInfos[i].quantization = outputs.contains(name) || convOutputs.contains(name) ? outParams : inParams
        }
    }

    /// Replaces the float filter and bias of emitted node `index` with int8 (per channel along
    /// `axis`, zero point 0) and int32 (scale input × weight) tensors; returns the channel count.
    static func quantizeWeights(_ ctx: RaisingContext, node index: Int, axis: Int, weights: QuantParams, offset: Int,
                                input: QuantParams) throws(PassError) -> Int {
        let n = ctx.nodes[index]
        guard n.inputs.count >= 3, let fi = ctx.initializers.firstIndex(where: { $0.name == n.inputs[1] }),
              let bi = ctx.initializers.firstIndex(where: { $0.name == n.inputs[2] }),
              let filter = ConstantData.floats(ctx.initializers[fi]), let bias = ConstantData.floats(ctx.initializers[bi]) else {
            throw ctx.unsupported("\(n.opType) needs constant float filter and bias to quantize")
        }
        let dims = ctx.initializers[fi].dims.map(Int.init)
        guard axis >= 0, axis < dims.count, dims[axis] > 0, dims.allSatisfy({ $0 > 0 }) else {
            throw ctx.invalid("weights of shape \(dims) have no channels on axis \(axis)")
        }
        let channels = dims[axis]
        let scales: [Float] = weights.isPerAxis
            ? (offset + channels <= weights.scales.count ? Array(weights.scales[offset..<(offset + channels)]) : [])
            : [Float](repeating: weights.scales[0], count: channels)
        guard scales.count == channels, bias.count == channels else { throw ctx.invalid("weight scales do not match \(channels) channels") }
        let biasScales = scales.map { $0 * (input.scales.first ?? 0) }
        if let c = scales.indices.first(where: { !(scales[$0].isFinite && scales[$0] > 0 && biasScales[$0].isFinite && biasScales[$0] > 0) }) {
            throw ctx.invalid("weight scale \(scales[c]) of channel \(c) (input scale \(input.scales.first ?? 0)) gives no positive finite bias scale")
        }
        guard filter.allSatisfy(\.isFinite), bias.allSatisfy(\.isFinite) else {
            throw ctx.invalid("\(n.opType) has weights or a bias that are not finite; they cannot be quantized")
        }
        let inner = dims[(axis + 1)...].reduce(1, *)
        var q = [Int8](repeating: 0, count: filter.count)
        for (j, f) in filter.enumerated() {
            let c = (j / inner) % channels
            q[j] = Int8(max(-127, min(127, (f / scales[c]).rounded())))
        }
        // Clamped in Double first: a tiny scale can make the quotient exceed every integer type.
        let qb = (0..<channels).map { c -> Int32 in
            Int32(max(Double(Int32.min), min(Double(Int32.max), (Double(bias[c]) / Double(biasScales[c])).rounded())))
        }
        let filterName = n.inputs[1], biasName = n.inputs[2]
        ctx.initializers[fi] = Tensor(name: filterName, dataType: .int8, dims: ctx.initializers[fi].dims,
                                      contents: .bytes(q.withUnsafeBytes { ByteView(copying: $0) }))
        ctx.initializers[bi] = ConstantData.int32Tensor(qb, dims: ctx.initializers[bi].dims).named(biasName)
        let zeros = [Int64](repeating: 0, count: channels)
        ctx.declare(filterName, ctx.initializers[fi].dims, .int8)
        ctx.setQuantization(filterName, QuantParams(scales: scales, zeroPoints: zeros, axis: axis))
        ctx.declare(biasName, ctx.initializers[bi].dims, .int32)
        ctx.setQuantization(biasName, QuantParams(scales: biasScales, zeroPoints: zeros, axis: 0))
        return channels
    }

    /// The report line: int8 ops made from QDQ groups and what stayed float.
    static func summary(_ ctx: RaisingContext) -> String? {
        guard !ctx.fusedOps.isEmpty || !ctx.floatIslands.isEmpty || !ctx.quantization.isEmpty else { return nil }
        func list(_ d: [String: Int]) -> String { d.isEmpty ? "none" : d.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        var explicit = ctx.floatIslands
        let dequantizes = explicit.removeValue(forKey: "DEQUANTIZE") ?? 0
        return "qdq-fusion (int8: \(list(ctx.fusedOps)); explicit DEQUANTIZE \(dequantizes) → float \(list(explicit)) → QUANTIZE)"
    }
}

extension RaisingContext {
    /// Sets the quantization of a declared TFLite tensor.
    func setQuantization(_ name: String, _ p: QuantParams) {
        if let i = valueInfos.lastIndex(where: { $0.name == name }) { valueInfos[i].quantization = p }
    }
}
