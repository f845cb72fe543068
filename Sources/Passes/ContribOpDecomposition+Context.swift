import ModelIR
import OpSet

/// What a contrib-op rewrite knows about the graph it works in (constants, element types, ranks,
/// the default-domain opset) and where it puts what it makes (nodes, initializers, fresh names).
struct DecompositionContext {
    /// The default-domain opset the emitted ops must be valid in.
    let opset: Int
    /// Initializers visible in the graph, including those of enclosing graphs.
    private(set) var constants: [String: Tensor]
    /// Element types known so far (value infos, initializers, type propagation, rewritten outputs).
    var types: [String: DataType]
    /// Ranks known from value infos and initializers.
    var ranks: [String: Int]
    var names: UniqueNames
    /// The rewritten node list.
    var nodes: [Node] = []
    /// Initializers the rewrites made (bias scales, zero points).
    var initializers: [Tensor] = []
    /// The node being rewritten; errors name it.
    var node = Node(opType: "", inputs: [], outputs: [])

    init(graph: Graph, opsets: [String: Int], outerConstants: [String: Tensor], outerTypes: [String: DataType],
         outerRanks: [String: Int], names: UniqueNames) {
        opset = opsets[""] ?? 1
        var constants = outerConstants
        var ranks = outerRanks
        for t in graph.initializers {
            guard let n = t.name else { continue }
            constants[n] = t
            ranks[n] = t.dims.count
        }
        for v in graph.inputs + graph.outputs + graph.valueInfos {
            if let shape = v.type?.tensorType?.shape { ranks[v.name] = shape.count }
        }
        self.constants = constants
        self.ranks = ranks
        self.types = ElementTypes().infer(graph, opsets: opsets, outer: outerTypes)
        self.names = names
    }

    // MARK: Reading the node

    /// Input `i` of the current node, nil when it is absent or omitted ("").
    func input(_ i: Int) -> String? {
        i < node.inputs.count && !node.inputs[i].isEmpty ? node.inputs[i] : nil
    }

    /// Input `i` of the current node, which the op requires.
    func required(_ i: Int, _ what: String) throws(PassError) -> String {
        guard let name = input(i) else { throw invalid("input \(i) (\(what)) is missing") }
        return name
    }

    /// The current node's first output.
    func output() throws(PassError) -> String {
        guard let y = node.outputs.first, !y.isEmpty else { throw invalid("the node has no output") }
        return y
    }

    /// An integer attribute of the current node.
    func int(_ name: String) -> Int64? { node.intAttribute(name) }

    /// An integer-list attribute of the current node.
    func ints(_ name: String) -> [Int64]? { node.intsAttribute(name) }

    /// A float attribute of the current node.
    func float(_ name: String) -> Float? { node.floatAttribute(name) }

    /// Refuses the node when it has an attribute the rewrite does not map: dropping it could change
    /// the result.
    func checkAttributes(_ known: Set<String>) throws(PassError) {
        for a in node.attributes where !known.contains(a.name) {
            throw unsupported("attribute '\(a.name)' has no standard ONNX equivalent in this rewrite")
        }
    }

    /// Refuses the node when the graph's default-domain opset is older than `version`.
    func require(opset version: Int, for what: String) throws(PassError) {
        guard opset >= version else {
            throw unsupported("\(what) needs ONNX opset \(version), the model imports opset \(opset)")
        }
    }

    /// The `channels_last` attribute as a flag (0 or 1).
    func channelsLast() throws(PassError) -> Bool {
        switch int("channels_last") ?? 0 {
        case 0: return false
        case 1: return true
        case let v: throw invalid("channels_last must be 0 or 1, not \(v)")
        }
    }

    // MARK: Facts about values

    /// The element count of a constant, nil when the value is not a constant.
    func elementCount(_ name: String) -> Int? { constants[name]?.elementCount }

