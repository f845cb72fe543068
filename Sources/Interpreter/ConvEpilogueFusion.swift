import ModelIR

/// A Conv followed by BatchNormalization (inference), then Relu or hard-swish (Add → Clip → Mul →
/// Div, as exporters spell it), run as one step that applies them in place on the convolution's
/// Float output.
///
/// The fused step performs the same operations as the separate kernels, element by element and in
/// the same order (`x · a + b` per channel with `a` and `b` computed as the BatchNormalization
/// kernel does; `x < 0 ? 0 : x`; `(x · clip(x + k)) / d` with Clip's compare-and-selects), so
/// results are bit-for-bit the same; what goes away is an array allocation and a pass over memory
/// per folded op. Outputs that are not Float (float16, double) go through the separate kernels.
/// Only the main graph's float program uses it: runs that keep intermediates need every value, and
/// float16 programs round between the ops.
enum ConvEpilogueFusion {
    /// The ops folded into one Conv step: the steps in graph order (for other types) and their
    /// in-place Float forms.
    struct Epilogue {
        var steps: [PreparedGraph.Step] = []
        var ops: [InPlace] = []
        var names: [String] = []
        /// Whether the convolution's own output rounds to float16 first.
        var roundsConvolution: Bool { if case .round? = ops.first { true } else { false } }
    }

    /// `steps` with every fusable group replaced by one step, releases recomputed; nil when no group
    /// fuses. `constants` are the values no run can replace (`PreparedGraph.fixedConstants`).
    static func fused(_ steps: [PreparedGraph.Step], graph: Graph, constants: [String: RuntimeValue],
                      environment: KernelCall.Environment) -> [PreparedGraph.Step]? {
        let match = Matcher(steps, graph: graph, constants: constants)
        var result: [PreparedGraph.Step] = []
        var absorbed = Set<Int>(), anyFused = false
        for (i, step) in steps.enumerated() where !absorbed.contains(i) {
            guard !step.isFolded, step.node.opType == "Conv", step.node.normalizedDomain.isEmpty, let convKernel = step.kernel,
                  step.node.outputs.count == 1, let convOut = step.node.outputs.first, !convOut.isEmpty else {
                result.append(step)
                continue
            }
            // A float16 program marks the ops whose results round to float16 (`roundsToHalf`): so does the epilogue.
            var tail = convOut, epilogue = Epilogue(ops: step.roundsToHalf ? [.round] : [])
            func take(_ indices: [Int], _ op: InPlace, _ name: String) {
                for j in indices { absorbed.insert(j); epilogue.steps.append(steps[j]) }
                epilogue.ops.append(op)
                if case .hardSwish = op {} else if steps[indices[0]].roundsToHalf { epilogue.ops.append(.round) }
                epilogue.names.append(name)
                tail = steps[indices.last!].node.outputs[0]
            }
            if let (j, affine) = match.normalization(after: tail, from: i) { take([j], .affine(affine), "BatchNormalization") }
            if let j = match.relu(after: tail, from: i) {
                take([j], .relu, "Relu")
            } else if let (chain, hardSwish) = match.hardSwish(after: tail, from: i) {
                take(chain, .hardSwish(hardSwish), "HardSwish")
            }
            guard !epilogue.names.isEmpty else {
                result.append(step)
                continue
            }
            anyFused = true
            var node = step.node
            node.opType = (["Conv"] + epilogue.names).joined(separator: "+")
            node.outputs = [tail]
            let site = KernelCall.Site(node: node, opset: step.opset, environment: environment)
            result.append(PreparedGraph.Step(site: site, kernel: fusedKernel(conv: (step.site, convKernel), epilogue, fixed: match.constants),
                                             isFolded: false))
        }
        guard anyFused else { return nil }
        // Releases for the new step list: a fused step's inner values no longer exist.
        var fusedGraph = graph
        fusedGraph.nodes = result.map(\.node)
        for k in result.indices { result[k].releases = [] }
        for (name, k) in PreparedGraph.lastUses(fusedGraph) { result[k].releases.append(name) }
        return result
    }

    // MARK: The fused kernel

    /// The convolution, then the epilogue in place on a Float output, or else the folded steps'
    /// own kernels in turn.
    static func fusedKernel(conv: (KernelCall.Site, Kernel), _ epilogue: Epilogue, fixed: [String: RuntimeValue]) -> Kernel {
        { call throws(InterpreterError) in
            func subcall(_ site: KernelCall.Site, _ inputs: [RuntimeValue?]) -> KernelCall {
                KernelCall(site: site, inputs: inputs, runSubgraph: call.runSubgraph, state: call.state)
            }
            guard var value = try conv.1(subcall(conv.0, call.inputs)).first else {
                throw .invalidModel(reason: "kernel for Conv returned no output, node '\(conv.0.node.label)'")
            }
            if case .tensor(var t) = value, case .float(var y) = t.storage, t.rank >= 2,
               y.count == t.shape.reduce(1, *), epilogue.ops.allSatisfy({ $0.fits(channels: t.shape[1]) }) {
                value = .optional(nil)  // the only reference to the elements is `y` now: updated in place
                t.storage = .float([])
                let (n, inner) = (t.shape[0], t.shape[2...].reduce(1, *))
                y.withUnsafeMutableBufferPointer { buffer in
                    for op in epilogue.ops { op.apply(buffer, n: n, inner: inner) }
                }
                t.storage = .float(y)
                return [.tensor(t)]
            }
            // Other types: each folded step's kernel on the values of the chain and the constants.
            if epilogue.roundsConvolution { HalfPromotion.round(&value) }
            var local = [conv.0.node.outputs[0]: value]
            for step in epilogue.steps {
                let inputs = step.node.inputs.map { local[$0] ?? fixed[$0] }
                guard var out = try step.kernel?(subcall(step.site, inputs)).first else {
                    throw .invalidModel(reason: "kernel for \(step.node.opType) returned no output, node '\(step.node.label)'")
                }
                if step.roundsToHalf { HalfPromotion.round(&out) }
                local[step.node.outputs[0]] = out
                value = out
            }
            return [value]
        }
    }
}
