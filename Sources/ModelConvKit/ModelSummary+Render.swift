import Foundation

// MARK: Text

extension ModelSummary {
    /// The human-readable report printed by `inspect`.
    public func renderText() -> String {
        var out: [String] = []
        out.append("model:      \(path)")
        out.append("format:     \(format) (\(Self.bytes(fileBytes)))")
        if let producer { out.append("producer:   \(producer)\(producerVersion.map { " \($0)" } ?? "")") }
        if let irVersion { out.append("ir version: \(irVersion)") }
        if !opsets.isEmpty {
            let list = opsets.map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain) \($0.version.map(String.init) ?? "?")" }
            out.append("opsets:     \(list.joined(separator: ", "))")
        }
        out.append("")
        out.append("inputs (\(inputs.count)):")
        out += inputs.map { "  \($0.name): \(Self.type($0))" }
        out.append("outputs (\(outputs.count)):")
        out += outputs.map { "  \($0.name): \(Self.type($0))" }
        out.append("")
        out.append("nodes: \(nodeCount) (\(ops.count) op types)")
        let width = ops.map(\.op.count).max() ?? 0
        out += ops.map { "  \($0.op.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.count)" }
        out.append("")
        out.append("parameters: \(parameterCount) elements, \(Self.bytes(parameterBytes))")
        out += parameters.map { "  \($0.dtype): \($0.tensors) tensors, \($0.elements) elements, \(Self.bytes($0.bytes))" }
        if !subgraphs.isEmpty {
            out.append("")
            out.append("subgraphs (\(subgraphs.count)):")
            out += subgraphs.map { "  \($0.path): \($0.nodes) nodes" }
        }
        if !indexedSubgraphs.isEmpty {
            out.append("")
            out.append("called subgraphs (\(indexedSubgraphs.count)):")
            out += indexedSubgraphs.map { "  \($0.path) '\($0.name)': \($0.nodes) nodes" }
        }
        if !signatures.isEmpty {
            out.append("")
            out.append("signatures:")
            out += signatures.map { "  \($0)" }
        }
        if !quantization.isEmpty {
            out.append("")
            out.append("quantized tensors (\(quantization.count)):")
            out += quantization.map { q in
                let scales = q.scales.count == 1 ? "scale \(q.scales[0])" : "\(q.scales.count) scales on axis \(q.axis ?? 0)"
                let zps = Set(q.zeroPoints).count == 1 ? "zero point \(q.zeroPoints[0])" : "\(q.zeroPoints.count) zero points"
                return "  \(q.tensor): \(q.dtype) \(scales), \(zps)"
            }
        }
        if !functions.isEmpty {
            out.append("")
            out.append("functions (\(functions.count)): \(functions.joined(separator: ", "))")
        }
        if !metadata.isEmpty {
            out.append("")
            out.append("metadata:")
            out += metadata.map { "  \($0.key): \($0.value)" }
        }
        if let nodes {
            out.append("")
            out.append("node list:")
            for (i, n) in nodes.enumerated() {
                let attrs = n.attributes.keys.sorted().map { "\($0)=\(n.attributes[$0]!)" }
                let name = n.name.isEmpty ? "" : " \(n.name)"
                var outs = n.outputs
                if let types = n.outputTypes, types.count == outs.count {
                    outs = zip(outs, types).map { $1.isEmpty ? $0 : "\($0): \($1)" }
                }
                out.append("  #\(i) \(n.op)\(name)(\(n.inputs.joined(separator: ", "))) -> \(outs.joined(separator: ", "))")
                if !attrs.isEmpty { out.append("      \(attrs.joined(separator: " "))") }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func type(_ v: Value) -> String {
        guard let shape = v.shape else { return "\(v.dtype)[*]" }
        return "\(v.dtype)[\(shape.joined(separator: ","))]"
    }

    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return String(format: "%.1f KiB", Double(n) / 1024) }
        if n < 1 << 30 { return String(format: "%.1f MiB", Double(n) / 1048576) }
        return String(format: "%.2f GiB", Double(n) / 1073741824)
    }
}

// MARK: JSON

extension ModelSummary {
    /// The `--json` document (schema in the README).
    public func renderJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
