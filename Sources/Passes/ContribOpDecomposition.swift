import ModelIR

/// Rewrites onnxruntime's contrib ops into standard ONNX ops: `com.microsoft::FusedConv`
/// (Conv, plus the optional sum input Z, then its `activation`) becomes Conv → (Add) → activation.
/// Contrib ops with no rewrite are left alone (readers and runners refuse them with their names).
public struct ContribOpDecomposition: GraphPass {
    public var name: String { "contrib-op-decomposition" }

    public init() {}

    public func run(_ model: inout Model) throws(PassError) -> Bool {
        var changed = false
        try Self.rewrite(&model.graph, changed: &changed)
        return changed
    }

    static func rewrite(_ graph: inout Graph, changed: inout Bool) throws(PassError) {
        var nodes: [Node] = []
        for var node in graph.nodes {
            try node.updateSubgraphs { (sub, _, _) throws(PassError) in try rewrite(&sub, changed: &changed) }
            guard node.normalizedDomain == "com.microsoft", node.opType == "FusedConv" else {
                nodes.append(node)
                continue
            }
            nodes += try fusedConv(node)
            changed = true
        }
        graph.nodes = nodes
    }

    /// Conv (+ Z) + activation, keeping the node's output name on the last op.
    static func fusedConv(_ node: Node) throws(PassError) -> [Node] {
        guard let y = node.outputs.first else { throw .invalid(node: node.label, reason: "FusedConv has no output") }
        let convAttributes = node.attributes.filter { $0.name != "activation" && $0.name != "activation_params" }
        var activation = ""
        if case .string(let s)? = node.attribute("activation")?.value { activation = String(decoding: s, as: UTF8.self) }
        var params: [Float] = []
        if case .floats(let f)? = node.attribute("activation_params")?.value { params = f }
        let base = node.name ?? y
        var out: [Node] = []
        let hasSum = node.inputs.count > 3 && !node.inputs[3].isEmpty
        let convOut = activation.isEmpty && !hasSum ? y : "\(y)__conv"
        out.append(Node(name: base, opType: "Conv", inputs: Array(node.inputs.prefix(3)), outputs: [convOut], attributes: convAttributes))
        var current = convOut
        if hasSum {
            let summed = activation.isEmpty ? y : "\(y)__sum"
            out.append(Node(name: "\(base)__sum", opType: "Add", inputs: [current, node.inputs[3]], outputs: [summed]))
            current = summed
        }
        guard !activation.isEmpty else { return out }
        let act: Node
        switch activation {
        case "Relu", "Tanh", "Sigmoid":
            act = Node(name: "\(base)__act", opType: activation, inputs: [current], outputs: [y])
        case "LeakyRelu":
            act = Node(name: "\(base)__act", opType: "LeakyRelu", inputs: [current], outputs: [y],
                       attributes: [Attribute(name: "alpha", value: .float(params.first ?? 0.01))])
        case "HardSigmoid":
            act = Node(name: "\(base)__act", opType: "HardSigmoid", inputs: [current], outputs: [y], attributes: [
                Attribute(name: "alpha", value: .float(params.count > 0 ? params[0] : 0.2)),
                Attribute(name: "beta", value: .float(params.count > 1 ? params[1] : 0.5)),
            ])
        case "Clip":
            guard params.count == 2 else { throw .invalid(node: node.label, reason: "FusedConv Clip needs two activation_params") }
            let lo = "\(y)__clip_min", hi = "\(y)__clip_max"
            out.append(scalar(lo, params[0]))
            out.append(scalar(hi, params[1]))
            act = Node(name: "\(base)__act", opType: "Clip", inputs: [current, lo, hi], outputs: [y])
        default:
            throw .unsupportedOp(node: node.label, op: "com.microsoft::FusedConv",
                                 reason: "activation '\(activation)' has no ONNX rewrite")
        }
        out.append(act)
        return out
    }

    /// A Constant node holding a float32 scalar.
    static func scalar(_ name: String, _ value: Float) -> Node {
        let t = Tensor(name: nil, dataType: .float, dims: [], contents: .bytes(withUnsafeBytes(of: value) { ByteView(copying: $0) }))
        return Node(name: name, opType: "Constant", inputs: [], outputs: [name], attributes: [Attribute(name: "value", value: .tensor(t))])
    }
}
