import ModelIR

/// Metadata of graph inputs and outputs (such as the state role of a converted variable), which the
/// ORT format has no field for, kept as model metadata entries `modelconv.value_metadata␟<value>␟<key>`.
enum ORTValueMetadata {
    static let prefix = "modelconv.value_metadata\u{1f}"

    /// The model metadata entries that carry the graph's input and output metadata.
    static func entries(for graph: Graph) -> [MetadataEntry] {
        (graph.inputs + graph.outputs).flatMap { v in
            v.metadata.map { MetadataEntry(key: prefix + v.name + "\u{1f}" + $0.key, value: $0.value) }
        }
    }

    /// Moves such entries back onto the graph's inputs and outputs.
    static func restore(_ model: inout Model) {
        var kept: [MetadataEntry] = []
        for m in model.metadata {
            guard m.key.hasPrefix(prefix) else {
                kept.append(m)
                continue
            }
            let parts = m.key.dropFirst(prefix.count).split(separator: "\u{1f}", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let (name, key) = (String(parts[0]), String(parts[1]))
            let entry = MetadataEntry(key: key, value: m.value)
            if let i = model.graph.inputs.firstIndex(where: { $0.name == name }) { model.graph.inputs[i].metadata.append(entry) }
            if let i = model.graph.outputs.firstIndex(where: { $0.name == name }) { model.graph.outputs[i].metadata.append(entry) }
        }
        model.metadata = kept
    }
}
