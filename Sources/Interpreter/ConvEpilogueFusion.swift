import ModelIR

/// Conv → BatchNormalization (inference) → Relu, and Conv → Relu, run as one step that applies
/// the normalization and the rectifier in place on the convolution's Float output.
///
/// The fused step performs the same operations as the separate kernels, element by element and in
/// the same order (`x · a + b` per channel with `a` and `b` computed as the BatchNormalization
/// kernel does, then `x < 0 ? 0 : x`), so results are bit-for-bit the same; what goes away is an
/// array allocation and a pass over memory per folded op. Outputs that are not Float (float16,
/// double) go through the separate kernels. Only the main graph's float program uses it: runs that
/// keep intermediates need every value, and float16 programs round between the ops.
enum ConvEpilogueFusion {
    /// `steps` with every fusable group replaced by one step, releases recomputed; nil when no group fuses.
    static func fused(_ steps: [PreparedGraph.Step], graph: Graph, constants: [String: RuntimeValue],
                      environment: KernelCall.Environment) -> [PreparedGraph.Step]? {
        let fixed = PreparedGraph.fixed(constants, of: graph)  // parameters a run cannot replace
        // How often each value is read (by nodes, subgraphs, or as a graph output), and by which step.
        var readers: [String: Int] = [:], reader: [String: Int] = [:]
        for (j, step) in steps.enumerated() {
            for name in step.node.inputs + PreparedGraph.subgraphReads(step.node) where !name.isEmpty {
                readers[name, default: 0] += 1
                reader[name] = j
            }
        }
        for output in graph.outputs { readers[output.name, default: 0] += 1 }
        /// The unfolded step that is the only reader of `name`, reading it as its first input.
        func soleReader(of name: String, from i: Int) -> Int? {
            guard readers[name] == 1, let j = reader[name], j > i, !steps[j].isFolded, steps[j].kernel != nil,
                  steps[j].node.inputs.first == name else { return nil }
            return j
        }

        var result: [PreparedGraph.Step] = []
        var absorbed = Set<Int>(), anyFused = false
        for (i, step) in steps.enumerated() where !absorbed.contains(i) {
            guard !step.isFolded, step.node.opType == "Conv", step.node.normalizedDomain.isEmpty, let convKernel = step.kernel,
                  step.node.outputs.count == 1, let convOut = step.node.outputs.first, !convOut.isEmpty else {
                result.append(step)
                continue
            }
            var tail = convOut, norm: (step: PreparedGraph.Step, affine: Affine, inputs: [RuntimeValue?])? = nil
            var relu: PreparedGraph.Step? = nil
            if let j = soleReader(of: tail, from: i), let affine = Affine(steps[j], constants: fixed) {
                norm = (steps[j], affine, steps[j].node.inputs.dropFirst().map { fixed[$0] })
                absorbed.insert(j)
                tail = steps[j].node.outputs[0]
            }
            if let j = soleReader(of: tail, from: i), isRelu(steps[j]) {
                relu = steps[j]
                absorbed.insert(j)
                tail = steps[j].node.outputs[0]
            }
            guard norm != nil || relu != nil else {
                result.append(step)
                continue
            }
            anyFused = true
            let name = (["Conv"] + (norm != nil ? ["BatchNormalization"] : []) + (relu != nil ? ["Relu"] : [])).joined(separator: "+")
            var node = step.node
            node.opType = name
            node.outputs = [tail]
            let site = KernelCall.Site(node: node, opset: step.opset, environment: environment)
            let kernel = fusedKernel(conv: (step.site, convKernel), norm: norm.map { ($0.step.site, $0.step.kernel!, $0.affine, $0.inputs) },
                                     relu: relu.map { ($0.site, $0.kernel!) })
            result.append(PreparedGraph.Step(site: site, kernel: kernel, isFolded: false))
        }
        guard anyFused else { return nil }
        // Releases for the new step list: a fused step's inner values no longer exist.
        var fusedGraph = graph
        fusedGraph.nodes = result.map(\.node)
        for k in result.indices { result[k].releases = [] }
        for (name, k) in PreparedGraph.lastUses(fusedGraph) { result[k].releases.append(name) }
        return result
    }

    // MARK: The parts

