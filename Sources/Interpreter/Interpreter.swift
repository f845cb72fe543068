import Foundation
import ModelIR

/// Runs an IR model on given inputs with the reference kernels.
public struct Interpreter: Sendable {
    /// Everything a run needs, shared (by reference) with the closures kernels receive.
    private let engine: Engine

    public var model: Model { engine.model }
    public var kernels: KernelTable { engine.kernels }

    /// An interpreter for `model`; nodes whose inputs are all constant are evaluated here, once.
    public init(model: Model, kernels: KernelTable = .standard) {
        _ = BLASThreads.configured
        engine = Engine(model: model, kernels: kernels)
    }

    /// Whether runs that keep no intermediates compute this float16 graph in Float (`HalfPromotion`).
    public var promotesFloat16: Bool { engine.promotesFloat16 }

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

    /// Runs the main graph. Inputs not given fall back to an initializer of the same name; with
    /// `profile`, the time of every op is added to it.
    public func run(inputs: [String: RuntimeValue], keepIntermediates: Bool = false,
                    profile: OpProfile? = nil) throws(InterpreterError) -> RunResult {
        try engine.run(inputs: inputs, keepIntermediates: keepIntermediates, state: RunState(profile: profile))
    }
}

/// The interpreter's state and execution: a class, so that the subgraph runner each kernel call
/// carries captures one reference rather than a copy of the model.
final class Engine: Sendable {
    let model: Model
    let kernels: KernelTable
    /// What every kernel call shares: each value's declared quantization and element type (all
    /// graphs), and the graphs called by index.
    private let environment: KernelCall.Environment
    /// The main graph, prepared once: decoded initializers, folded constants, kernel lookups.
    private let prepared: PreparedGraph
    /// The subgraphs kernels run, prepared once.
    private let subgraphs: PreparedSubgraphs

    init(model: Model, kernels: KernelTable) {
        self.model = model
        self.kernels = kernels
        var q: [String: QuantParams] = [:], types: [String: DataType] = [:]
        for g in [model.graph] + model.subgraphs {
            for v in g.valueInfos + g.inputs + g.outputs {
                if let p = v.quantization { q[v.name] = p }
                if let t = v.type?.tensorType?.elementType { types[v.name] = t }
            }
        }
        let environment = KernelCall.Environment(quantization: { [q] in q[$0] }, elementType: { [types] in types[$0] },
                                                 indexedGraphs: model.subgraphs)
        self.environment = environment
        self.prepared = PreparedGraph(model: model, kernels: kernels, environment: environment)
        self.subgraphs = PreparedSubgraphs(model: model, main: prepared.fixedConstants) { graph, outer in
            PreparedGraph(model: model, graph: graph, outer: outer, kernels: kernels, environment: environment)
        }
    }

    var promotesFloat16: Bool { prepared.half != nil }

    /// Runs the main graph (see `Interpreter.run`).
    func run(inputs: [String: RuntimeValue], keepIntermediates: Bool, state: RunState) throws(InterpreterError) -> Interpreter.RunResult {
        if let failure = prepared.failure { throw failure }
        for input in model.graph.inputs where inputs[input.name] != nil && !prepared.replaceable.contains(input.name) {
            throw .invalidModel(reason: "'\(input.name)' is an initializer of this IR version \(model.irVersion ?? 0) model, "
                                + "so a constant: it cannot be given as an input")
        }
        let names = model.graph.outputs.map(\.name)
        if !keepIntermediates, let half = prepared.half, let promoted = half.promotedInputs(inputs) {
            let outputs = try execute(half.program, inputs: promoted, outer: nil, state: state)
            return Interpreter.RunResult(outputs: zip(names, outputs).map { ($0, half.restored($1, name: $0)) },
                                         intermediates: [:], order: [])
        }
        if !keepIntermediates, let fastProgram = prepared.program {
            let outputs = try execute(fastProgram, inputs: inputs, outer: nil, state: state)
            return Interpreter.RunResult(outputs: zip(names, outputs).map { ($0, $1) }, intermediates: [:], order: [])
        }
        let scope = Scope(parent: nil, constants: prepared.constants, state: state)
        let trace = keepIntermediates ? Trace() : nil
        let outputs = try execute(keepIntermediates ? prepared.steps : prepared.fastSteps, of: model.graph,
                                  scope: scope, bindInputs: inputs, trace: trace)
        return Interpreter.RunResult(
            outputs: zip(names, outputs).map { ($0, $1) },
            intermediates: trace.map { _ in scope.constants.merging(scope.values) { $1 } } ?? [:],
            order: trace?.order ?? [])
    }

