import ModelIR
import Passes

/// An exact integer group of an ONNX graph, recognised as the int8 TFLite operator it computes.
struct ExactGroup {
    var record: ExactGroupRecord
    /// The TFLite node the group stands for (source value names; inline constants under placeholders).
    var node: Node
    /// Index of the node that writes the operator's output and carries the record.
    var last: Int
    /// Indices of all the group's nodes (`last` included).
    var members: Set<Int>
    /// Quantization of the tensors the operator reads and writes, from the record.
    var quantization: [String: QuantParams]
    /// Declared dims of the operator's inputs and output (nil where not fixed).
    var dims: [String: [Int64?]]
    /// Inline constants by placeholder input name.
    var constants: [String: Tensor]
}

/// Finds the exact integer groups of a graph (see `ExactGroupRecord`) and checks each one: the
/// recorded operator is lowered again from the recorded parameters and the result must equal
/// the group, op for op, attribute for attribute and constant for constant (multipliers, shifts,
/// clamp bounds and zero points included). Nothing in the record is believed otherwise.
enum ExactGroupRecognition {
    /// The groups found, and the record-carrying nodes whose group does not check out, with why.
    struct Outcome {
        var groups: [ExactGroup] = []
        var refused: [(node: Int, reason: String)] = []

        /// Group by the index of its last node.
        var byLast: [Int: ExactGroup] { Dictionary(groups.map { ($0.last, $0) }, uniquingKeysWith: { a, _ in a }) }
        /// Indices of nodes inside some group.
        var members: Set<Int> { groups.reduce(into: Set<Int>()) { $0.formUnion($1.members) } }
    }

    static func recognize(_ graph: Graph, opset: Int) -> Outcome {
        var outcome = Outcome()
        guard graph.nodes.contains(where: { $0.metadata.contains { $0.key == ExactGroupRecord.opKey } }) else { return outcome }
        let facts = GraphFacts(graph)
        var claimed = Set<Int>()
        for (i, node) in graph.nodes.enumerated() {
            guard let read = ExactGroupRecord.read(node.metadata) else { continue }
            switch read {
            case .failure(let e):
                outcome.refused.append((i, "malformed exact int8 record: \(e.message)"))
            case .success(let record):
                switch check(record, last: i, facts, opset: opset) {
                case .success(let group) where group.members.isDisjoint(with: claimed):
                    claimed.formUnion(group.members)
                    outcome.groups.append(group)
                case .success:
                    outcome.refused.append((i, "exact int8 group of \(record.op) overlaps another group"))
                case .failure(let e):
                    outcome.refused.append((i, "exact int8 group of \(record.op) not recognised: \(e.message)"))
                }
            }
        }
        return outcome
    }

    // MARK: Graph facts

    /// What recognition reads from the graph: producers, readers, constants, declared types.
    struct GraphFacts {
        let graph: Graph
        var producer: [String: Int] = [:]
        var readers: [String: Set<Int>] = [:]
        var initializers: [String: Tensor] = [:]
        var types: [String: TensorType] = [:]
        let outputs: Set<String>

        init(_ graph: Graph) {
            self.graph = graph
            for (i, n) in graph.nodes.enumerated() {
                for o in n.outputs where !o.isEmpty { producer[o] = i }
                for v in n.inputs where !v.isEmpty { readers[v, default: []].insert(i) }
            }
            for t in graph.initializers { if let n = t.name { initializers[n] = t } }
            for v in graph.inputs + graph.valueInfos + graph.outputs { if let t = v.type?.tensorType { types[v.name] = t } }
            outputs = Set(graph.outputs.map(\.name))
        }

        /// The declared element type and dims of a value (an initializer's are fixed).
        func type(_ value: String) -> TensorType? {
            if let t = initializers[value] { return TensorType(elementType: t.dataType, shape: t.dims.map { .fixed($0) }) }
            return types[value]
        }
    }

    /// Why a group is not recognised.
    struct Mismatch: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    // MARK: Checking one group

