import ModelIR

/// One kernel invocation: the node, its evaluated inputs and helpers to read attributes.
public struct KernelCall: Sendable {
    /// What every call of one node shares, made once when its graph is prepared: a call copies one
    /// reference instead of the node's names, attributes and the model's lookups.
    public final class Site: Sendable {
        public let node: Node
        /// The opset version of the node's domain.
        public let opset: Int
        let environment: Environment

        init(node: Node, opset: Int, environment: Environment) {
            (self.node, self.opset, self.environment) = (node, opset, environment)
        }
    }

    /// What every call in one model shares: declared quantization and types, graphs called by index.
    public final class Environment: Sendable {
        let quantization: @Sendable (String) -> QuantParams?
        let elementType: @Sendable (String) -> DataType?
        let indexedGraphs: [Graph]

        init(quantization: @escaping @Sendable (String) -> QuantParams? = { _ in nil },
             elementType: @escaping @Sendable (String) -> DataType? = { _ in nil }, indexedGraphs: [Graph] = []) {
            (self.quantization, self.elementType, self.indexedGraphs) = (quantization, elementType, indexedGraphs)
        }
    }

    let site: Site
    public var node: Node { _read { yield site.node } }
    /// Evaluated inputs in order; nil for an omitted optional input.
    public let inputs: [RuntimeValue?]
    /// The opset version of the node's domain.
    public var opset: Int { site.opset }
    /// Runs a subgraph with the current scope visible (for If, Loop, Scan).
    public let runSubgraph: @Sendable (Graph, [RuntimeValue]) throws(InterpreterError) -> [RuntimeValue]
    /// The declared quantization of a value (TFLite-dialect graphs carry it on their values).
    public var quantization: @Sendable (String) -> QuantParams? { site.environment.quantization }
    /// The model's graphs called by index (TFLite subgraphs), for kernels like WHILE and IF.
    public var indexedGraphs: [Graph] { site.environment.indexedGraphs }
    /// The declared element type of a value, when its type is known.
    public var elementType: @Sendable (String) -> DataType? { site.environment.elementType }
    /// State shared by the kernels of the current run (TFLite resource variables, CALL_ONCE).
    public let state: RunState

    public var label: String { node.label }

    /// The quantization of input `i`, when it has scales.
    public func inputQuantization(_ i: Int) -> QuantParams? {
        guard i < node.inputs.count, let q = quantization(node.inputs[i]), !q.scales.isEmpty else { return nil }
        return q
    }

    /// The quantization of output `i`, when it has scales.
    public func outputQuantization(_ i: Int) -> QuantParams? {
        guard i < node.outputs.count, let q = quantization(node.outputs[i]), !q.scales.isEmpty else { return nil }
        return q
    }

    /// The declared element type of output `i`, when known.
    public func outputElementType(_ i: Int) -> DataType? {
        guard i < node.outputs.count else { return nil }
        return elementType(node.outputs[i])
    }

    // MARK: Inputs

    /// Input `i` as a tensor; an error names the node when it is missing or not a tensor.
    public func tensor(_ i: Int) throws(InterpreterError) -> NDArray {
        guard i < inputs.count, let v = inputs[i] else {
            throw .invalidInput(node: label, reason: "input \(i) is required")
        }
        guard let t = v.tensor else { throw .invalidInput(node: label, reason: "input \(i) must be a tensor") }
        return t
    }

    /// Input `i` as a tensor when present.
    public func optionalTensor(_ i: Int) -> NDArray? {
        guard i < inputs.count, let v = inputs[i] else { return nil }
        return v.tensor
    }

    /// Whether input `i` was given.
    public func has(_ i: Int) -> Bool { i < inputs.count && inputs[i] != nil }

    // MARK: Attributes

    public func attribute(_ name: String) -> Attribute.Value? { node.attribute(name)?.value }

    public func int(_ name: String, default value: Int) -> Int {
        if case .int(let v)? = attribute(name) { return Int(v) }
        return value
    }

    public func int(_ name: String) -> Int? {
        if case .int(let v)? = attribute(name) { return Int(v) }
        return nil
    }

    public func float(_ name: String, default value: Float) -> Float {
        if case .float(let v)? = attribute(name) { return v }
        return value
    }

    public func ints(_ name: String) -> [Int]? {
        if case .ints(let v)? = attribute(name) { return v.map { Int($0) } }
        return nil
    }

    public func floats(_ name: String) -> [Float]? {
        if case .floats(let v)? = attribute(name) { return v }
        return nil
    }

    public func string(_ name: String, default value: String) -> String {
        if case .string(let v)? = attribute(name) { return String(decoding: v, as: UTF8.self) }
        return value
    }

    public func strings(_ name: String) -> [String]? {
        if case .strings(let v)? = attribute(name) { return v.map { String(decoding: $0, as: UTF8.self) } }
        return nil
    }

    public func graph(_ name: String) throws(InterpreterError) -> Graph {
        guard case .graph(let g)? = attribute(name) else {
            throw .invalidAttribute(node: label, attribute: name, reason: "a graph is required")
        }
        return g
    }

    public func tensorAttribute(_ name: String) throws(InterpreterError) -> NDArray? {
        guard case .tensor(let t)? = attribute(name) else { return nil }
        return try NDArray(tensor: t)
    }

    // MARK: Errors

    public func unsupported(_ type: DataType) -> InterpreterError {
        .unsupportedType(op: node.opType, node: label, type: type.name)
    }

    public func invalid(_ reason: String) -> InterpreterError {
        .invalidInput(node: label, reason: reason)
    }
}

/// A kernel: computes a node's outputs from a call.
public typealias Kernel = @Sendable (KernelCall) throws(InterpreterError) -> [RuntimeValue]

/// Kernels by op, keyed `domain::op` ("" for the default ONNX domain). A value, not a global.
public struct KernelTable: Sendable {
    public var kernels: [String: Kernel]

    public init(_ kernels: [String: Kernel] = [:]) { self.kernels = kernels }

    /// Adds every entry of `family` (default-domain op names unless they contain "::").
    public mutating func add(_ family: [String: Kernel]) {
        for (k, v) in family { kernels[k.contains("::") ? k : "::" + k] = v }
    }

    public func kernel(domain: String, op: String) -> Kernel? { kernels["\(domain)::\(op)"] }

    /// Whether a kernel exists for the op.
    public func supports(domain: String, op: String) -> Bool { kernel(domain: domain, op: op) != nil }
}
