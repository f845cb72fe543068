/// Everything that can go wrong reading or writing an `.ort` file. Each case names the file and the element.
public enum ORTError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case invalid(path: String, reason: String)
    case unsupported(path: String, element: String, reason: String)
    case refusingToOverwriteInput(path: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): \(reason)"
        case .invalid(let path, let reason): return "\(path): invalid ORT model: \(reason)"
        case .unsupported(let path, let element, let reason): return "\(path): \(element): \(reason)"
        case .refusingToOverwriteInput(let path): return "\(path): refusing to overwrite the input model; choose another output path"
        case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
        }
    }
}

/// Names the IR uses for ORT-only details, kept in node metadata so a rewrite can re-emit them.
public enum ORTDialect {
    public static let sinceVersionKey = "ort.since_version"
    public static let executionProviderKey = "ort.execution_provider"
    public static let nodeIndexKey = "ort.index"
    public static let implicitInputsKey = "ort.implicit_inputs"
    public static let inputArgCountsKey = "ort.input_arg_counts"
    public static let fusedKey = "ort.fused"
}
