/// Why shape inference stopped: a malformed node, a value nothing defines, a conflict in strict mode, bad options.
public enum ShapeInferenceError: Error, CustomStringConvertible, Equatable {
    /// A node's inputs or attributes contradict its op (rank mismatch, incompatible dims, …).
    case invalidNode(node: String, op: String, graph: String, reason: String)
    /// A node reads a value no input, initializer or earlier node defines.
    case undefinedValue(node: String, value: String, graph: String)
    /// Strict mode: a declared type disagrees with the inferred one.
    case conflict(ShapeReport.Conflict)
    /// A `--dim` or input shape given by the caller does not fit the model.
    case badOption(String)

    public var description: String {
        switch self {
        case .invalidNode(let node, let op, let graph, let reason):
            return "node '\(node)' (\(op)) in graph '\(graph)': \(reason)"
        case .undefinedValue(let node, let value, let graph):
            return "node '\(node)' in graph '\(graph)' reads '\(value)', which nothing defines"
        case .conflict(let c):
            return "conflict: \(c.description)"
        case .badOption(let why):
            return why
        }
    }

    /// The node the error is about, when there is one.
    public var node: String? {
        switch self {
        case .invalidNode(let n, _, _, _), .undefinedValue(let n, _, _): return n
        case .conflict(let c): return c.node
        case .badOption: return nil
        }
    }
}
