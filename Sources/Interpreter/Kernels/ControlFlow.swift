import ModelIR

/// If, Loop and Scan: ops that run subgraphs.
enum ControlFlowKernels {
    static var table: [String: Kernel] {
        [
            "If": ifKernel,
            "Loop": loop,
            "Scan": scan,
        ]
    }

    // MARK: If

    /// Runs `then_branch` or `else_branch` depending on a single-element boolean condition.
    static let ifKernel: Kernel = { call throws(InterpreterError) in
        let cond = try condition(call.tensor(0), call: call)
        let branch = try call.graph(cond ? "then_branch" : "else_branch")
        return try call.runSubgraph(branch, [])
    }

    /// The truth value of a one-element tensor.
    static func condition(_ t: NDArray, call: KernelCall) throws(InterpreterError) -> Bool {
        guard t.count == 1 else { throw call.invalid("condition must hold exactly one element, it has shape \(t.shape)") }
        if case .bool(let b) = t.storage { return b[0] }
        return t.doubles.first.map { $0 != 0 } ?? false
    }

    // MARK: Loop

    /// Generic loop with optional trip count and condition; loop-carried values may be any
    /// runtime value, scan outputs are stacked along a new leading axis.
    static let loop: Kernel = { call throws(InterpreterError) in
        let body = try call.graph("body")
        var tripLimit: Int64? = nil
        if let m = call.optionalTensor(0) {
            guard let first = m.int64s.first else { throw call.invalid("trip count M must hold one integer") }
            tripLimit = first
        }
        var cond = true
        if let c = call.optionalTensor(1) { cond = try condition(c, call: call) }
        var carried: [RuntimeValue] = []
        for i in 2..<max(2, call.inputs.count) {
            guard let v = call.inputs[i] else { throw call.invalid("loop-carried input \(i) is missing") }
            carried.append(v)
        }
        let carriedCount = carried.count
        let scanCount = body.outputs.count - 1 - carriedCount
        guard scanCount >= 0 else {
            throw call.invalid("body has \(body.outputs.count) outputs, needs at least \(1 + carriedCount)")
        }
        var scans = [[NDArray]](repeating: [], count: scanCount)
        var iteration: Int64 = 0
        while cond && (tripLimit.map { iteration < $0 } ?? true) {
            let outs = try call.runSubgraph(body, [.tensor(NDArray(shape: [], int64s: [iteration])), ControlArrays.bool(cond)] + carried)
            guard outs.count == 1 + carriedCount + scanCount, let c = outs[0].tensor else {
                throw call.invalid("body must return the condition, \(carriedCount) loop-carried values and \(scanCount) scan outputs")
            }
            cond = try condition(c, call: call)
            carried = Array(outs[1..<(1 + carriedCount)])
            for k in 0..<scanCount {
                guard let t = outs[1 + carriedCount + k].tensor else { throw call.invalid("scan output \(k) must be a tensor") }
                scans[k].append(t)
            }
            iteration += 1
        }
        var results = carried
        for k in 0..<scanCount {
            results.append(.tensor(try stacked(scans[k], axis: 0, declared: body.outputs[1 + carriedCount + k].type, call: call)))
        }
        return results
    }

    /// Stacks per-iteration tensors along a new axis; with no iterations, an empty tensor
    /// shaped from the declared body output type where known.
    static func stacked(_ parts: [NDArray], axis: Int, declared: ValueType?, call: KernelCall) throws(InterpreterError) -> NDArray {
        if parts.isEmpty {
            let tensorType = declared?.tensorType
            var shape = (tensorType?.shape ?? []).map { Int($0.fixedValue ?? 0) }
            shape.insert(0, at: min(max(axis, 0), shape.count))
            return ControlArrays.zeros(tensorType?.elementType ?? .float, shape: shape)
        }
        guard let out = ControlArrays.stack(parts, axis: axis) else {
            throw call.invalid("scan output shapes or types differ between iterations")
        }
        return out
    }

    // MARK: Scan

