/// A structural problem found in a graph.
public enum GraphError: Error, CustomStringConvertible, Equatable {
    case undefinedValue(node: String, input: String, graph: String)
    case duplicateDefinition(value: String, graph: String)
    case missingOutput(output: String, graph: String)

    public var description: String {
        switch self {
        case .undefinedValue(let node, let input, let graph):
            return "node '\(node)' in graph '\(graph)' reads '\(input)', which no graph input, initializer or node defines"
        case .duplicateDefinition(let value, let graph):
            return "value '\(value)' is defined more than once in graph '\(graph)'"
        case .missingOutput(let output, let graph):
            return "graph '\(graph)' declares output '\(output)', which nothing defines"
        }
    }
}

// MARK: Reference checks

extension Graph {
    /// Names defined in this graph's own scope: inputs, initializers and node outputs.
    public var definedNames: Set<String> {
        var names = Set(inputs.map(\.name))
        for t in initializers { if let n = t.name { names.insert(n) } }
        for s in sparseInitializers { if let n = s.values.name { names.insert(n) } }
        for node in nodes { for o in node.outputs where !o.isEmpty { names.insert(o) } }
        return names
    }

    /// Checks that every node input names a value visible in its scope, recursing into subgraphs.
    ///
    /// `outerScope` holds the names visible from enclosing graphs.
    public func validateReferences(outerScope: Set<String> = []) throws(GraphError) {
        let graphName = name ?? "main"
        let scope = definedNames.union(outerScope)
        for node in nodes {
            for input in node.inputs where !input.isEmpty && !scope.contains(input) {
                throw .undefinedValue(node: node.label, input: input, graph: graphName)
            }
            for attr in node.attributes {
                for sub in attr.subgraphs { try sub.validateReferences(outerScope: scope) }
            }
        }
        for output in outputs where !scope.contains(output.name) {
            throw .missingOutput(output: output.name, graph: graphName)
        }
    }
}

extension Function {
    /// Checks that every node input in the body names a function input or an earlier output.
    public func validateReferences() throws(GraphError) {
        var scope = Set(inputs)
        for node in nodes { for o in node.outputs where !o.isEmpty { scope.insert(o) } }
        let label = "function \(name ?? "?")"
        for node in nodes {
            for input in node.inputs where !input.isEmpty && !scope.contains(input) {
                throw .undefinedValue(node: node.label, input: input, graph: label)
            }
            for attr in node.attributes {
                for sub in attr.subgraphs { try sub.validateReferences(outerScope: scope) }
            }
        }
    }
}
