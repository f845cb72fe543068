import ModelIR

extension Model {
    /// A short description of the first difference from `other`, or nil when equal.
    public func firstDifference(from other: Model) -> String? {
        if self == other { return nil }
        let mine = [graph] + subgraphs, theirs = [other.graph] + other.subgraphs
        if mine.count != theirs.count { return "graph count \(mine.count) vs \(other.subgraphs.count + 1)" }
        for (i, (a, b)) in zip(mine, theirs).enumerated() {
            if let d = a.firstDifference(from: b) { return "graph \(i): \(d)" }
        }
        if signatures != other.signatures { return "signatures differ" }
        if binaryMetadata != other.binaryMetadata {
            let a = binaryMetadata.map { "\($0.name):\($0.bytes.count)" }, b = other.binaryMetadata.map { "\($0.name):\($0.bytes.count)" }
            return "binary metadata differs: \(a) vs \(b)"
        }
        if metadata != other.metadata { return "metadata differs" }
        if opsetImports != other.opsetImports { return "opset imports differ" }
        if functions != other.functions { return "functions differ" }
        return "model properties differ (producer, versions or doc string)"
    }
}

extension Graph {
    /// A short description of the first difference from `other`, or nil when equal.
    public func firstDifference(from other: Graph) -> String? {
        if self == other { return nil }
        for (label, a, b) in [("input", inputs, other.inputs), ("output", outputs, other.outputs), ("value", valueInfos, other.valueInfos)] {
            if a.count != b.count { return "\(a.count) vs \(b.count) \(label)s" }
            for (x, y) in zip(a, b) where x != y {
                return "\(label) '\(x.name)': \(x.type?.description ?? "?") \(x.quantization?.description ?? "") \(x.metadata) vs '\(y.name)': \(y.type?.description ?? "?") \(y.quantization?.description ?? "") \(y.metadata)"
            }
        }
        if initializers.count != other.initializers.count { return "\(initializers.count) vs \(other.initializers.count) initializers" }
        for (x, y) in zip(initializers, other.initializers) where x != y {
            return "initializer '\(x.name ?? "")' differs (\(x.dataType)\(x.dims), \(x.byteCount) bytes vs \(y.dataType)\(y.dims), \(y.byteCount) bytes)"
        }
        if nodes.count != other.nodes.count { return "\(nodes.count) vs \(other.nodes.count) nodes" }
        for (i, (x, y)) in zip(nodes, other.nodes).enumerated() where x != y {
            if x.attributes != y.attributes {
                let a = Dictionary(x.attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { p, _ in p })
                let b = Dictionary(y.attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { p, _ in p })
                let keys = Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }
                return "node #\(i) \(x.opType): attributes \(keys.map { "\($0)=\(String(describing: a[$0])) vs \(String(describing: b[$0]))" })"
            }
            return "node #\(i) \(x.opType) differs: \(x.inputs)->\(x.outputs) vs \(y.inputs)->\(y.outputs)"
        }
        return "graph properties differ (name, doc string, annotations)"
    }
}