    /// The float32 elements of a constant.
    func floats(_ name: String) -> [Float]? {
        guard let t = constants[name], t.dataType == .float, let view = t.byteView, let n = t.elementCount,
              view.count == n * MemoryLayout<Float>.size else { return nil }
        return view.withUnsafeBytes { raw in (0..<n).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
    }

    /// Whether a value is known to hold exactly one element (a per-tensor scale or zero point).
    func isSingleElement(_ name: String) -> Bool { elementCount(name) == 1 }

    // MARK: Errors

    func invalid(_ reason: String) -> PassError { .invalid(node: node.label, reason: reason) }

    func unsupported(_ reason: String) -> PassError {
        .unsupportedOp(node: node.label, op: node.qualifiedOpType, reason: reason)
    }

    // MARK: Emitting

    /// Appends a default-domain node; returns its (first) output.
    @discardableResult
    mutating func emit(_ op: String, _ inputs: [String], into output: String? = nil, _ attributes: [Attribute] = [],
                       type: DataType? = nil) -> String {
        let out = output ?? names.make("\(node.outputs.first ?? node.label)__\(op.lowercased())")
        let base = node.name ?? node.outputs.first ?? op
        nodes.append(Node(name: names.make("\(base)__\(op)"), opType: op, inputs: inputs, outputs: [out], attributes: attributes))
        if let type { types[out] = type }
        return out
    }

    /// Adds an initializer under a fresh name built from `base`; returns the name.
    mutating func constant(_ base: String, _ tensor: Tensor) -> String {
        let name = names.make(base)
        var t = tensor
        t.name = name
        initializers.append(t)
        constants[name] = t
        ranks[name] = t.dims.count
        types[name] = t.dataType
        return name
    }

    /// The `axis` attribute of a per-axis DequantizeLinear/QuantizeLinear, or none when the scale is
    /// known to be per tensor and the opset has no `axis` yet (ONNX added it in opset 13).
    func axisAttribute(_ axis: Int, scale: String) throws(PassError) -> [Attribute] {
        if opset >= 13 { return [Attribute(name: "axis", value: .int(Int64(axis)))] }
        guard isSingleElement(scale) else {
            throw unsupported("per-channel scale '\(scale)' needs ONNX opset 13 (DequantizeLinear axis), the model imports opset \(opset)")
        }
        return []
    }

    /// DequantizeLinear of `x` (float32 result); `axis` is the axis of per-channel parameters,
    /// written unless the scale is known to be per tensor.
    mutating func dequantize(_ x: String, scale: String, zeroPoint: String?, axis: Int? = nil) throws(PassError) -> String {
        try require(opset: 10, for: "DequantizeLinear")
        var attributes: [Attribute] = []
        if let axis, !isSingleElement(scale) { attributes = try axisAttribute(axis, scale: scale) }
        return emit("DequantizeLinear", [x, scale] + (zeroPoint.map { [$0] } ?? []), attributes, type: .float)
    }

    /// QuantizeLinear of `x` into `output`, of element type `type`. Without a zero point ONNX would
    /// make uint8, so a zero of `type` is added when the type is another one.
    mutating func quantize(_ x: String, scale: String, zeroPoint: String?, type: DataType?, into output: String) throws(PassError) {
        try require(opset: 10, for: "QuantizeLinear")
        var zp = zeroPoint
        if zp == nil {
            guard let type else {
                throw unsupported("the output zero point is omitted and the output's element type is unknown")
            }
            if type != .uint8 { zp = constant("\(output)_zero_point", Self.zero(type)) }
        }
        emit("QuantizeLinear", [x, scale] + (zp.map { [$0] } ?? []), into: output, type: zeroPoint.flatMap { types[$0] } ?? type)
    }

    /// A scalar zero of an integer type.
    static func zero(_ type: DataType) -> Tensor {
        let bytes = [UInt8](repeating: 0, count: type.byteCount(elements: 1) ?? 1)
        return Tensor(name: nil, dataType: type, dims: [], contents: .bytes(ByteView(copying: bytes)))
    }

    /// A float32 tensor with `dims`.
    static func floatTensor(_ values: [Float], dims: [Int64]) -> Tensor {
        Tensor(name: nil, dataType: .float, dims: dims, contents: .bytes(values.withUnsafeBytes { ByteView(copying: $0) }))
    }

    /// Transpose of `x` by `perm`.
    mutating func transpose(_ x: String, _ perm: [Int], into output: String? = nil) -> String {
        emit("Transpose", [x], into: output, [Attribute(name: "perm", value: .ints(perm.map(Int64.init)))], type: types[x])
    }

    /// The permutation taking channels-last data of `rank` to channels-first ([0, r-1, 1, …, r-2]).
    static func toChannelsFirst(rank: Int) -> [Int] { [0, rank - 1] + Array(1..<(rank - 1)) }

    /// The permutation taking channels-first data of `rank` to channels-last ([0, 2, …, r-1, 1]).
    static func toChannelsLast(rank: Int) -> [Int] { [0] + Array(2..<rank) + [1] }
}
