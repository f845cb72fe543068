// MARK: Tensors a model holds, and the files they view

extension Model {
    /// Every tensor reachable from the model: initializers, attribute tensors, sparse parts, in all graphs and functions.
    public var allTensors: [Tensor] {
        var out: [Tensor] = []
        func visit(_ g: Graph) {
            out += g.initializers
            for s in g.sparseInitializers { out += [s.values, s.indices] }
            for n in g.nodes { visit(n.attributes) }
        }
        func visit(_ attrs: [Attribute]) {
            for a in attrs {
                switch a.value {
                case .tensor(let t): out.append(t)
                case .tensors(let ts): out += ts
                case .sparseTensor(let s): out += [s.values, s.indices]
                case .sparseTensors(let ss): for s in ss { out += [s.values, s.indices] }
                case .graph(let g): visit(g)
                case .graphs(let gs): gs.forEach(visit)
                default: break
                }
            }
        }
        visit(graph)
        for f in functions {
            visit(f.attributeDefaults)
            for n in f.nodes { visit(n.attributes) }
        }
        for t in trainingInfo {
            if let g = t.initialization { visit(g) }
            if let g = t.algorithm { visit(g) }
        }
        return out
    }

    /// The distinct file mappings the model's bytes view: tensors of the main graph, its functions and
    /// training info, of the graphs called by index, and binary metadata.
    public var mappedOwners: [any ByteOwner] {
        let views = (allTensors + subgraphs.flatMap { Model(graph: $0).allTensors }).compactMap(\.byteView)
            + binaryMetadata.map(\.bytes)
        var seen = Set<ObjectIdentifier>()
        var out: [any ByteOwner] = []
        for owner in views.map(\.owner) where owner.filePath != nil {
            if seen.insert(ObjectIdentifier(owner)).inserted { out.append(owner) }
        }
        return out
    }

    /// Files whose mapped bytes the model views (every graph's tensors and binary metadata): the
    /// files a writer must never replace.
    public var sourceFiles: [String] { mappedOwners.compactMap(\.filePath) }
}
