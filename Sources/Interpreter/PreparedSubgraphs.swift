import ModelIR

/// The graphs kernels run (If/Loop/Scan bodies, TFLite subgraphs called by index), each prepared
/// once like the main graph, so a branch or loop body does not decode its initializers, look up
/// its kernels and evaluate its constant nodes again on every call.
struct PreparedSubgraphs: Sendable {
    /// Prepared graphs by `key`; a lookup confirms the graph itself (`==`, cheap on the shared copy
    /// a node attribute hands out).
    private let plans: [String: [(graph: Graph, plan: PreparedGraph)]]

    /// Prepares every subgraph of `model`; `prepare` makes the plan of one graph given the fixed
    /// values of the graphs that enclose it (`main`: the main graph's).
    ///
    /// A run finds a plan by its graph alone, so a graph that occurs in more than one place (two If
    /// nodes with equal branches, say) is prepared without its enclosing graphs' values: the same
    /// names may hold different values there.
    init(model: Model, main: [String: RuntimeValue], prepare: (Graph, [String: RuntimeValue]) -> PreparedGraph) {
        var occurrences: [String: [(graph: Graph, count: Int)]] = [:]
        func count(_ graph: Graph) {
            let key = PreparedSubgraphs.key(graph)
            if let i = occurrences[key]?.firstIndex(where: { $0.graph == graph }) {
                occurrences[key]![i].count += 1
            } else {
                occurrences[key, default: []].append((graph, 1))
            }
            for node in graph.nodes { for subgraph in node.attributes.flatMap(\.subgraphs) { count(subgraph) } }
        }
        for node in model.graph.nodes { for subgraph in node.attributes.flatMap(\.subgraphs) { count(subgraph) } }
        for graph in model.subgraphs { count(graph) }

        var plans: [String: [(graph: Graph, plan: PreparedGraph)]] = [:]
        /// Prepares the subgraphs of `graph`'s nodes, which see `visible`, and theirs in turn.
        func visit(_ graph: Graph, visible: [String: RuntimeValue]) {
            for node in graph.nodes {
                for subgraph in node.attributes.flatMap(\.subgraphs) { add(subgraph, visible: visible) }
            }
        }
        func add(_ graph: Graph, visible: [String: RuntimeValue]) {
            let key = PreparedSubgraphs.key(graph)
            guard !(plans[key]?.contains { $0.graph == graph } ?? false) else { return }
            let once = occurrences[key]?.first { $0.graph == graph }?.count == 1
            let outer = once ? visible : [:]
            let plan = prepare(graph, outer)
            plans[key, default: []].append((graph, plan))
            visit(graph, visible: outer.merging(plan.fixedConstants) { $1 })
        }
        visit(model.graph, visible: main)
        for graph in model.subgraphs { add(graph, visible: [:]) }
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