    // MARK: Execution

    /// Runs a slot program on `inputs` and returns the graph's outputs; `outer` is the enclosing
    /// graph's scope when the program is a subgraph's.
    private func execute(_ program: SlotProgram, inputs: [String: RuntimeValue], outer: Scope?,
                         state: RunState) throws(InterpreterError) -> [RuntimeValue] {
        var values = program.initial
        if let outer { for (name, slot) in program.free { values[slot] = outer.lookup(name) } }
        for (name, slot) in program.inputs {
            if let v = inputs[name] { values[slot] = v } else if values[slot] == nil { throw .missingGraphInput(name: name) }
        }
        let noSubgraphs: @Sendable (Graph, [RuntimeValue]) throws(InterpreterError) -> [RuntimeValue] = { _, _ throws(InterpreterError) in
            throw .invalidModel(reason: "a kernel asked for a subgraph its node does not hold")
        }
        for instruction in program.instructions {
            let site = instruction.site
            var args: [RuntimeValue?] = []
            args.reserveCapacity(instruction.inputs.count)
            for slot in instruction.inputs {
                guard slot >= 0 else { args.append(nil); continue }
                guard let v = values[slot] else { throw .missingInput(node: site.node.label, value: program.names[slot]) }
                args.append(v)
            }
            var scope: Scope? = nil
            if instruction.hasSubgraphs {
                // The node's subgraphs see this graph's values by name: hand them over in a scope.
                let s = Scope(parent: outer, state: state)
                for (name, slot) in instruction.captures { if let v = values[slot] { s.values[name] = v } }
                scope = s
            }
            func perform() throws(InterpreterError) -> [RuntimeValue] {
                guard let kernel = instruction.kernel else { return try callFunction(site.node, inputs: args, state: state) }
                if let scope { return try invoke(kernel, site: site, inputs: args, scope: scope) }
                return try invoke(kernel, site: site, inputs: args, state: state, runSubgraph: noSubgraphs)
            }
            var outputs = try state.timed(site.node.opType, perform)
            if instruction.roundsToHalf, !outputs.isEmpty { HalfPromotion.round(&outputs[0]) }
            for (slot, value) in zip(instruction.outputs, outputs) where slot >= 0 { values[slot] = value }
            for slot in instruction.releases { values[slot] = nil }
        }
        var result: [RuntimeValue] = []
        result.reserveCapacity(program.outputs.count)
        for (name, slot) in program.outputs {
            guard let v = values[slot] else { throw .invalidModel(reason: "graph output '\(name)' was not computed") }
            result.append(v)
        }
        return result
    }

