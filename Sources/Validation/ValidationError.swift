/// Problems preparing or running a validation.
public enum ValidationError: Error, CustomStringConvertible, Equatable {
    case input(String)
    case run(model: String, reason: String)

    public var description: String {
        switch self {
        case .input(let m): return m
        case .run(let model, let reason): return "\(model): \(reason)"
        }
    }
}