    /// A BatchNormalization in inference mode with constant Float parameters, as the per-channel
    /// `x · a + b` its kernel computes.
    struct Affine {
        let a: [Float], b: [Float]

        init?(_ step: PreparedGraph.Step, constants: [String: RuntimeValue]) {
            let node = step.node
            guard node.opType == "BatchNormalization", node.normalizedDomain.isEmpty, step.kernel != nil, step.opset >= 7,
                  node.inputs.count == 5, node.outputs.count == 1, !node.outputs[0].isEmpty,
                  (node.intAttribute("training_mode") ?? 0) == 0 else { return nil }
            var params: [[Float]] = []
            for name in node.inputs.dropFirst() {
                guard let t = constants[name]?.tensor, t.dataType == .float else { return nil }
                params.append(Float.values(of: t))
            }
            let c = params[0].count
            guard c > 0, params.allSatisfy({ $0.count == c }) else { return nil }
            var eps: Float = 1e-5
            if case .float(let e)? = node.attribute("epsilon")?.value { eps = e }
            // As NormalizationKernels.batchNorm computes them.
            let (scale, bias, mean, variance) = (params[0], params[1], params[2], params[3])
            let a = (0..<c).map { scale[$0] / (variance[$0] + eps).squareRoot() }
            (self.a, b) = (a, (0..<c).map { bias[$0] - mean[$0] * a[$0] })
        }

        /// `y = y · a + b` per channel of an [n, c, …] array, in place.
        func apply(_ y: UnsafeMutableBufferPointer<Float>, n: Int, inner: Int) {
            let c = a.count
            for ch in 0..<c {
                let (ac, bc) = (a[ch], b[ch])
                for b0 in 0..<n {
                    let base = (b0 * c + ch) * inner
                    for i in base..<(base + inner) { y[i] = y[i] * ac + bc }
                }
            }
        }
    }

    static func isRelu(_ step: PreparedGraph.Step) -> Bool {
        step.node.opType == "Relu" && step.node.normalizedDomain.isEmpty && step.node.outputs.count == 1 && !step.node.outputs[0].isEmpty
    }

    /// The fused kernel: the convolution, then the epilogue in place on Float output, or else the
    /// separate kernels in turn.
    static func fusedKernel(conv: (KernelCall.Site, Kernel), norm: (KernelCall.Site, Kernel, Affine, [RuntimeValue?])?,
                            relu: (KernelCall.Site, Kernel)?) -> Kernel {
        { call throws(InterpreterError) in
            func subcall(_ site: KernelCall.Site, _ inputs: [RuntimeValue?]) -> KernelCall {
                KernelCall(site: site, inputs: inputs, runSubgraph: call.runSubgraph, state: call.state)
            }
            guard var value = try conv.1(subcall(conv.0, call.inputs)).first else {
                throw .invalidModel(reason: "kernel for Conv returned no output, node '\(conv.0.node.label)'")
            }
            if case .tensor(var t) = value, case .float(var y) = t.storage, t.rank >= 2,
               norm.map({ t.shape[1] == $0.2.a.count && y.count == t.shape[0] * t.shape[1] * t.shape[2...].reduce(1, *) }) ?? true {
                value = .optional(nil)  // the only reference to the elements is `y` now: updated in place
                t.storage = .float([])
                let (n, inner) = (t.shape[0], t.shape[2...].reduce(1, *))
                y.withUnsafeMutableBufferPointer { buffer in
                    norm?.2.apply(buffer, n: n, inner: inner)
                    if relu != nil {
                        let zero: Float = 0
                        for i in buffer.indices { buffer[i] = buffer[i] < zero ? zero : buffer[i] }
                    }
                }
                t.storage = .float(y)
                return [.tensor(t)]
            }
            if let (site, kernel, _, parameters) = norm {
                guard let out = try kernel(subcall(site, [value] + parameters)).first else {
                    throw .invalidModel(reason: "kernel for BatchNormalization returned no output, node '\(site.node.label)'")
                }
                value = out
            }
            if let (site, kernel) = relu {
                guard let out = try kernel(subcall(site, [value])).first else {
                    throw .invalidModel(reason: "kernel for Relu returned no output, node '\(site.node.label)'")
                }
                value = out
            }
            return [value]
        }
    }
}
