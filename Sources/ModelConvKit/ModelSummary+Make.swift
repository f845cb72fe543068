import ModelIR

extension ModelSummary {
    /// Summarizes `model` read from `path` (`includeNodes` adds the node list).
    public init(model: Model, path: String, format: ModelFormat, fileBytes: Int, includeNodes: Bool) {
        self.path = path
        self.format = format.rawValue
        self.fileBytes = fileBytes
        producer = model.producerName
        producerVersion = model.producerVersion
        irVersion = model.irVersion
        opsets = model.opsetImports.map { Opset(domain: $0.domain ?? "", version: $0.version) }
        graphName = model.graph.name
        let initializerNames = Set(model.graph.initializers.compactMap(\.name))
        inputs = model.graph.inputs.filter { !initializerNames.contains($0.name) }.map(Self.value)
        outputs = model.graph.outputs.map(Self.value)

        var histogram: [String: Int] = [:]
        var nodeTotal = 0
        func countOps(_ g: Graph) {
            for n in g.nodes {
                histogram[Self.opName(n), default: 0] += 1
                nodeTotal += 1
                for a in n.attributes { a.subgraphs.forEach(countOps) }
            }
        }
        countOps(model.graph)
        model.subgraphs.forEach(countOps)
        nodeCount = nodeTotal
        ops = histogram.map { OpCount(op: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.op < $1.op }

        var groups: [String: ParameterGroup] = [:]
        for t in model.allTensors {
            let key = t.dataType.name
            var g = groups[key] ?? ParameterGroup(dtype: key, tensors: 0, elements: 0, bytes: 0)
            g.tensors += 1
            g.elements += t.elementCount ?? 0
            g.bytes += t.byteCount
            groups[key] = g
        }
        parameters = groups.values.sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.dtype < $1.dtype }
        parameterCount = parameters.reduce(0) { $0 + $1.elements }
        parameterBytes = parameters.reduce(0) { $0 + $1.bytes }

        var subs: [Subgraph] = []
        func collect(_ g: Graph, prefix: String) {
            for n in g.nodes {
                for a in n.attributes {
                    for (i, sub) in a.subgraphs.enumerated() {
                        let here = "\(prefix)\(n.label)/\(a.name)\(a.subgraphs.count > 1 ? "[\(i)]" : "")"
                        subs.append(Subgraph(path: here, name: sub.name ?? "", nodes: sub.nodes.count))
                        collect(sub, prefix: here + " > ")
                    }
                }
            }
        }
        collect(model.graph, prefix: "")
        subgraphs = subs
        functions = model.functions.map { "\($0.domain ?? "")::\($0.name ?? "?")" }
        metadata = model.metadata.map { Entry(key: $0.key, value: $0.value) }
            + model.binaryMetadata.map { Entry(key: $0.name, value: "<\($0.bytes.count) bytes>") }
        quantization = model.graph.valueInfos.compactMap { v in
            guard let q = v.quantization, !q.scales.isEmpty else { return nil }
            return Quantization(tensor: v.name, dtype: v.type?.tensorType?.elementType?.name ?? "?",
                                scales: q.scales, zeroPoints: q.zeroPoints, axis: q.isPerAxis ? q.axis : nil)
        }
        indexedSubgraphs = model.subgraphs.enumerated().map { i, g in
            Subgraph(path: "subgraph \(i + 1)", name: g.name ?? "", nodes: g.nodes.count)
        }
        signatures = model.signatures.map { s in
            "\(s.key ?? "") (graph \(s.graphIndex)): \(s.inputs.map(\.name).joined(separator: ", ")) -> \(s.outputs.map(\.name).joined(separator: ", "))"
        }
        nodes = includeNodes ? model.graph.nodes.map(Self.nodeEntry) : nil
    }

    // MARK: Pieces

    /// The op-type histogram of a model's main graph, most frequent first.
    public static func histogram(_ model: Model) -> [OpCount] {
        var counts: [String: Int] = [:]
        for n in model.graph.nodes { counts[opName(n), default: 0] += 1 }
        return counts.map { OpCount(op: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.op < $1.op }
    }

    /// The op's display name: TFLite builtins by their own name, other domains qualified.
    static func opName(_ n: Node) -> String {
        n.normalizedDomain == "tflite" ? n.opType : n.normalizedDomain == "tflite.custom" ? "CUSTOM:\(n.opType)" : n.qualifiedOpType
    }

    static func value(_ v: ValueInfo) -> Value {
        guard let type = v.type else { return Value(name: v.name, dtype: "?", shape: nil) }
        if let t = type.tensorType {
            return Value(name: v.name, dtype: t.elementType?.name ?? "?", shape: t.shape?.map(\.description))
        }
        return Value(name: v.name, dtype: type.description, shape: nil)
    }

    static func nodeEntry(_ n: Node) -> NodeEntry {
        var attrs: [String: String] = [:]
        for a in n.attributes { attrs[a.name] = AttributeFormatter.describe(a.value) }
        return NodeEntry(name: n.name ?? "", op: opName(n), inputs: n.inputs, outputs: n.outputs, attributes: attrs)
    }
}

/// Short human-readable renderings of attribute values.
enum AttributeFormatter {
    static func describe(_ v: Attribute.Value) -> String {
        switch v {
        case .float(let f): return "\(f)"
        case .int(let i): return "\(i)"
        case .string(let s): return "\"\(String(decoding: s, as: UTF8.self))\""
        case .tensor(let t): return "tensor \(t.dataType)\(t.dims)"
        case .graph(let g): return "graph '\(g.name ?? "")' (\(g.nodes.count) nodes)"
        case .sparseTensor(let s): return "sparse tensor \(s.values.dataType)\(s.dims)"
        case .type(let t): return "type \(t)"
        case .floats(let f): return list(f.map { "\($0)" })
        case .ints(let i): return list(i.map { "\($0)" })
        case .strings(let s): return list(s.map { "\"\(String(decoding: $0, as: UTF8.self))\"" })
        case .tensors(let t): return "\(t.count) tensors"
        case .graphs(let g): return "\(g.count) graphs"
        case .sparseTensors(let s): return "\(s.count) sparse tensors"
        case .types(let t): return list(t.map(\.description))
        case .empty(let k): return "<\(k)>"
        }
    }

    private static func list(_ items: [String]) -> String {
        let shown = items.prefix(16).joined(separator: ",")
        return items.count > 16 ? "[\(shown),… (\(items.count))]" : "[\(shown)]"
    }
}
