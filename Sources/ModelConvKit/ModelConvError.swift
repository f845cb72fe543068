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

    /// This error, in the same class (exit code), with `message` instead.
    public func reworded(_ message: String) -> ModelConvError {
        switch self {
        case .input: return .input(message)
        case .unsupported: return .unsupported(message)
        case .mismatch: return .mismatch(message)
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
