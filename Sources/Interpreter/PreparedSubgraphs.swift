import ModelIR

/// The graphs kernels run (If/Loop/Scan bodies, TFLite subgraphs called by index), each prepared
/// once like the main graph, so a branch or loop body does not decode its initializers, look up
/// its kernels and evaluate its constant nodes again on every call.
struct PreparedSubgraphs: Sendable {
    /// Prepared graphs by `key`; a lookup confirms the graph itself (`==`, cheap on the shared copy
    /// a node attribute hands out).
    private let plans: [String: [(graph: Graph, plan: PreparedGraph)]]

    /// Prepares every subgraph of `model`; `prepare` makes the plan of one graph.
    init(model: Model, prepare: (Graph) -> PreparedGraph) {
        var plans: [String: [(graph: Graph, plan: PreparedGraph)]] = [:]
        let indexed = model.subgraphs.flatMap { [$0] + $0.nestedGraphs }
        for graph in model.graph.nestedGraphs + indexed {
            let key = PreparedSubgraphs.key(graph)
            guard !(plans[key]?.contains { $0.graph == graph } ?? false) else { continue }
            plans[key, default: []].append((graph, prepare(graph)))
        }
        self.plans = plans
    }

    /// The prepared form of `graph`, when it is one of the model's subgraphs.
    func plan(for graph: Graph) -> PreparedGraph? {
        plans[PreparedSubgraphs.key(graph)]?.first { $0.graph == graph }?.plan
    }

    /// A cheap key that tells most graphs apart.
    private static func key(_ graph: Graph) -> String {
        "\(graph.name ?? "")#\(graph.nodes.count)#\(graph.nodes.first?.outputs.first ?? "")#\(graph.outputs.first?.name ?? "")"
    }
}
