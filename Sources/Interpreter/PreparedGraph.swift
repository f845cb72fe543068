import ModelIR

/// A graph made ready once per interpreter (the main graph, and each subgraph kernels run):
/// initializers decoded, every node's kernel and opset looked up, and nodes whose inputs are all
/// constant evaluated ahead of time (constant folding, as inference runtimes do when they create a
/// session).
///
/// Folding uses the same kernels on the same values, so results are identical to evaluating those
/// nodes on every run; a node whose kernel fails is left to run (and report its error) as usual.
final class PreparedGraph: Sendable {
    /// One node of the main graph with what running it needs.
    struct Step: Sendable {
        /// The node and what its kernel calls share.
        let site: KernelCall.Site
        var node: Node { _read { yield site.node } }
        /// The node's kernel; nil when a model-local function (or nothing) implements it.
        let kernel: Kernel?
        /// The opset version of the node's domain.
        var opset: Int { site.opset }
        /// Whether the node's outputs were computed ahead of time (they are in `constants`).
        let isFolded: Bool
        /// Values no later node reads (and that are not graph outputs): a run that keeps no
        /// intermediates drops them after this node, so their memory is reused while still in cache.
        var releases: [String] = []
        /// Whether output 0 is rounded to float16 after the kernel (`HalfPromotion`).
        var roundsToHalf = false
    }

    /// Decoded initializers and folded node outputs, by name (graph inputs given to a run shadow them).
    let constants: [String: RuntimeValue]
    /// `constants` that no run can replace (not defaults of graph inputs): what fusions and the
    /// subgraphs' folding may rely on.
    let fixedConstants: [String: RuntimeValue]
    /// Graph inputs a run may give. An initializer among them is a default, so nothing prepared ahead
    /// may rely on its value; before IR version 4 every initializer is listed as an input and is a
    /// constant (as onnxruntime treats them), so a main graph of such a model has none.
    let replaceable: Set<String>

    /// The graph inputs of `graph` a run may give (see `replaceable`).
    static func replaceableInputs(of graph: Graph, in model: Model, isMain: Bool) -> Set<String> {
        let inputs = Set(graph.inputs.map(\.name))
        guard isMain, let version = model.irVersion, version < 4 else { return inputs }
        return inputs.subtracting(graph.initializers.compactMap(\.name))
    }
    /// The graph prepared.
    let graph: Graph
    /// The nodes in graph order.
    let steps: [Step]
    /// The steps of a run that keeps no intermediates: `steps` with DequantizeLinear → Conv →
    /// QuantizeLinear groups run as QLinearConv, and QDQ around MaxPool/Concat dropped (`QDQConvFusion`).
    let fastSteps: [Step]
    /// `fastSteps` run in Float when the graph computes in float16 (`HalfPromotion`).
    let half: HalfPromotion?
    /// `fastSteps` by value index (`SlotProgram`) with Conv epilogues fused (`ConvEpilogueFusion`),
    /// unless the model has graphs called by index.
    let program: SlotProgram?
    /// Why the initializers could not be decoded; reported when the graph runs.
    let failure: InterpreterError?

    /// Ops never folded: random generators, and ops whose result is not a function of their inputs
    /// and attributes alone (training-mode dropout may draw random masks).
    static let unfoldable: Set<String> = [
        "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout",
    ]