    /// Runs prepared `steps` of `graph` in `scope` and returns the graph's outputs.
    private func execute(_ steps: [PreparedGraph.Step], of graph: Graph, scope: Scope, bindInputs: [String: RuntimeValue],
                         trace: Trace?) throws(InterpreterError) -> [RuntimeValue] {
        try bind(graph.inputs, from: bindInputs, in: scope)
        for step in steps {
            let node = step.node
            if step.isFolded {
                // Its outputs are in `scope.constants`; only the trace needs their names.
                if let trace { for name in node.outputs where !name.isEmpty { trace.order.append(name) } }
                continue
            }
            let inputs = try inputValues(of: node, in: scope)
            func perform() throws(InterpreterError) -> [RuntimeValue] {
                guard let kernel = step.kernel else { return try callFunction(node, inputs: inputs, state: scope.state) }
                return try invoke(kernel, site: step.site, inputs: inputs, scope: scope)
            }
            var outputs = try scope.state.timed(node.opType, perform)
            if step.roundsToHalf, !outputs.isEmpty { HalfPromotion.round(&outputs[0]) }
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty {
                scope.values[name] = value
                trace?.order.append(name)
            }
            if trace == nil { for name in step.releases { scope.values[name] = nil } }
        }
        return try collectOutputs(of: graph, in: scope)
    }

    /// Runs a subgraph or function-free graph in `scope` (whose parent is the enclosing graph's scope).
    func execute(_ graph: Graph, scope: Scope, bindInputs: [String: RuntimeValue]) throws(InterpreterError) -> [RuntimeValue] {
        for t in graph.initializers {
            guard let name = t.name else { continue }
            scope.values[name] = .tensor(try NDArray(tensor: t))
        }
        try bind(graph.inputs, from: bindInputs, in: scope)
        for node in graph.nodes {
            let outputs = try run(node, scope: scope)
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty { scope.values[name] = value }
        }
        return try collectOutputs(of: graph, in: scope)
    }

    /// Binds the given graph inputs; an input not given must already have a value (an initializer).
    private func bind(_ inputs: [ValueInfo], from given: [String: RuntimeValue], in scope: Scope) throws(InterpreterError) {
        for input in inputs {
            if let v = given[input.name] {
                scope.values[input.name] = v
            } else if scope.values[input.name] == nil && scope.constants[input.name] == nil {
                throw .missingGraphInput(name: input.name)
            }
        }
    }

    /// The values of `graph`'s outputs.
    private func collectOutputs(of graph: Graph, in scope: Scope) throws(InterpreterError) -> [RuntimeValue] {
        var result: [RuntimeValue] = []
        result.reserveCapacity(graph.outputs.count)
        for output in graph.outputs {
            guard let v = scope.lookup(output.name) else {
                throw .invalidModel(reason: "graph output '\(output.name)' was not computed")
            }
            result.append(v)
        }
        return result
    }

    /// The values `node` reads (nil for omitted optional inputs).
    private func inputValues(of node: Node, in scope: Scope) throws(InterpreterError) -> [RuntimeValue?] {
        var inputs: [RuntimeValue?] = []
        inputs.reserveCapacity(node.inputs.count)
        for name in node.inputs {
            if name.isEmpty { inputs.append(nil); continue }
            guard let v = scope.lookup(name) else { throw .missingInput(node: node.label, value: name) }
            inputs.append(v)
        }
        return inputs
    }

    /// Evaluates one node: a kernel, or the body of a model-local function.
    func run(_ node: Node, scope: Scope) throws(InterpreterError) -> [RuntimeValue] {
        let inputs = try inputValues(of: node, in: scope)
        let domain = node.normalizedDomain
        if let kernel = kernels.kernel(domain: domain, op: node.opType) {
            let opset = Int(model.opsetVersion(for: domain) ?? (domain.isEmpty ? 21 : 1))
            return try invoke(kernel, site: KernelCall.Site(node: node, opset: opset, environment: environment), inputs: inputs, scope: scope)
        }
        return try callFunction(node, inputs: inputs, state: scope.state)
    }

    /// Runs `kernel` on the node of `site` and checks it produced enough outputs.
    private func invoke(_ kernel: Kernel, site: KernelCall.Site, inputs: [RuntimeValue?], scope: Scope) throws(InterpreterError) -> [RuntimeValue] {
        try invoke(kernel, site: site, inputs: inputs, state: scope.state) { graph, subInputs throws(InterpreterError) in
            try self.runSubgraph(graph, inputs: subInputs, outer: scope)
        }
    }

