extension Graph {
    /// The nodes in an order where every node comes after the producers of its inputs, keeping the
    /// given order wherever it already allows that; nil when the nodes form a cycle.
    public func topologicallySortedNodes() -> [Node]? {
        var producer: [String: Int] = [:]
        for (i, n) in nodes.enumerated() { for o in n.outputs where !o.isEmpty { producer[o] = i } }
        var pending = [Int](repeating: 0, count: nodes.count)
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() {
            let deps = Set((n.inputs + n.implicitInputs).compactMap { producer[$0] }.filter { $0 != i })
            pending[i] = deps.count
            for d in deps { consumers[d].append(i) }
        }
        // Ready nodes leave in their original order (a min-heap on the index, kept as a sorted array).
        var ready = (0..<nodes.count).filter { pending[$0] == 0 }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while !ready.isEmpty {
            let i = ready.removeFirst()
            order.append(i)
            for c in consumers[i] {
                pending[c] -= 1
                if pending[c] == 0 {
                    let at = ready.firstIndex { $0 > c } ?? ready.count
                    ready.insert(c, at: at)
                }
            }
        }
        guard order.count == nodes.count else { return nil }
        return order.map { nodes[$0] }
    }
}

extension Node {
    /// Values a node's subgraphs read from the enclosing scope (they order the node like inputs).
    public var implicitInputs: [String] {
        var out: [String] = []
        for a in attributes {
            for g in a.subgraphs {
                let defined = g.definedNames
                for n in g.nodes {
                    out += (n.inputs + n.implicitInputs).filter { !$0.isEmpty && !defined.contains($0) }
                }
                out += g.outputs.map(\.name).filter { !defined.contains($0) }
            }
        }
        return out
    }
}

extension Node {
    /// Applies `body` in place to every subgraph the node's attributes hold; `body` also gets the
    /// attribute's name and, for a list of graphs, the graph's index in it (nil for a single graph).
    public mutating func updateSubgraphs<E: Error>(_ body: (inout Graph, _ attribute: String, _ index: Int?) throws(E) -> Void) throws(E) {
        for a in attributes.indices {
            switch attributes[a].value {
            case .graph(var sub):
                try body(&sub, attributes[a].name, nil)
                attributes[a].value = .graph(sub)
            case .graphs(var subs):
                for j in subs.indices { try body(&subs[j], attributes[a].name, j) }
                attributes[a].value = .graphs(subs)
            default: break
            }
        }
    }
}
