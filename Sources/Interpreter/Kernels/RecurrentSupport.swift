import COpenBLAS
import Foundation
import ModelIR

// MARK: Activations

/// An RNN activation function with its alpha/beta parameters.
struct RecurrentActivation: Sendable {
    enum Kind: Sendable { case relu, tanh, sigmoid, affine, leakyRelu, thresholdedRelu, scaledTanh, hardSigmoid, elu, softsign, softplus }
    let kind: Kind
    let alpha: Float
    let beta: Float

    /// Parses `name` (case-insensitive), taking alpha/beta from the iterators when the function uses them.
    init?(name: String, alphas: inout IndexingIterator<[Float]>, betas: inout IndexingIterator<[Float]>) {
        let table: [String: (Kind, Float?, Float?)] = [
            "relu": (.relu, nil, nil), "tanh": (.tanh, nil, nil), "sigmoid": (.sigmoid, nil, nil),
            "affine": (.affine, 1, 0), "leakyrelu": (.leakyRelu, 0.01, nil), "thresholdedrelu": (.thresholdedRelu, 1, nil),
            "scaledtanh": (.scaledTanh, 1, 1), "hardsigmoid": (.hardSigmoid, 0.2, 0.5), "elu": (.elu, 1, nil),
            "softsign": (.softsign, nil, nil), "softplus": (.softplus, nil, nil),
        ]
        guard let (kind, alphaDefault, betaDefault) = table[name.lowercased()] else { return nil }
        self.kind = kind
        self.alpha = alphaDefault.map { alphas.next() ?? $0 } ?? 0
        self.beta = betaDefault.map { betas.next() ?? $0 } ?? 0
    }

    /// Applies the function in place.
    func apply(_ v: UnsafeMutableBufferPointer<Float>) {
        switch kind {
        case .relu: for i in v.indices { v[i] = max(v[i], 0) }
        case .tanh: if let p = v.baseAddress { VectorMath.tanh(p, p, v.count) }
        case .sigmoid: if let p = v.baseAddress { VectorMath.sigmoid(p, p, v.count) }
        case .affine: for i in v.indices { v[i] = alpha * v[i] + beta }
        case .leakyRelu: for i in v.indices where v[i] < 0 { v[i] *= alpha }
        case .thresholdedRelu: for i in v.indices where v[i] < alpha { v[i] = 0 }
        case .scaledTanh: for i in v.indices { v[i] = alpha * tanhf(beta * v[i]) }
        case .hardSigmoid: for i in v.indices { v[i] = min(max(alpha * v[i] + beta, 0), 1) }
        case .elu: for i in v.indices where v[i] < 0 { v[i] = alpha * (expf(v[i]) - 1) }
        case .softsign: for i in v.indices { v[i] = v[i] / (1 + abs(v[i])) }
        case .softplus: for i in v.indices { v[i] = v[i] > 20 ? v[i] : log1pf(expf(v[i])) }
        }
    }
}

// MARK: Matrix products

enum RecurrentMath {
    /// C[m×n] (+)= A[m×k] · B[n×k]ᵀ, all row-major.
    static func gemmTransposedB(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                                m: Int, n: Int, k: Int, accumulate: Bool) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if !accumulate { c.update(repeating: 0, count: m * n) }
            return
        }
        Float.gemm(transA: false, transB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k,
                   beta: accumulate ? 1 : 0, c: c, ldc: n)
    }
}

// MARK: Inputs shared by RNN, GRU and LSTM

/// The decoded inputs and attributes of a recurrent op, in time-major layout.
struct RecurrentProblem {
    let seqLength: Int, batch: Int, inputSize: Int, hidden: Int, directions: Int, gates: Int
    /// True when the only direction runs backward ("reverse").
    let reverseOnly: Bool
    /// X as [seq, batch, input].
    let x: [Float]
    /// W as [dir, gates*hidden, input], R as [dir, gates*hidden, hidden], B as [dir, 2*gates*hidden].
    let w: [Float], r: [Float], b: [Float]
    /// Valid steps per batch entry.
    let lengths: [Int]
    let clip: Float?
    /// `activationsPerDirection` functions for each direction.
    let activations: [[RecurrentActivation]]
    let batchMajor: Bool
    let dataType: DataType