    /// Runs `kernel` on the node of `site` with the given run state and subgraph runner.
    private func invoke(_ kernel: Kernel, site: KernelCall.Site, inputs: [RuntimeValue?], state: RunState,
                        runSubgraph: @escaping @Sendable (Graph, [RuntimeValue]) throws(InterpreterError) -> [RuntimeValue]) throws(InterpreterError) -> [RuntimeValue] {
        let outputs = try kernel(KernelCall(site: site, inputs: inputs, runSubgraph: runSubgraph, state: state))
        guard outputs.count >= site.node.outputs.count || outputs.count >= site.node.outputs.filter({ !$0.isEmpty }).count else {
            let node = site.node
            throw .invalidModel(reason: "kernel for \(node.opType) returned \(outputs.count) outputs, node '\(node.label)' expects \(node.outputs.count)")
        }
        return outputs
    }

    /// Runs the model-local function `node` calls.
    private func callFunction(_ node: Node, inputs: [RuntimeValue?], state: RunState) throws(InterpreterError) -> [RuntimeValue] {
        let domain = node.normalizedDomain
        if let function = model.functions.first(where: { ($0.domain ?? "") == domain && $0.name == node.opType }) {
            return try call(function, node: node, inputs: inputs, state: state)
        }
        throw .unsupportedOp(op: node.opType, domain: domain, node: node.label)
    }

    /// Runs a subgraph (If/Loop/Scan body): its inputs are bound positionally, the outer scope is visible.
    func runSubgraph(_ graph: Graph, inputs: [RuntimeValue], outer: Scope) throws(InterpreterError) -> [RuntimeValue] {
        var given: [String: RuntimeValue] = [:]
        for (info, value) in zip(graph.inputs, inputs) { given[info.name] = value }
        if let plan = subgraphs.plan(for: graph) {
            if let failure = plan.failure { throw failure }
            if let program = plan.program { return try execute(program, inputs: given, outer: outer, state: outer.state) }
            let scope = Scope(parent: outer, constants: plan.constants)
            return try execute(plan.steps, of: graph, scope: scope, bindInputs: given, trace: nil)
        }
        return try execute(graph, scope: Scope(parent: outer), bindInputs: given)
    }

    /// Inlines a model-local function: binds inputs, resolves attribute references, runs the body.
    func call(_ function: Function, node: Node, inputs: [RuntimeValue?], state: RunState) throws(InterpreterError) -> [RuntimeValue] {
        let scope = Scope(parent: nil, state: state)
        for (name, value) in zip(function.inputs, inputs) where !name.isEmpty {
            if let value { scope.values[name] = value }
        }
        for inner in function.body(calledBy: node) {
            let outputs = try run(inner, scope: scope)
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
    /// Values fixed before the run (the main graph's initializers and folded constants); `values` shadow them.
    let constants: [String: RuntimeValue]
    let parent: Scope?
    /// State shared by every kernel of one run (inherited from the parent scope).
    let state: RunState

    init(parent: Scope?, constants: [String: RuntimeValue] = [:], state: RunState? = nil) {
        self.parent = parent
        self.constants = constants
        self.state = state ?? parent?.state ?? RunState()
    }

    func lookup(_ name: String) -> RuntimeValue? { values[name] ?? constants[name] ?? parent?.lookup(name) }
}

/// Records the order values were computed in.
final class Trace {
    var order: [String] = []
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
    /// Where op times go, when the run is profiled.
    let profile: OpProfile?

    public init() { profile = nil }

    init(profile: OpProfile?) { self.profile = profile }

    /// Runs one op's `body`, adding its time under `op` when the run is profiled.
    func timed<T>(_ op: String, _ body: () throws(InterpreterError) -> T) throws(InterpreterError) -> T {
        guard let profile else { return try body() }
        return try profile.time(op, body)
    }
}
