import ModelIR

/// Renders a graph as Graphviz DOT: value-flow edges between op nodes, inputs and outputs as ellipses.
public enum GraphvizRenderer {
    public static func render(_ model: Model) -> String {
        let g = model.graph
        var lines = ["digraph model {", "  rankdir=TB;", "  node [shape=box, style=rounded, fontname=\"Helvetica\"];"]
        let initializerNames = Set(g.initializers.compactMap(\.name))
        var producer: [String: String] = [:]
        for (i, input) in g.inputs.enumerated() where !initializerNames.contains(input.name) {
            let id = "in\(i)"
            producer[input.name] = id
            lines.append("  \(id) [shape=ellipse, label=\"\(escape(input.name))\\n\(escape(input.type?.description ?? "?"))\"];")
        }
        for (i, node) in g.nodes.enumerated() {
            let id = "n\(i)"
            let title = node.name.map { "\\n\(escape($0))" } ?? ""
            lines.append("  \(id) [label=\"\(escape(node.qualifiedOpType))\(title)\"];")
            for o in node.outputs where !o.isEmpty { producer[o] = id }
        }
        for (i, node) in g.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty {
                guard let from = producer[input] else { continue }
                lines.append("  \(from) -> n\(i) [label=\"\(escape(input))\"];")
            }
        }
        for (i, output) in g.outputs.enumerated() {
            let id = "out\(i)"
            lines.append("  \(id) [shape=ellipse, label=\"\(escape(output.name))\\n\(escape(output.type?.description ?? "?"))\"];")
            if let from = producer[output.name] { lines.append("  \(from) -> \(id);") }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
