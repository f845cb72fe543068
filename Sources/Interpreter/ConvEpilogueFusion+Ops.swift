import ModelIR

// MARK: In-place forms

extension ConvEpilogueFusion {
    /// One folded op applied to an [n, c, …] Float array in place.
    enum InPlace {
        case affine(Affine)
        case relu
        case hardSwish(HardSwish)
        /// Each element rounded to float16 (after an op that computes, in a float16 program).
        case round

        /// Whether the op's parameters fit an output of `channels` channels.
        func fits(channels: Int) -> Bool {
            if case .affine(let a) = self { return a.a.count == channels }
            return true
        }

        func apply(_ y: UnsafeMutableBufferPointer<Float>, n: Int, inner: Int) {
            switch self {
            case .affine(let a): a.apply(y, n: n, inner: inner)
            case .relu:
                let relu = ActivationKernels.Rectifier()
                for i in y.indices { y[i] = relu(y[i]) }
            case .hardSwish(let h): h.apply(y)
            case .round: HalfPromotion.round(y)
            }
        }
    }

    /// A BatchNormalization in inference mode with constant Float parameters, as the per-channel
    /// `x · a + b` its kernel computes (`NormalizationKernels.ChannelAffine`).
    struct Affine {
        let channel: NormalizationKernels.ChannelAffine<Float>
        var a: [Float] { channel.a }

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
            channel = .init(scale: params[0], bias: params[1], mean: params[2], variance: params[3], epsilon: eps)
        }

        /// `y = y · a + b` per channel, in place.
        func apply(_ y: UnsafeMutableBufferPointer<Float>, n: Int, inner: Int) {
            guard let base = y.baseAddress else { return }
            channel.apply(base, base, n: n, inner: inner)
        }
    }

    /// Hard-swish as Add(x, k) → Clip(lo, hi) → Mul(x, ·) → Div(·, d) with scalar constants: the
    /// Add, Clip, Mul and Div kernels' steps per element.
    struct HardSwish {
        let k: Float, lo: Float, hi: Float, d: Float
        /// In a float16 program: whether the Add, Mul and Div results round to float16 (their steps' marks).
        var rounds = (add: false, mul: false, div: false)

        func apply(_ y: UnsafeMutableBufferPointer<Float>) {
            let (k, lo, hi, d) = (k, lo, hi, d)
            guard rounds.add || rounds.mul || rounds.div else {
                for i in y.indices {
                    let x = y[i]
                    y[i] = (x * ActivationKernels.Clip.clamped(x + k, lo, hi)) / d
                }
                return
            }
            // With roundings between the ops: clip(x + k) in a scratch array, then y in place.
            var c = [Float](unsafeUninitializedCapacity: y.count) { buffer, n in
                for i in y.indices { buffer[i] = y[i] + k }
                n = y.count
            }
            c.withUnsafeMutableBufferPointer { c in
                if rounds.add { HalfPromotion.round(c) }
                for i in c.indices { c[i] = ActivationKernels.Clip.clamped(c[i], lo, hi) }
                for i in y.indices { y[i] = y[i] * c[i] }
            }
            if rounds.mul { HalfPromotion.round(y) }
            for i in y.indices { y[i] = y[i] / d }
            if rounds.div { HalfPromotion.round(y) }
        }
    }
}

// MARK: Matching

extension ConvEpilogueFusion {
    /// Finds the ops that may fold into a Conv step: each must be the only reader of the value it
    /// folds (no other node, subgraph or graph output reads it), and its other inputs fixed constants.
    struct Matcher {
        let steps: [PreparedGraph.Step]
        let constants: [String: RuntimeValue]
        /// How often each value is read, and which steps read it.
        private var readers: [String: [Int]] = [:]

        init(_ steps: [PreparedGraph.Step], graph: Graph, constants: [String: RuntimeValue]) {
            (self.steps, self.constants) = (steps, constants)
            for (j, step) in steps.enumerated() {
                for name in step.node.inputs + PreparedGraph.subgraphReads(step.node) where !name.isEmpty {
                    readers[name, default: []].append(j)
                }
            }
            for output in graph.outputs { readers[output.name, default: []].append(-1) }
        }