    /// Scan over one or more inputs (opset 8: leading batch axis and optional sequence_lens;
    /// opset 9+: configurable scan axes and directions).
    static let scan: Kernel = { call throws(InterpreterError) in
        let body = try call.graph("body")
        guard let scanInputs = call.int("num_scan_inputs"), scanInputs > 0 else {
            throw .invalidAttribute(node: call.label, attribute: "num_scan_inputs", reason: "must be a positive integer")
        }
        return call.opset < 9
            ? try scanBatched(call, body: body, scanInputs: scanInputs)
            : try scanUnbatched(call, body: body, scanInputs: scanInputs)
    }

    /// How one scan runs: which axes and directions for inputs and outputs.
    struct ScanPlan {
        var inputAxes: [Int]
        var inputReversed: [Bool]
        var outputAxes: [Int]
        var outputReversed: [Bool]
    }

    /// Opset 9+ Scan: inputs are states then scan inputs, no batch axis.
    static func scanUnbatched(_ call: KernelCall, body: Graph, scanInputs: Int) throws(InterpreterError) -> [RuntimeValue] {
        var values: [NDArray] = []
        for i in 0..<call.inputs.count { values.append(try call.tensor(i)) }
        let stateCount = values.count - scanInputs
        let outputCount = body.outputs.count - stateCount
        guard stateCount >= 0, outputCount >= 0 else { throw call.invalid("Scan has fewer inputs than num_scan_inputs") }
        let inputs = Array(values[stateCount...])
        let inAxes = call.ints("scan_input_axes") ?? Array(repeating: 0, count: scanInputs)
        let inDirs = call.ints("scan_input_directions") ?? Array(repeating: 0, count: scanInputs)
        let outAxes = call.ints("scan_output_axes") ?? Array(repeating: 0, count: outputCount)
        let outDirs = call.ints("scan_output_directions") ?? Array(repeating: 0, count: outputCount)
        guard inAxes.count == scanInputs, inDirs.count == scanInputs, outAxes.count == outputCount, outDirs.count == outputCount else {
            throw call.invalid("scan axes/directions attributes do not match the number of scan inputs or outputs")
        }
        var axes: [Int] = []
        for (j, a) in inAxes.enumerated() {
            guard let n = ControlArrays.axis(a, rank: inputs[j].rank) else { throw call.invalid("scan_input_axes[\(j)] = \(a) is out of range") }
            axes.append(n)
        }
        let plan = ScanPlan(inputAxes: axes, inputReversed: inDirs.map { $0 != 0 }, outputAxes: outAxes, outputReversed: outDirs.map { $0 != 0 })
        let (states, scans) = try runScan(call, body: body, states: Array(values[..<stateCount]), inputs: inputs, plan: plan, length: nil)
        return (states + scans).map { .tensor($0) }
    }