    static func check(_ record: ExactGroupRecord, last: Int, _ facts: GraphFacts, opset: Int) -> Result<ExactGroup, Mismatch> {
        let carrier = facts.graph.nodes[last]
        guard carrier.outputs.count == 1, let out = carrier.outputs.first, !out.isEmpty else {
            return .failure(Mismatch("the record is on a node without exactly one output"))
        }
        guard let lowering = IntegerLowerings.table[record.op] else {
            return .failure(Mismatch("\(record.op) has no exact integer form"))
        }
        // The TFLite node and a one-node TFLite graph around it, from the record.
        var inputs: [String] = [], source = Graph(name: "exact-group")
        var group = ExactGroup(record: record, node: Node(opType: record.op, inputs: [], outputs: []), last: last, members: [],
                               quantization: [:], dims: [:], constants: [:])
        var boundary = Set<String>()
        for (i, input) in record.inputs.enumerated() {
            switch input {
            case .absent:
                inputs.append("")
            case .constant(let t):
                let name = ExactGroupRecord.constantKey(i)
                var c = t
                c.name = name
                source.initializers.append(c)
                source.valueInfos.append(ValueInfo(name: name, type: c.valueType))
                group.constants[name] = c
                inputs.append(name)
            case .value(let name):
                guard let type = facts.type(name), let element = type.elementType else {
                    return .failure(Mismatch("input '\(name)' has no declared type"))
                }
                let q = record.inputQuantization[i]
                if let q { group.quantization[name] = q }
                group.dims[name] = type.shape?.map(\.fixedValue)
                if let t = facts.initializers[name] {
                    source.initializers.append(t)
                } else {
                    source.inputs.append(ValueInfo(name: name, type: ValueType(.tensor(type))))
                }
                source.valueInfos.append(ValueInfo(name: name, type: ValueType(.tensor(TensorType(elementType: element, shape: type.shape))),
                                                   quantization: q))
                boundary.insert(name)
                inputs.append(name)
            }
        }
        guard let outType = facts.type(out), outType.elementType == .int8 else { return .failure(Mismatch("the output '\(out)' is not declared int8")) }
        guard let outQ = record.outputQuantization else { return .failure(Mismatch("the output '\(out)' has no recorded quantization")) }
        group.quantization[out] = outQ
        group.dims[out] = outType.shape?.map(\.fixedValue)
        source.outputs = [ValueInfo(name: out, type: ValueType(.tensor(outType)), quantization: outQ)]
        source.valueInfos.append(source.outputs[0])
        let node = Node(name: carrier.name, opType: record.op, domain: TFLiteDialect.domain, inputs: inputs, outputs: [out],
                        attributes: record.attributes)
        source.nodes = [node]
        group.node = node

        // The lowering of that node, compared with the group.
        let ctx = LoweringContext(source: source, opset: opset)
        ctx.current = node
        do {
            guard try lowering(ctx, node) else {
                return .failure(Mismatch("the recorded operator has no exact lowering with the recorded types, quantization and shapes"))
            }
        } catch {
            return .failure(Mismatch("lowering the recorded operator failed: \(error)"))
        }
        var matcher = GroupMatcher(facts: facts, candidate: Array(ctx.nodes(from: 0)), boundary: boundary,
                                   constants: Dictionary(ctx.initializers.compactMap { t in t.name.map { ($0, t) } }.filter { !boundary.contains($0.0) },
                                                         uniquingKeysWith: { a, _ in a }))
        if let problem = matcher.match(out, out) { return .failure(Mismatch(problem)) }
        guard matcher.nodeMap.count == matcher.candidate.count else {
            return .failure(Mismatch("the group has \(matcher.nodeMap.count) of the \(matcher.candidate.count) nodes the operator lowers to"))
        }
        group.members = Set(matcher.nodeMap.values)
        // Values computed inside the group must not be read outside it.
        for m in group.members {
            for o in facts.graph.nodes[m].outputs where o != out && !o.isEmpty {
                if facts.outputs.contains(o) || !(facts.readers[o] ?? []).isSubset(of: group.members) {
                    return .failure(Mismatch("the intermediate value '\(o)' is read outside the group"))
                }
            }
        }
        if let problem = checkBias(record, group, outQ: outQ) { return .failure(Mismatch(problem)) }
        return .success(group)
    }