    /// Reads inputs X, W, R, B, sequence_lens and the common attributes.
    init(_ call: KernelCall, gates: Int, defaultActivations: [String]) throws(InterpreterError) {
        let xIn = try call.tensor(0), wIn = try call.tensor(1), rIn = try call.tensor(2)
        guard [.float, .double, .float16, .bfloat16].contains(xIn.dataType) else { throw call.unsupported(xIn.dataType) }
        dataType = xIn.dataType
        batchMajor = call.int("layout", default: 0) == 1
        guard xIn.rank == 3, wIn.rank == 3, rIn.rank == 3 else { throw call.invalid("X, W and R must have rank 3") }
        seqLength = batchMajor ? xIn.shape[1] : xIn.shape[0]
        batch = batchMajor ? xIn.shape[0] : xIn.shape[1]
        inputSize = xIn.shape[2]
        directions = wIn.shape[0]
        hidden = call.int("hidden_size") ?? rIn.shape[2]
        self.gates = gates
        let direction = call.string("direction", default: "forward")
        guard ["forward", "reverse", "bidirectional"].contains(direction), directions == (direction == "bidirectional" ? 2 : 1) else {
            throw .invalidAttribute(node: call.label, attribute: "direction", reason: "'\(direction)' does not match W's \(directions) directions")
        }
        reverseOnly = direction == "reverse"
        guard wIn.shape == [directions, gates * hidden, inputSize], rIn.shape == [directions, gates * hidden, hidden] else {
            throw call.invalid("W \(wIn.shape) or R \(rIn.shape) do not match hidden_size \(hidden) and input size \(inputSize)")
        }
        x = batchMajor ? RecurrentProblem.swapLeadingAxes(xIn.floats, batch, seqLength, inputSize) : xIn.floats
        w = wIn.floats
        r = rIn.floats
        if let bIn = call.optionalTensor(3) {
            guard bIn.shape == [directions, 2 * gates * hidden] else { throw call.invalid("B has shape \(bIn.shape)") }
            b = bIn.floats
        } else {
            b = Array(repeating: 0, count: directions * 2 * gates * hidden)
        }
        if let lens = call.optionalTensor(4) {
            let given = lens.ints, steps = seqLength
            guard given.count == batch, given.allSatisfy({ $0 >= 0 && $0 <= steps }) else {
                throw call.invalid("sequence_lens \(given) must hold one length in 0...\(steps) per batch entry")
            }
            lengths = given
        } else {
            lengths = Array(repeating: seqLength, count: batch)
        }
        if case .float(let c)? = call.attribute("clip") { clip = c } else { clip = nil }
        activations = try RecurrentProblem.activations(call, defaults: defaultActivations, directions: directions)
    }

    /// The activation functions per direction, from `activations`/`activation_alpha`/`activation_beta`.
    static func activations(_ call: KernelCall, defaults: [String], directions: Int) throws(InterpreterError) -> [[RecurrentActivation]] {
        var names = call.strings("activations") ?? []
        if names.isEmpty { names = Array([[String]](repeating: defaults, count: directions).joined()) }
        if names.count == defaults.count && directions == 2 { names += names }
        guard names.count == defaults.count * directions else {
            throw .invalidAttribute(node: call.label, attribute: "activations", reason: "expected \(defaults.count * directions) names, got \(names.count)")
        }
        var alphas = (call.floats("activation_alpha") ?? []).makeIterator()
        var betas = (call.floats("activation_beta") ?? []).makeIterator()
        var parsed: [RecurrentActivation] = []
        for name in names {
            guard let a = RecurrentActivation(name: name, alphas: &alphas, betas: &betas) else {
                throw .invalidAttribute(node: call.label, attribute: "activations", reason: "unknown activation '\(name)'")
            }
            parsed.append(a)
        }
        return (0..<directions).map { Array(parsed[($0 * defaults.count)..<(($0 + 1) * defaults.count)]) }
    }

