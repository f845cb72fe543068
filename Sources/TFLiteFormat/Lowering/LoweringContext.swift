import Passes
import ModelIR

/// Builds the ONNX-semantics graph that replaces one TFLite-dialect graph.
///
/// Quantized TFLite values stay integer tensors in the result; each op reads them through
/// `DequantizeLinear` and writes them through `QuantizeLinear` (the canonical QDQ form), with
/// scales, zero points and axis exactly as in the source.
final class LoweringContext {
    let source: Graph
    let opset: Int
    private(set) var nodes: [Node] = []
    private(set) var initializers: [Tensor]
    private(set) var valueInfos: [ValueInfo] = []
    /// Types and quantization of the source values.
    let infos: [String: ValueInfo]
    /// Constant source values.
    let constants: [String: Tensor]
    /// Float views of quantized values already emitted.
    private var floatViews: [String: String] = [:]
    private var names: UniqueNames
    /// The source node being lowered (for names and errors).
    var current: Node = Node(opType: "", inputs: [], outputs: [])
    /// Resource variables of the model.
    var variables = VariableState.empty

    init(source: Graph, opset: Int) {
        self.source = source
        self.opset = opset
        self.infos = Dictionary(source.valueInfos.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.constants = Dictionary(source.initializers.compactMap { t in t.name.map { ($0, t) } }, uniquingKeysWith: { a, _ in a })
        self.initializers = source.initializers
        self.names = UniqueNames(taken: Set(source.valueInfos.map(\.name)).union(source.initializers.compactMap(\.name)))
    }

    // MARK: Names and emission

    /// A fresh value name derived from the current node's first output.
    func fresh(_ hint: String) -> String {
        let base = (current.outputs.first.map { $0.isEmpty ? "v" : $0 } ?? "v") + "/" + hint
        return names.make(base)
    }

    /// Appends an ONNX default-domain node and returns its first output.
    @discardableResult
    func emit(_ op: String, _ inputs: [String], outputs: [String]? = nil, _ attributes: [Attribute] = []) -> String {
        let outs = outputs ?? [fresh(op.lowercased())]
        nodes.append(Node(name: fresh(op), opType: op, inputs: inputs, outputs: outs, attributes: attributes))
        return outs[0]
    }

    /// Appends a node as it is.
    func appendNode(_ node: Node) { nodes.append(node) }

    /// Records provenance (`TFLiteProvenance`) on the node that wrote `value`.
    func annotate(_ value: String, _ entries: [MetadataEntry]) {
        _ = addMetadata(entries, toProducerOf: value)
    }

    /// How many nodes were emitted so far.
    var nodeCount: Int { nodes.count }

    /// The emitted nodes from index `start` on.
    func nodes(from start: Int) -> ArraySlice<Node> { nodes[start...] }

    /// Adds metadata to the last emitted node that writes `value`; false when none does.
    func addMetadata(_ entries: [MetadataEntry], toProducerOf value: String) -> Bool {
        guard let i = nodes.lastIndex(where: { $0.outputs.contains(value) }) else { return false }
        nodes[i].metadata += entries
        return true
    }

    /// Adds a constant and returns its name.
    func constant(_ hint: String, _ tensor: Tensor) -> String {
        let name = fresh(hint)
        var t = tensor
        t.name = name
        initializers.append(t)
        return name
    }

    func int64s(_ hint: String, _ values: [Int64], shape: [Int64]? = nil) -> String {
        let view = values.withUnsafeBytes { ByteView(copying: $0) }
        return constant(hint, Tensor(name: nil, dataType: .int64, dims: shape ?? [Int64(values.count)], contents: .bytes(view)))
    }

    func floats(_ hint: String, _ values: [Float], shape: [Int64]? = nil) -> String {
        let view = values.withUnsafeBytes { ByteView(copying: $0) }
        return constant(hint, Tensor(name: nil, dataType: .float, dims: shape ?? [Int64(values.count)], contents: .bytes(view)))
    }

    // MARK: Source facts

    func info(_ value: String) -> ValueInfo? { infos[value] }

    func dataType(_ value: String) -> DataType? { infos[value]?.type?.tensorType?.elementType ?? constants[value]?.dataType }

    func rank(_ value: String) -> Int? { infos[value]?.type?.tensorType?.shape?.count ?? constants[value]?.dims.count }

    func dims(_ value: String) -> [Dim]? { infos[value]?.type?.tensorType?.shape }

    /// The quantization of an integer value, when it has real parameters.
    func quantization(_ value: String) -> QuantParams? {
        guard let q = infos[value]?.quantization, !q.scales.isEmpty,
              let t = dataType(value), t.isInteger else { return nil }
        return q
    }

    /// Errors about the current node.
    func unsupported(_ reason: String) -> PassError {
        .unsupportedOp(node: current.label, op: current.opType, reason: reason)
    }

    func invalid(_ reason: String) -> PassError { .invalid(node: current.label, reason: reason) }

    // MARK: Quantization

    /// The float value behind `value`: itself when float, a cached `DequantizeLinear` when quantized.
    func real(_ value: String) -> String {
        guard !value.isEmpty, let q = quantization(value) else { return value }
        if let cached = floatViews[value] { return cached }
        let (scale, zp) = quantConstants(q, dataType: dataType(value) ?? .int8)
        var attrs: [Attribute] = []
        if q.isPerAxis { attrs.append(Attribute(name: "axis", value: .int(Int64(q.axis)))) }
        let out = emit("DequantizeLinear", [value, scale, zp], outputs: [fresh("dequantized")], attrs)
        floatViews[value] = out
        return out
    }

    /// Where an op should write the float result for source output `value`; call `store` afterwards.
    func floatResult(for value: String) -> String {
        quantization(value) == nil ? value : fresh("real")
    }

    /// Completes `value` from its float result: quantizes when `value` is quantized.
    func store(_ value: String, from real: String) {
        guard real != value else { return }
        guard let q = quantization(value) else {
            emit("Identity", [real], outputs: [value])
            return
        }
        let (scale, zp) = quantConstants(q, dataType: dataType(value) ?? .int8)
        var attrs: [Attribute] = []
        if q.isPerAxis { attrs.append(Attribute(name: "axis", value: .int(Int64(q.axis)))) }
        emit("QuantizeLinear", [real, scale, zp], outputs: [value], attrs)
        // Consumers read `value` through its own DequantizeLinear: they must see the rounded value.
    }

    /// Scale (float32) and zero point (the value's integer type) constants for `q`.
    func quantConstants(_ q: QuantParams, dataType: DataType) -> (String, String) {
        let perAxis = q.isPerAxis
        let scale = floats("scale", q.scales, shape: perAxis ? [Int64(q.scales.count)] : [])
        let zps = q.zeroPoints.isEmpty ? [Int64](repeating: 0, count: q.scales.count) : q.zeroPoints
        let bytes: [UInt8]
        switch dataType {
        case .uint8: bytes = zps.map { UInt8(truncatingIfNeeded: $0) }
        case .int16: bytes = zps.flatMap { v in withUnsafeBytes(of: Int16(truncatingIfNeeded: v)) { Array($0) } }
        case .int32: bytes = zps.flatMap { v in withUnsafeBytes(of: Int32(truncatingIfNeeded: v)) { Array($0) } }
        default: bytes = zps.map { UInt8(bitPattern: Int8(truncatingIfNeeded: $0)) }
        }
        let zp = constant("zero_point", Tensor(name: nil, dataType: dataType, dims: perAxis ? [Int64(zps.count)] : [],
                                               contents: .bytes(ByteView(copying: bytes))))
        return (scale, zp)
    }

    // MARK: Layout

    /// NHWC → NCHW (any rank ≥ 3: channels last → channels first).
    func toChannelsFirst(_ value: String, rank: Int = 4) -> String {
        emit("Transpose", [value], [Attribute(name: "perm", value: .ints([0, Int64(rank - 1)] + (1..<(rank - 1)).map { Int64($0) }))])
    }

    /// NCHW → NHWC.
    func toChannelsLast(_ value: String, rank: Int = 4, into output: String? = nil) -> String {
        emit("Transpose", [value], outputs: output.map { [$0] },
             [Attribute(name: "perm", value: .ints([0] + (2..<rank).map { Int64($0) } + [1]))])
    }

    // MARK: Activations

    /// Applies a TFLite fused activation (ActivationFunctionType) to a float value.
    func activation(_ code: Int64, _ value: String) throws(PassError) -> String {
        switch code {
        case 0: return value
        case 1: return emit("Relu", [value])
        case 2: return emit("Clip", [value, floats("min", [-1], shape: []), floats("max", [1], shape: [])])
        case 3: return emit("Clip", [value, floats("min", [0], shape: []), floats("max", [6], shape: [])])
        case 4: return emit("Tanh", [value])
        case 5:
            let s = emit("Sigmoid", [value])
            return emit("Mul", [value, s])
        case 6: return emit("Sign", [value])
        default: throw unsupported("fused activation \(code) is not supported")
        }
    }

    // MARK: Result

    /// Declares the type of a new value (kept for writers and shape inference).
    func declare(_ info: ValueInfo) { valueInfos.append(info) }

    /// The lowered graph: same inputs and outputs, ONNX nodes.
    func graph() -> Graph {
        var g = source
        g.nodes = nodes
        g.initializers = initializers
        g.valueInfos = source.valueInfos.map { v in var v = v; v.quantization = nil; return v } + valueInfos
        g.inputs = source.inputs.map { v in var v = v; v.quantization = nil; return v }
        g.outputs = source.outputs.map { v in var v = v; v.quantization = nil; return v }
        return g
    }
}
