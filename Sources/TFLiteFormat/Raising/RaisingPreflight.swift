import ModelIR

/// What the pre-flight knows about a graph's values before anything runs.
struct PreflightScope {
    /// Values known at conversion time: initializers, Constant and Shape outputs, folded nodes.
    var known: Set<String>
    /// Graph inputs of the main graph (their values may be given for the conversion).
    var graphInputs: Set<String>
    /// Declared dims (nil where symbolic) of graph inputs, value infos and initializers.
    var dims: [String: [Int64?]]
    /// Values of initializers and Constant nodes (folded values are known by name only).
    var constants: [String: Tensor]
    /// The model's default-domain opset.
    var opset = 13
    /// Declared element types of graph inputs, value infos, outputs and initializers.
    var types: [String: DataType]

    init(_ graph: Graph) {
        // State inputs become READ_VARIABLE outputs (`StateRaisings`): run-time values, not their defaults.
        let stateReads = StateRaisings.reads(StateRaisings.variables(in: graph))
        known = Set(graph.initializers.compactMap(\.name)).subtracting(stateReads)
        graphInputs = Set(graph.inputs.map(\.name)).subtracting(known).subtracting(stateReads)
        dims = [:]
        types = [:]
        for v in graph.inputs + graph.valueInfos + graph.outputs {
            if let shape = v.type?.tensorType?.shape { dims[v.name] = shape.map(\.fixedValue) }
            if let t = v.type?.tensorType?.elementType { types[v.name] = t }
        }
        constants = [:]
        for t in graph.initializers {
            guard let n = t.name else { continue }
            dims[n] = t.dims
            types[n] = t.dataType
            if !stateReads.contains(n) { constants[n] = t }
        }
    }

    /// Whether input `i` of `node` is absent (empty name or past the end).
    func absent(_ node: Node, _ i: Int) -> Bool { i >= node.inputs.count || node.inputs[i].isEmpty }

    /// Whether input `i` of `node` is known at conversion time (absent inputs count as known).
    func isKnown(_ node: Node, _ i: Int) -> Bool { absent(node, i) || known.contains(node.inputs[i]) }

    /// Whether input `i` is known or a graph input whose given value can fix the shapes.
    func isKnownOrInput(_ node: Node, _ i: Int) -> Bool { isKnown(node, i) || graphInputs.contains(node.inputs[i]) }

    /// The declared rank of input `i`, when the model declares it.
    func rank(_ node: Node, _ i: Int) -> Int? { absent(node, i) ? nil : dims[node.inputs[i]]?.count }

    /// The value of input `i` when it is an initializer or a Constant node's tensor.
    func constant(_ node: Node, _ i: Int) -> Tensor? { absent(node, i) ? nil : constants[node.inputs[i]] }

    /// The declared dims of input `i` when all are fixed.
    func fixedDims(_ node: Node, _ i: Int) -> [Int64]? {
        guard !absent(node, i), let d = dims[node.inputs[i]], d.allSatisfy({ $0 != nil }) else { return nil }
        return d.compactMap { $0 }
    }

    /// Whether input `i` is declared with a zero-size dim.
    func isEmpty(_ node: Node, _ i: Int) -> Bool { !absent(node, i) && (dims[node.inputs[i]]?.contains(0) ?? false) }
}

/// A pre-flight check of one op: the reason the node cannot be raised, or nil.
typealias PreflightCheck = @Sendable (Node, PreflightScope) -> String?

/// An op family's raisings with their pre-flight checks and the constraints `ops` prints.
protocol RaisingFamily {
    static var table: [String: Raising] { get }
    static var checks: [String: PreflightCheck] { get }
    static var constraints: [String: String] { get }
}

/// The pre-flight of `TFLiteRaising`: every node that cannot be raised, found before any work is done.
enum RaisingPreflight {
    /// The blockers of the model's main graph (If branches included when the If can be inlined).
    static func blockers(in model: Model) -> [(node: String, op: String, reason: String)] {
        var scope = PreflightScope(model.graph)
        scope.opset = Int(model.opsetVersion(for: "") ?? 13)
        var out: [(node: String, op: String, reason: String)] = []
        for (values, role) in [(model.graph.inputs, "input"), (model.graph.outputs, "output")] {
            for v in values where !scope.known.contains(v.name) {
                if let type = v.type, type.isContainer {
                    out.append((v.name, "graph \(role)", "\(type) values have no TFLite equivalent (tensors only)"))
                }
            }
        }
        // Exact int8 groups raise as a whole; a record whose group does not check out says why.
        let exact = ExactGroupRecognition.recognize(model.graph, opset: scope.opset)
        for (i, reason) in exact.refused {
            let n = model.graph.nodes[i]
            out.append((n.label, n.qualifiedOpType, reason))
        }
        return out + blockers(model.graph.nodes, &scope, within: "", skipping: exact.members)
    }

    /// Walks `nodes` in order, growing `scope.known` with what folds; nodes at indices in
    /// `skipping` are raised another way.
    static func blockers(_ nodes: [Node], _ scope: inout PreflightScope, within: String,
                         skipping: Set<Int> = []) -> [(node: String, op: String, reason: String)] {
        var out: [(node: String, op: String, reason: String)] = []
        for (i, n) in nodes.enumerated() where !skipping.contains(i) {
            let present = n.inputs.filter { !$0.isEmpty }
            let hasBranches = n.attributes.contains { !$0.subgraphs.isEmpty }
            let folds = n.normalizedDomain.isEmpty && (["Constant", "Shape"].contains(n.opType)
                || (!present.isEmpty && present.allSatisfy { scope.known.contains($0) } && !hasBranches))
            if folds {
                scope.known.formUnion(n.outputs)
                if n.opType == "Constant", case .tensor(let t)? = n.attributes.first?.value, let o = n.outputs.first {
                    scope.constants[o] = t
                    scope.dims[o] = t.dims
                }
                continue
            }
            if n.normalizedDomain.isEmpty, n.opType == "If", hasBranches {
                out += ifBlockers(n, &scope, within: within)
                continue
            }
            guard n.normalizedDomain.isEmpty, TFLiteRaisings.table[n.opType] != nil else {
                out.append((within + n.label, n.qualifiedOpType, TFLiteRaising.reason(for: n)))
                continue
            }
            if let reason = TFLiteRaisings.blocker(n, inputType: n.inputs.first.flatMap { scope.types[$0] }) {
                out.append((within + n.label, n.qualifiedOpType, reason))
                continue
            }
            if let check = TFLiteRaisings.checks[n.opType], let reason = check(n, scope) {
                out.append((within + n.label, n.qualifiedOpType, reason))
            }
        }
        return out
    }

    /// An If is inlined when its condition folds: both branches are checked (which one runs is
    /// only known once shapes are), and its outputs are known when both branches' are.
    static func ifBlockers(_ n: Node, _ scope: inout PreflightScope, within: String) -> [(node: String, op: String, reason: String)] {
        guard scope.isKnown(n, 0) else {
            return [(within + n.label, n.qualifiedOpType, ControlFlowRaisings.dynamicIfReason)]
        }
        var out: [(node: String, op: String, reason: String)] = []
        var allKnown = true
        for attribute in n.attributes {
            for branch in attribute.subgraphs {
                var inner = scope
                inner.known.formUnion(branch.initializers.compactMap(\.name))
                out += blockers(branch.nodes, &inner, within: within + n.label + "/" + attribute.name + ": ")
                allKnown = allKnown && branch.outputs.allSatisfy { inner.known.contains($0.name) }
            }
        }
        if allKnown { scope.known.formUnion(n.outputs) }
        return out
    }
}