    /// A quantized int32 bias of a convolution or fully connected op must carry the scale TFLite
    /// requires (input scale × weight scale per channel, zero point 0); the lowering does not read it.
    static func checkBias(_ record: ExactGroupRecord, _ group: ExactGroup, outQ: QuantParams) -> String? {
        guard ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"].contains(record.op), record.inputs.count > 2,
              case .value(let bias) = record.inputs[2], case .value(let x) = record.inputs[0], case .value(let w) = record.inputs[1],
              let qx = group.quantization[x], let qw = group.quantization[w] else { return nil }
        guard let qb = group.quantization[bias] else { return nil }  // raised as it came, unquantized
        let channels = max(qw.scales.count, qb.scales.count)
        guard qb.scales.count == channels || qb.scales.count == 1, qb.zeroPoints.allSatisfy({ $0 == 0 }) else {
            return "the bias quantization does not match the weights'"
        }
        for c in 0..<channels {
            let expected = Double(qx.scales[0]) * Double(qw.scales[qw.scales.count == 1 ? 0 : c])
            let actual = Double(qb.scales[qb.scales.count == 1 ? 0 : c])
            if abs(expected - actual) > 1e-6 * min(expected, actual) { return "the bias scale of channel \(c) is not input scale × weight scale" }
        }
        return nil
    }
}

// MARK: Structural matching

/// Matches the nodes the lowering emits for a recorded operator against the graph, backwards from
/// the output: same op, attributes and input positions; equal constants; the operator's inputs by name.
struct GroupMatcher {
    let facts: ExactGroupRecognition.GraphFacts
    let candidate: [Node]
    /// The operator's inputs (same names in both).
    let boundary: Set<String>
    /// Constants the lowering created, by candidate name.
    let constants: [String: Tensor]
    /// Candidate node index → graph node index.
    private(set) var nodeMap: [Int: Int] = [:]
    private var valueMap: [String: String] = [:]
    private var usedGraphNodes = Set<Int>()
    private let candidateProducer: [String: Int]

    init(facts: ExactGroupRecognition.GraphFacts, candidate: [Node], boundary: Set<String>, constants: [String: Tensor]) {
        self.facts = facts
        self.candidate = candidate
        self.boundary = boundary
        self.constants = constants
        var producer: [String: Int] = [:]
        for (i, n) in candidate.enumerated() { for o in n.outputs { producer[o] = i } }
        self.candidateProducer = producer
    }

    /// Matches candidate value `c` with graph value `g`; a description of the first difference, or nil.
    mutating func match(_ c: String, _ g: String) -> String? {
        if let m = valueMap[c] { return m == g ? nil : "'\(g)' is not the value the lowering computes there" }
        if c.isEmpty || g.isEmpty { return c.isEmpty && g.isEmpty ? nil : "an optional input differs" }
        if boundary.contains(c) {
            guard c == g else { return "'\(g)' is read where the lowering reads the operator input '\(c)'" }
            valueMap[c] = g
            return nil
        }
        if let t = constants[c] {
            guard let u = facts.initializers[g] else { return "'\(g)' is not a constant where the lowering has one" }
            guard t.dataType == u.dataType, t.dims == u.dims, t.contents == u.contents else {
                return "constant '\(g)' differs from the lowering's (\(t.dataType) \(t.dims))"
            }
            valueMap[c] = g
            return nil
        }
        guard let ci = candidateProducer[c] else { return "the lowering reads an unknown value" }
        guard let gi = facts.producer[g] else { return "'\(g)' is not computed by a node" }
        guard !usedGraphNodes.contains(gi) else { return "node '\(facts.graph.nodes[gi].label)' is matched twice" }
        let cn = candidate[ci], gn = facts.graph.nodes[gi]
        guard cn.opType == gn.opType, cn.normalizedDomain == gn.normalizedDomain else {
            return "node '\(gn.label)' is \(gn.opType) where the lowering has \(cn.opType)"
        }
        guard Self.sameAttributes(cn, gn) else { return "the attributes of node '\(gn.label)' differ from the lowering's" }
        guard cn.inputs.count == gn.inputs.count, cn.outputs.count == gn.outputs.count,
              cn.outputs.firstIndex(of: c) == gn.outputs.firstIndex(of: g) else { return "the inputs or outputs of node '\(gn.label)' differ" }
        nodeMap[ci] = gi
        usedGraphNodes.insert(gi)
        for (co, go) in zip(cn.outputs, gn.outputs) { valueMap[co] = go }
        for (ci, gi) in zip(cn.inputs, gn.inputs) {
            if let problem = match(ci, gi) { return problem }
        }
        return nil
    }

    static func sameAttributes(_ a: Node, _ b: Node) -> Bool {
        guard a.attributes.count == b.attributes.count else { return false }
        let values = Dictionary(b.attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x })
        return a.attributes.allSatisfy { values[$0.name] == $0.value }
    }
}
