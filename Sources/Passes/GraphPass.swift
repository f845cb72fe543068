import ModelIR

/// A named rewrite of a model. Reports whether it changed anything.
public protocol GraphPass: Sendable {
    /// A short name shown in reports (`tflite-lowering`, `dead-code`, …).
    var name: String { get }
    /// Rewrites `model` in place; returns true when it changed.
    func run(_ model: inout Model) throws(PassError) -> Bool
}

/// Why a pass could not rewrite a model. Names the node and what it cannot handle.
public enum PassError: Error, CustomStringConvertible, Equatable {
    case unsupportedOp(node: String, op: String, reason: String)
    case invalid(node: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedOp(let node, let op, let reason): return "node '\(node)' (\(op)): \(reason)"
        case .invalid(let node, let reason): return "node '\(node)': \(reason)"
        }
    }

    /// Whether the error is about a feature that is not supported (rather than a broken model).
    public var isUnsupported: Bool {
        if case .unsupportedOp = self { return true }
        return false
    }
}

/// Runs passes in order and records which changed the model.
public struct PassPipeline: Sendable {
    public var passes: [any GraphPass]
    public init(_ passes: [any GraphPass]) { self.passes = passes }

    /// Runs every pass; returns the names of those that changed the model.
    public func run(_ model: inout Model) throws(PassError) -> [String] {
        var applied: [String] = []
        for pass in passes where try pass.run(&model) { applied.append(pass.name) }
        return applied
    }
}
