/// Why a graph could not run. Each case names the node or value.
public enum InterpreterError: Error, CustomStringConvertible, Equatable {
    case unsupportedOp(op: String, domain: String, node: String)
    case unsupportedType(op: String, node: String, type: String)
    case missingInput(node: String, value: String)
    case missingGraphInput(name: String)
    case invalidInput(node: String, reason: String)
    case invalidAttribute(node: String, attribute: String, reason: String)
    case invalidModel(reason: String)

    public var description: String {
        switch self {
        case .unsupportedOp(let op, let domain, let node):
            return "node '\(node)': op \(domain.isEmpty ? "" : domain + "::")\(op) has no interpreter kernel"
        case .unsupportedType(let op, let node, let type):
            return "node '\(node)': \(op) does not support element type \(type)"
        case .missingInput(let node, let value):
            return "node '\(node)' reads '\(value)', which has not been computed"
        case .missingGraphInput(let name):
            return "no value given for graph input '\(name)'"
        case .invalidInput(let node, let reason):
            return "node '\(node)': \(reason)"
        case .invalidAttribute(let node, let attribute, let reason):
            return "node '\(node)': attribute '\(attribute)': \(reason)"
        case .invalidModel(let reason):
            return reason
        }
    }
}