    /// Prepares `graph` of `model` (its main graph unless given); `environment` is what its kernel
    /// calls share. Only the main graph gets the fast paths and drops dead values.
    ///
    /// `outer` holds the fixed values of the enclosing graphs a subgraph sees (`PreparedSubgraphs`):
    /// nodes that read only those and constants of their own are folded too (an LSTM body slicing
    /// the main graph's weights, say); those it reads become constants of this graph.
    init(model: Model, graph subgraph: Graph? = nil, outer: [String: RuntimeValue] = [:], kernels: KernelTable,
         environment: KernelCall.Environment) {
        let graph = subgraph ?? model.graph
        let isMain = subgraph == nil
        var constants: [String: RuntimeValue] = [:]
        var failure: InterpreterError?
        for t in graph.initializers {
            guard let name = t.name else { continue }
            do { constants[name] = .tensor(try NDArray(tensor: t)) } catch { failure = failure ?? error }
        }
        // Initializers that are also graph inputs are defaults a run may replace: not constant.
        let replaceable = PreparedGraph.replaceableInputs(of: graph, in: model, isMain: isMain)
        var known = Set(constants.keys).subtracting(replaceable)
        // The enclosing graphs' fixed values this graph reads, unless it defines the name itself.
        let defined = Set(graph.inputs.map(\.name) + graph.nodes.flatMap(\.outputs)).union(constants.keys)
        for name in Set(graph.nodes.flatMap { $0.inputs + PreparedGraph.subgraphReads($0) } + graph.outputs.map(\.name))
        where !defined.contains(name) {
            if let value = outer[name] { constants[name] = value; known.insert(name) }
        }

        var steps: [Step] = []
        steps.reserveCapacity(graph.nodes.count)
        for node in graph.nodes {
            let domain = node.normalizedDomain
            let opset = Int(model.opsetVersion(for: domain) ?? (domain.isEmpty ? 21 : 1))
            let kernel = kernels.kernel(domain: domain, op: node.opType)
            let site = KernelCall.Site(node: node, opset: opset, environment: environment)
            var isFolded = false
            if failure == nil, let kernel, PreparedGraph.isFoldable(node),
               node.inputs.allSatisfy({ $0.isEmpty || known.contains($0) }) {
                let inputs = node.inputs.map { $0.isEmpty ? nil : constants[$0] }
                let call = KernelCall(site: site, inputs: inputs, runSubgraph: { _, _ throws(InterpreterError) in
                    throw .invalidModel(reason: "node '\(node.label)': subgraphs cannot run ahead of time")
                }, state: RunState())
                if let outputs = try? kernel(call),
                   outputs.count >= node.outputs.filter({ !$0.isEmpty }).count || outputs.count >= node.outputs.count {
                    isFolded = true
                    for (name, value) in zip(node.outputs, outputs) where !name.isEmpty {
                        constants[name] = value
                        known.insert(name)
                    }
                }
            }
            steps.append(Step(site: site, kernel: kernel, isFolded: isFolded))
        }
        if isMain && model.subgraphs.isEmpty {
            // (Graphs called by index may read values by name; with them, nothing is dropped.)
            for (name, i) in PreparedGraph.lastUses(graph) { steps[i].releases.append(name) }
        }
        self.constants = constants
        let fixed = constants.filter { !replaceable.contains($0.key) }
        self.fixedConstants = fixed
        self.replaceable = replaceable
        self.graph = graph
        self.steps = steps
        self.failure = failure
        let fastSteps = isMain ? PreparedGraph.fusedSteps(steps, model: model, kernels: kernels, constants: fixed,
                                                          environment: environment) ?? steps : steps
        self.fastSteps = fastSteps
        self.half = isMain && failure == nil && SlotProgram.applies(to: model)
            ? HalfPromotion(steps: fastSteps, graph: graph, constants: constants, replaceable: replaceable,
                            environment: environment) : nil
        // The float program also folds Conv epilogues (the float16 program above rounds between those ops).
        let programSteps = isMain ? ConvEpilogueFusion.fused(fastSteps, graph: graph, constants: fixed,
                                                             environment: environment) ?? fastSteps : fastSteps
        self.program = SlotProgram.applies(to: model) ? SlotProgram(steps: programSteps, graph: graph, constants: constants) : nil
    }

    /// `steps` with the QDQ groups fused (deciding on `constants`, the values no run can replace) and
    /// their value releases recomputed; nil when nothing fuses.
    static func fusedSteps(_ steps: [Step], model: Model, kernels: KernelTable, constants: [String: RuntimeValue],
                           environment: KernelCall.Environment) -> [Step]? {
        guard model.subgraphs.isEmpty,
              let entries = QDQConvFusion.fused(model.graph, constants: constants) else { return nil }
        let opset = Int(model.opsetVersion(for: "") ?? 21)
        var fast: [Step] = []
        for entry in entries {
            switch entry {
            case .original(let i):
                var step = steps[i]
                step.releases = []
                fast.append(step)
            case .fused(let node):
                guard let kernel = kernels.kernel(domain: "", op: node.opType) else { return nil }
                fast.append(Step(site: KernelCall.Site(node: node, opset: opset, environment: environment), kernel: kernel, isFolded: false))
            }
        }
        var graph = model.graph
        graph.nodes = fast.map(\.node)
        for (name, i) in PreparedGraph.lastUses(graph) { fast[i].releases.append(name) }
        return fast
    }

    /// For each value that is not a graph output, the index of the last node that reads or writes it
    /// (reads include those of the node's subgraphs, which see the enclosing graph's values).
    static func lastUses(_ graph: Graph) -> [String: Int] {
        var last: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() {
            for name in node.inputs + node.outputs + subgraphReads(node) where !name.isEmpty { last[name] = i }
        }
        for output in graph.outputs { last[output.name] = nil }
        return last
    }

    /// The value names `node`'s subgraphs (at any depth) read: their nodes' inputs and their outputs.
    static func subgraphReads(_ node: Node) -> [String] {
        let nested = node.attributes.flatMap { $0.subgraphs.flatMap { [$0] + $0.nestedGraphs } }
        return nested.flatMap { g in g.nodes.flatMap(\.inputs) + g.outputs.map(\.name) }
    }

    /// Whether `node` may be evaluated ahead of time when its inputs are constant: a default-domain
    /// op that is deterministic and holds no subgraph (subgraphs can read values of the enclosing graph).
    static func isFoldable(_ node: Node) -> Bool {
        node.normalizedDomain.isEmpty && !unfoldable.contains(node.opType)
            && !node.attributes.contains { !$0.subgraphs.isEmpty }
    }
}
