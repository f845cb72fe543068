import Foundation
import ModelIR

/// Runs an IR model on given inputs with the reference kernels.
public struct Interpreter: Sendable {
    public let model: Model
    public let kernels: KernelTable
    /// Quantization of every value that declares it, by name (all graphs).
    let quantization: [String: QuantParams]
    /// The main graph's initializers, decoded once.
    private let constants: ConstantCache
    /// Declared element type of every tensor value that has one, by name (all graphs).
    let elementTypes: [String: DataType]

    public init(model: Model, kernels: KernelTable = .standard) {
        self.model = model
        self.kernels = kernels
        var q: [String: QuantParams] = [:]
        var types: [String: DataType] = [:]
        for g in [model.graph] + model.subgraphs {
            for v in g.valueInfos + g.inputs + g.outputs {
                if let p = v.quantization { q[v.name] = p }
                if let t = v.type?.tensorType?.elementType { types[v.name] = t }
            }
        }
        self.quantization = q
        self.constants = ConstantCache()
        self.elementTypes = types
    }

    /// Whether every node of the model (all graphs) has a kernel in `kernels`.
    public static func canRun(_ model: Model, kernels: KernelTable = .standard) -> Bool {
        ([model.graph] + model.subgraphs).allSatisfy { g in
            g.nodes.allSatisfy { kernels.supports(domain: $0.normalizedDomain, op: $0.opType) }
        }
    }

    /// The outputs of a run, and every intermediate value when asked for.
    public struct RunResult: Sendable {
        /// Graph outputs in declaration order.
        public var outputs: [(name: String, value: RuntimeValue)]
        /// Every value the main graph computed, by name (only with `keepIntermediates`).
        public var intermediates: [String: RuntimeValue]
        /// Node outputs in the order they were computed (only with `keepIntermediates`).
        public var order: [String]

        public func output(_ name: String) -> RuntimeValue? { outputs.first { $0.name == name }?.value }
    }

    /// Runs the main graph. Inputs not given fall back to an initializer of the same name.
    public func run(inputs: [String: RuntimeValue], keepIntermediates: Bool = false) throws(InterpreterError) -> RunResult {
        let scope = Scope(parent: nil)
        let trace = keepIntermediates ? Trace() : nil
        let outputs = try execute(model.graph, scope: scope, bindInputs: inputs, trace: trace, isMain: true)
        return RunResult(
            outputs: zip(model.graph.outputs.map(\.name), outputs).map { ($0, $1) },
            intermediates: trace.map { _ in scope.values } ?? [:],
            order: trace?.order ?? [])
    }

    // MARK: Execution

    /// Runs `graph` in `scope` (whose parent is the enclosing graph's scope) and returns its outputs.
    func execute(_ graph: Graph, scope: Scope, bindInputs: [String: RuntimeValue], trace: Trace?,
                 isMain: Bool = false) throws(InterpreterError) -> [RuntimeValue] {
        if isMain {
            for (name, value) in try constants.values(of: graph) { scope.values[name] = value }
        } else {
            for t in graph.initializers {
                guard let name = t.name else { continue }
                scope.values[name] = .tensor(try NDArray(tensor: t))
            }
        }
        for input in graph.inputs {
            if let v = bindInputs[input.name] {
                scope.values[input.name] = v
            } else if scope.values[input.name] == nil {
                throw .missingGraphInput(name: input.name)
            }
        }
        for node in graph.nodes {
            let outputs = try run(node, scope: scope, functionContext: nil)
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty {
                scope.values[name] = value
                trace?.order.append(name)
            }
        }
        var result: [RuntimeValue] = []
        for output in graph.outputs {
            guard let v = scope.lookup(output.name) else {
                throw .invalidModel(reason: "graph output '\(output.name)' was not computed")
            }
            result.append(v)
        }
        return result
    }