    /// Opset 8 Scan: an optional sequence_lens input, then states and scan inputs with a leading batch axis.
    static func scanBatched(_ call: KernelCall, body: Graph, scanInputs: Int) throws(InterpreterError) -> [RuntimeValue] {
        var values: [NDArray] = []
        for i in 1..<max(1, call.inputs.count) { values.append(try call.tensor(i)) }
        let stateCount = values.count - scanInputs
        let outputCount = body.outputs.count - stateCount
        guard stateCount >= 0, outputCount >= 0, let firstInput = values.last, firstInput.rank >= 2 else {
            throw call.invalid("Scan needs \(scanInputs) scan inputs of rank >= 2 (batch, sequence, ...)")
        }
        let batch = firstInput.shape[0]
        guard values.allSatisfy({ $0.rank >= 1 && $0.shape[0] == batch }) else { throw call.invalid("inputs disagree on the batch size") }
        let lengths = call.optionalTensor(0)?.ints
        if let lengths, lengths.count != batch { throw call.invalid("sequence_lens must hold one length per batch entry") }
        let dirs = call.ints("directions") ?? Array(repeating: 0, count: scanInputs)
        guard dirs.count == scanInputs else { throw call.invalid("directions must have one entry per scan input") }
        let plan = ScanPlan(inputAxes: Array(repeating: 0, count: scanInputs), inputReversed: dirs.map { $0 != 0 },
                            outputAxes: Array(repeating: 0, count: outputCount), outputReversed: Array(repeating: false, count: outputCount))
        let maxLength = values[stateCount...].map { $0.shape[1] }.max() ?? 0
        var perBatch: [[NDArray]] = []
        for b in 0..<batch {
            let slices = values.map { ControlArrays.take($0, axis: 0, index: b) }
            let length = lengths?[b]
            if let length, length < 0 || length > maxLength { throw call.invalid("sequence_lens[\(b)] = \(length) is out of range") }
            let (states, scans) = try runScan(call, body: body, states: Array(slices[..<stateCount]), inputs: Array(slices[stateCount...]), plan: plan, length: length)
            perBatch.append(states + scans.map { padded($0, to: maxLength) })
        }
        var results: [RuntimeValue] = []
        for k in 0..<(stateCount + outputCount) {
            let parts = perBatch.map { $0[k] }
            guard let out = batch == 0 ? nil : ControlArrays.stack(parts, axis: 0) else {
                throw call.invalid("Scan output \(k) has differing shapes across the batch")
            }
            results.append(.tensor(out))
        }
        return results
    }

    /// `a` extended with zeros along axis 0 to `length` entries.
    static func padded(_ a: NDArray, to length: Int) -> NDArray {
        guard a.rank >= 1, a.shape[0] < length else { return a }
        var shape = a.shape
        shape[0] = length - a.shape[0]
        return ControlArrays.concat([a, ControlArrays.zeros(a.dataType, shape: shape)], axis: 0) ?? a
    }

    /// Runs the scan body over `length` (default: the full scan axis) steps; returns final states and scan outputs.
    static func runScan(_ call: KernelCall, body: Graph, states initial: [NDArray], inputs: [NDArray], plan: ScanPlan,
                        length: Int?) throws(InterpreterError) -> ([NDArray], [NDArray]) {
        let lengths = zip(inputs, plan.inputAxes).map { $0.shape[$1] }
        guard let full = lengths.first, lengths.allSatisfy({ $0 == full }) else {
            throw call.invalid("scan inputs must have the same length along their scan axes, got \(lengths)")
        }
        let steps = min(length ?? full, full)
        var states = initial
        let outputCount = body.outputs.count - states.count
        var scans = [[NDArray]](repeating: [], count: outputCount)
        for t in 0..<steps {
            var args = states.map { RuntimeValue.tensor($0) }
            for (j, x) in inputs.enumerated() {
                let index = plan.inputReversed[j] ? steps - 1 - t : t
                args.append(.tensor(ControlArrays.take(x, axis: plan.inputAxes[j], index: index)))
            }
            let outs = try call.runSubgraph(body, args)
            guard outs.count == states.count + outputCount else { throw call.invalid("Scan body returned \(outs.count) values") }
            var tensors: [NDArray] = []
            for o in outs {
                guard let t = o.tensor else { throw call.invalid("Scan body outputs must be tensors") }
                tensors.append(t)
            }
            states = Array(tensors[..<states.count])
            for k in 0..<outputCount { scans[k].append(tensors[states.count + k]) }
        }
        var outputs: [NDArray] = []
        for k in 0..<outputCount {
            let parts = plan.outputReversed[k] ? scans[k].reversed() : scans[k]
            let elementRank = parts.first?.rank ?? (body.outputs[states.count + k].type?.tensorType?.shape?.count ?? 0)
            guard let axis = ControlArrays.axis(plan.outputAxes[k], rank: elementRank + 1) else {
                throw call.invalid("scan_output_axes[\(k)] = \(plan.outputAxes[k]) is out of range")
            }
            outputs.append(try stacked(parts, axis: axis, declared: body.outputs[states.count + k].type, call: call))
        }
        return (states, outputs)
    }
}