    /// An initial state input ([dir, batch, hidden], or [batch, dir, hidden] batch-major) in
    /// direction-major order; zeros when absent.
    func initialState(_ call: KernelCall, _ index: Int) throws(InterpreterError) -> [Float] {
        guard let t = call.optionalTensor(index) else { return Array(repeating: 0, count: directions * batch * hidden) }
        let expected = batchMajor ? [batch, directions, hidden] : [directions, batch, hidden]
        guard t.shape == expected else { throw call.invalid("initial state input \(index) has shape \(t.shape), expected \(expected)") }
        return batchMajor ? RecurrentProblem.swapLeadingAxes(t.floats, batch, directions, hidden) : t.floats
    }

    /// Whether direction `d` runs backward in time.
    func isReverse(_ d: Int) -> Bool { reverseOnly || d == 1 }

    /// The time index that batch row `row` processes at step `k` of direction `d`, or nil past its length.
    @inline(__always) func time(step k: Int, row: Int, direction d: Int) -> Int? {
        let n = lengths[row]
        guard k < n else { return nil }
        return isReverse(d) ? n - 1 - k : k
    }

    /// X·Wᵀ for every time step of direction `d`: [seq*batch, gates*hidden].
    func inputProjection(direction d: Int) -> [Float] {
        let rows = seqLength * batch, cols = gates * hidden
        var out = [Float](repeating: 0, count: rows * cols)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    guard let xb = xp.baseAddress, let wb = wp.baseAddress, let ob = op.baseAddress else { return }
                    RecurrentMath.gemmTransposedB(xb, wb + d * cols * inputSize, ob, m: rows, n: cols, k: inputSize, accumulate: false)
                }
            }
        }
        return out
    }

    /// Clips pre-activations to [-clip, clip] when the attribute is set.
    @inline(__always) func clipped(_ v: UnsafeMutableBufferPointer<Float>) {
        guard let c = clip else { return }
        for i in v.indices { v[i] = min(max(v[i], -c), c) }
    }

    // MARK: Outputs

    /// Y from [seq, dir, batch, hidden] storage, transposed to [batch, seq, dir, hidden] when batch-major.
    func outputY(_ y: [Float]) -> RuntimeValue {
        if !batchMajor { return .tensor(array(y, shape: [seqLength, directions, batch, hidden])) }
        var out = [Float](repeating: 0, count: y.count)
        for t in 0..<seqLength {
            for d in 0..<directions {
                for n in 0..<batch {
                    let src = ((t * directions + d) * batch + n) * hidden
                    let dst = ((n * seqLength + t) * directions + d) * hidden
                    for h in 0..<hidden { out[dst + h] = y[src + h] }
                }
            }
        }
        return .tensor(array(out, shape: [batch, seqLength, directions, hidden]))
    }

    /// A final state from [dir, batch, hidden] storage ([batch, dir, hidden] when batch-major).
    func outputState(_ s: [Float]) -> RuntimeValue {
        if !batchMajor { return .tensor(array(s, shape: [directions, batch, hidden])) }
        return .tensor(array(RecurrentProblem.swapLeadingAxes(s, directions, batch, hidden), shape: [batch, directions, hidden]))
    }

    /// An array of the op's dtype holding `values`.
    func array(_ values: [Float], shape: [Int]) -> NDArray {
        dataType == .float ? NDArray(shape: shape, floats: values) : NDArray(dataType: dataType, shape: shape, doubles: values.map(Double.init))
    }

    /// [a, b, c] → [b, a, c].
    static func swapLeadingAxes(_ v: [Float], _ a: Int, _ b: Int, _ c: Int) -> [Float] {
        var out = [Float](repeating: 0, count: v.count)
        for i in 0..<a {
            for j in 0..<b {
                let src = (i * b + j) * c, dst = (j * a + i) * c
                for k in 0..<c { out[dst + k] = v[src + k] }
            }
        }
        return out
    }
}
