/// An error the kit reports to its caller, classified for the CLI's exit codes.
public enum ModelConvError: Error, CustomStringConvertible, Equatable {
    /// Bad input or usage: missing files, malformed models, bad options. Exit code 1.
    case input(String)
    /// A valid model using something modelconv does not support. Exit code 2.
    case unsupported(String)
    /// The converted model does not match the source. Exit code 3.
    case mismatch(String)

    public var description: String {
        switch self {
        case .input(let m), .unsupported(let m), .mismatch(let m): return m
        }
    }

    /// The same error with its message led by `path` (the file it is about).
    public func about(_ path: String) -> ModelConvError {
        switch self {
        case .input(let m): return .input("\(path): \(m)")
        case .unsupported(let m): return .unsupported("\(path): \(m)")
        case .mismatch(let m): return .mismatch("\(path): \(m)")
        }
    }

    /// This error's message in the class (exit code) of `other`.
    func kept(as other: ModelConvError) -> ModelConvError {
        switch other {
        case .input: return .input(description)
        case .unsupported: return .unsupported(description)
        case .mismatch: return .mismatch(description)
        }
    }

    /// The process exit code documented in the README.
    public var exitCode: Int32 {
        switch self {
        case .input: return 1
        case .unsupported: return 2
        case .mismatch: return 3
        }
    }
}