        /// The unfolded default-domain step `op` with one output that alone reads `name`.
        private func sole(_ op: String, reading name: String, after i: Int) -> Int? {
            guard let r = readers[name], r.count == 1, let j = r.first, j > i, isPlain(j, op) else { return nil }
            return j
        }

        private func isPlain(_ j: Int, _ op: String) -> Bool {
            let node = steps[j].node
            return !steps[j].isFolded && steps[j].kernel != nil && node.opType == op && node.normalizedDomain.isEmpty
                && node.outputs.count == 1 && !node.outputs[0].isEmpty
        }

        /// A fixed scalar Float constant (rank 0 or [1], so broadcasting it keeps the other operand's shape).
        private func scalar(_ name: String) -> Float? {
            guard let t = constants[name]?.tensor, t.dataType == .float, t.count == 1, t.rank <= 1 else { return nil }
            return Float.values(of: t).first
        }

        func normalization(after name: String, from i: Int) -> (Int, Affine)? {
            guard let j = sole("BatchNormalization", reading: name, after: i), steps[j].node.inputs.first == name,
                  let affine = Affine(steps[j], constants: constants) else { return nil }
            return (j, affine)
        }

        func relu(after name: String, from i: Int) -> Int? {
            guard let j = sole("Relu", reading: name, after: i), steps[j].node.inputs == [name] else { return nil }
            return j
        }

        /// Add(x, k) → Clip → Mul(x, clip) → Div(mul, d): the four steps in graph order, and their constants.
        func hardSwish(after x: String, from i: Int) -> ([Int], HardSwish)? {
            guard let r = readers[x], r.count == 2, r.allSatisfy({ $0 > i }) else { return nil }
            guard let add = r.first(where: { isPlain($0, "Add") }), let mul = r.first(where: { isPlain($0, "Mul") }) else { return nil }
            let addInputs = steps[add].node.inputs
            guard addInputs.count == 2, let kName = addInputs.first(where: { $0 != x }), addInputs.contains(x),
                  let k = scalar(kName) else { return nil }
            guard let clip = sole("Clip", reading: steps[add].node.outputs[0], after: add),
                  let (lo, hi) = clipBounds(clip), steps[clip].node.inputs.first == steps[add].node.outputs[0] else { return nil }
            let clipOut = steps[clip].node.outputs[0]
            guard Set(steps[mul].node.inputs) == [x, clipOut], steps[mul].node.inputs.count == 2,
                  readers[clipOut] == [mul], mul > clip,
                  let div = sole("Div", reading: steps[mul].node.outputs[0], after: mul),
                  steps[div].node.inputs.count == 2, steps[div].node.inputs[0] == steps[mul].node.outputs[0],
                  let d = scalar(steps[div].node.inputs[1]) else { return nil }
            let rounds = (add: steps[add].roundsToHalf, mul: steps[mul].roundsToHalf, div: steps[div].roundsToHalf)
            guard !steps[clip].roundsToHalf else { return nil }  // Clip selects; a program that rounds it is not ours
            return ([add, clip, mul, div].sorted(), HardSwish(k: k, lo: lo, hi: hi, d: d, rounds: rounds))
        }

        /// Clip's bounds: inputs from opset 11 (absent ones unbounded), attributes before.
        private func clipBounds(_ j: Int) -> (Float, Float)? {
            let node = steps[j].node
            if steps[j].opset < 11 {
                func attribute(_ name: String, _ fallback: Float) -> Float {
                    if case .float(let v)? = node.attribute(name)?.value { return v }
                    return fallback
                }
                return node.inputs.count == 1 ? (attribute("min", -.infinity), attribute("max", .infinity)) : nil
            }
            func bound(_ k: Int, _ fallback: Float) -> Float? {
                k < node.inputs.count && !node.inputs[k].isEmpty ? scalar(node.inputs[k]) : fallback
            }
            guard node.inputs.count <= 3, let lo = bound(1, -.infinity), let hi = bound(2, .infinity) else { return nil }
            return (lo, hi)
        }
    }
}
