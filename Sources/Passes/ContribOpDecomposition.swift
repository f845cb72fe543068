import ModelIR

/// Rewrites onnxruntime's contrib ops into standard ONNX ops: `com.microsoft::FusedConv`
/// (Conv, plus the optional sum input Z, then its `activation`) becomes Conv → (Add) → activation;
/// the quantized ops its optimizers make (`QLinearConv`, `QGemm`, `QLinearAdd`, …, `NhwcMaxPool`)
/// become the QDQ form they were fused from: DequantizeLinear → float op → QuantizeLinear, with
/// Transposes around ops that work on channels-last data.
/// Contrib ops with no rewrite are left alone; `unsupportedNodes(in:)` lists them.
public struct ContribOpDecomposition: GraphPass {
    public var name: String { "contrib-op-decomposition" }

    public init() {}

    /// One op's rewrite: reads `context.node`, appends its replacement to `context.nodes`.
    typealias Rewrite = (inout DecompositionContext) throws(PassError) -> Void

    /// The rewrites by com.microsoft op type.
    static var rewrites: [String: Rewrite] {
        var table: [String: Rewrite] = ["FusedConv": { c throws(PassError) in c.nodes += try fusedConv(c.node) }]
        table.merge(qLinearRewrites) { a, _ in a }
        table.merge(qLinearUnaryRewrites) { a, _ in a }
        return table
    }

    /// Domains of onnxruntime's own ops, which a standard ONNX runtime does not know.
    static func isContribDomain(_ domain: String) -> Bool {
        domain.hasPrefix("com.microsoft") || domain.hasPrefix("com.ms.")
    }

    /// Every node (in any graph) of an onnxruntime domain this pass cannot rewrite: (node label, op).
    public static func unsupportedNodes(in model: Model) -> [(node: String, op: String)] {
        let table = rewrites
        var out: [(String, String)] = []
        func visit(_ g: Graph) {
            for n in g.nodes {
                if isContribDomain(n.normalizedDomain), n.normalizedDomain != "com.microsoft" || table[n.opType] == nil {
                    out.append((n.label, n.qualifiedOpType))
                }
                for a in n.attributes { a.subgraphs.forEach(visit) }
            }
        }
        ([model.graph] + model.subgraphs).forEach(visit)
        return out
    }

    public func run(_ model: inout Model) throws(PassError) -> Bool {
        var opsets: [String: Int] = [:]
        for o in model.opsetImports {
            let d = o.domain ?? ""
            opsets[d == "ai.onnx" ? "" : d] = Int(o.version ?? 1)
        }
        var names = UniqueNames(taken: model.graph.namesInAllScopes)
        var changed = false
        try Self.rewrite(&model.graph, opsets: opsets, outer: nil, names: &names, changed: &changed)
        return changed
    }

    /// Rewrites the contrib ops of `graph` and of its subgraphs (`outer`: the enclosing graph's context).
    static func rewrite(_ graph: inout Graph, opsets: [String: Int], outer: DecompositionContext?,
                        names: inout UniqueNames, changed: inout Bool) throws(PassError) {
        guard containsRewritable(graph) else { return }
        let table = rewrites
        var c = DecompositionContext(graph: graph, opsets: opsets, outerConstants: outer?.constants ?? [:],
                                     outerTypes: outer?.types ?? [:], outerRanks: outer?.ranks ?? [:], names: names)
        for var node in graph.nodes {
            if node.attributes.contains(where: { !$0.subgraphs.isEmpty }) {
                let scope = c  // a copy only for nodes with subgraphs: later writes to `c` would copy its tables
                try node.updateSubgraphs { (sub, _, _) throws(PassError) in
                    try rewrite(&sub, opsets: opsets, outer: scope, names: &c.names, changed: &changed)
                }
            }
            guard node.normalizedDomain == "com.microsoft", let rewrite = table[node.opType] else {
                c.nodes.append(node)
                continue
            }
            c.node = node
            try rewrite(&c)
            changed = true
        }
        graph.nodes = c.nodes
        graph.initializers += c.initializers
        names = c.names
    }

    /// Whether `graph` or one of its subgraphs has a node this pass rewrites.
    static func containsRewritable(_ graph: Graph) -> Bool {
        let table = rewrites
        return graph.nodes.contains { n in
            (n.normalizedDomain == "com.microsoft" && table[n.opType] != nil)
                || n.attributes.contains { $0.subgraphs.contains(where: containsRewritable) }
        }
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