    /// Evaluates one node: a kernel, or the body of a model-local function.
    func run(_ node: Node, scope: Scope, functionContext: Function?) throws(InterpreterError) -> [RuntimeValue] {
        var inputs: [RuntimeValue?] = []
        for name in node.inputs {
            if name.isEmpty { inputs.append(nil); continue }
            guard let v = scope.lookup(name) else { throw .missingInput(node: node.label, value: name) }
            inputs.append(v)
        }
        let domain = node.normalizedDomain
        let opset = Int(model.opsetVersion(for: domain) ?? (domain.isEmpty ? 21 : 1))
        if let kernel = kernels.kernel(domain: domain, op: node.opType) {
            var call = KernelCall(node: node, inputs: inputs, opset: opset) { graph, subInputs throws(InterpreterError) in
                try self.runSubgraph(graph, inputs: subInputs, outer: scope)
            }
            let quantization = self.quantization
            call.quantization = { quantization[$0] }
            let elementTypes = self.elementTypes
            call.elementType = { elementTypes[$0] }
            call.indexedGraphs = model.subgraphs
            call.state = scope.state
            let outputs = try kernel(call)
            guard outputs.count >= node.outputs.filter({ !$0.isEmpty }).count || outputs.count >= node.outputs.count else {
                throw .invalidModel(reason: "kernel for \(node.opType) returned \(outputs.count) outputs, node '\(node.label)' expects \(node.outputs.count)")
            }
            return outputs
        }
        if let function = model.functions.first(where: { ($0.domain ?? "") == domain && $0.name == node.opType }) {
            return try call(function, node: node, inputs: inputs, state: scope.state)
        }
        throw .unsupportedOp(op: node.opType, domain: domain, node: node.label)
    }

    /// Runs a subgraph (If/Loop/Scan body): its inputs are bound positionally, the outer scope is visible.
    func runSubgraph(_ graph: Graph, inputs: [RuntimeValue], outer: Scope) throws(InterpreterError) -> [RuntimeValue] {
        let scope = Scope(parent: outer)
        var bind: [String: RuntimeValue] = [:]
        for (info, value) in zip(graph.inputs, inputs) { bind[info.name] = value }
        return try execute(graph, scope: scope, bindInputs: bind, trace: nil)
    }

    /// Inlines a model-local function: binds inputs, resolves attribute references, runs the body.
    func call(_ function: Function, node: Node, inputs: [RuntimeValue?], state: RunState) throws(InterpreterError) -> [RuntimeValue] {
        let scope = Scope(parent: nil, state: state)
        for (name, value) in zip(function.inputs, inputs) where !name.isEmpty {
            if let value { scope.values[name] = value }
        }
        for var inner in function.nodes {
            inner.attributes = inner.attributes.compactMap { attr in
                guard let ref = attr.refAttrName else { return attr }
                if let given = node.attribute(ref) { return Attribute(name: attr.name, value: given.value) }
                if let fallback = function.attributeDefaults.first(where: { $0.name == ref }) {
                    return Attribute(name: attr.name, value: fallback.value)
                }
                return nil
            }
            let outputs = try run(inner, scope: scope, functionContext: function)
            for (name, value) in zip(inner.outputs, outputs) where !name.isEmpty { scope.values[name] = value }
        }
        var result: [RuntimeValue] = []
        for name in function.outputs {
            guard let v = scope.values[name] else {
                throw .invalidModel(reason: "function \(function.name ?? "?") did not compute its output '\(name)'")
            }
            result.append(v)
        }
        return result
    }
}

// MARK: Scope

/// Values visible while a graph runs; subgraph scopes see their parents.
final class Scope: @unchecked Sendable {
    var values: [String: RuntimeValue] = [:]
    let parent: Scope?
    /// State shared by every kernel of one run (inherited from the parent scope).
    let state: RunState

    init(parent: Scope?, state: RunState? = nil) {
        self.parent = parent
        self.state = state ?? parent?.state ?? RunState()
    }

    func lookup(_ name: String) -> RuntimeValue? { values[name] ?? parent?.lookup(name) }
}

/// Mutable state that the kernels of one run share, e.g. TFLite resource variables.
///
/// A run is sequential, so kernels read and write it without locking; a new run starts empty.
public final class RunState: @unchecked Sendable {
    /// Resource values by key (e.g. TFLite variables by resource id).
    public var resources: [String: RuntimeValue] = [:]
    /// Resource ids handed out, by resource name.
    public var resourceIds: [String: Int32] = [:]
    /// Keys of things done once per run (e.g. TFLite CALL_ONCE subgraphs).
    public var done: Set<String> = []

    public init() {}
}

/// Records the order values were computed in.
final class Trace {
    var order: [String] = []
}

/// Decoded initializers of the main graph, made on first use and reused by every run.
final class ConstantCache: @unchecked Sendable {
    private var decoded: [String: RuntimeValue]?
    private let lock = NSLock()

    func values(of graph: Graph) throws(InterpreterError) -> [String: RuntimeValue] {
        lock.lock()
        defer { lock.unlock() }
        if let decoded { return decoded }
        var out: [String: RuntimeValue] = [:]
        for t in graph.initializers {
            guard let name = t.name else { continue }
            out[name] = .tensor(try NDArray(tensor: t))
        }
        decoded = out
        return out
    }
}
