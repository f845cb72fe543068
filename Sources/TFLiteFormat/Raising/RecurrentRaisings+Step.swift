import ModelIR
import Passes

// MARK: Weights

/// The constant inputs of one LSTM node, split per direction.
struct LSTMWeights {
    let hidden: Int64
    /// Per direction: W as FULLY_CONNECTED weights [4·hidden, input].
    var input: [Tensor] = []
    /// Per direction: R as FULLY_CONNECTED weights [4·hidden, hidden].
    var recurrent: [Tensor] = []
    /// Per direction: Wb + Rb [4·hidden] (zeros without B).
    var bias: [[Float]] = []
    /// Per direction: the peephole weights i, o, f [3·hidden], nil without P.
    var peepholes: [[Float]?] = []

    init(_ ctx: RaisingContext, directions: Int, inputSize: Int64) throws(PassError) {
        let d = Int64(directions)
        let r = try Self.floats(ctx, 2, "R")
        guard let r, r.dims.count == 3, r.dims[0] == d, r.dims[1] == 4 * r.dims[2], r.dims[2] > 0 else {
            throw ctx.invalid("LSTM R must be a constant float32 tensor of dims [\(directions), 4·hidden, hidden]")
        }
        hidden = r.dims[2]
        let h = Int(hidden), width = 4 * h
        if let declared = ctx.current.intAttribute("hidden_size"), declared != hidden {
            throw ctx.invalid("LSTM hidden_size \(declared) differs from R's \(hidden)")
        }
        guard let w = try Self.floats(ctx, 1, "W"), w.dims == [d, 4 * hidden, inputSize] else {
            throw ctx.invalid("LSTM W must be a constant float32 tensor of dims [\(directions), \(4 * hidden), \(inputSize)]")
        }
        let b = try Self.floats(ctx, 3, "B")
        guard b == nil || b?.dims == [d, 8 * hidden] else { throw ctx.invalid("LSTM B must have dims [\(directions), \(8 * hidden)]") }
        let p = try Self.floats(ctx, 7, "P")
        guard p == nil || p?.dims == [d, 3 * hidden] else { throw ctx.invalid("LSTM P must have dims [\(directions), \(3 * hidden)]") }
        let perInput = width * Int(inputSize), perRecurrent = width * h
        for i in 0..<directions {
            input.append(ConstantData.floatTensor(Array(w.values[(i * perInput)..<((i + 1) * perInput)]), dims: [4 * hidden, inputSize]))
            recurrent.append(ConstantData.floatTensor(Array(r.values[(i * perRecurrent)..<((i + 1) * perRecurrent)]), dims: [4 * hidden, hidden]))
            if let b {
                let row = Array(b.values[(i * 2 * width)..<((i + 1) * 2 * width)])
                bias.append((0..<width).map { row[$0] + row[width + $0] })
            } else {
                bias.append([Float](repeating: 0, count: width))
            }
            peepholes.append(p.map { Array($0.values[(i * 3 * h)..<((i + 1) * 3 * h)]) })
        }
    }

    /// Input `i` as float32 values, nil when absent; it must be a constant.
    private static func floats(_ ctx: RaisingContext, _ i: Int, _ role: String) throws(PassError) -> (dims: [Int64], values: [Float])? {
        guard let v = try ctx.input(i) else { return nil }
        guard let t = v.constant, let values = ConstantData.floats(t) else { throw ctx.unsupported("LSTM input \(role) must be a constant float32 tensor") }
        return (t.dims, values)
    }
}

// MARK: Steps

/// Emits the ops of one LSTM direction, step by step.
struct LSTMStep {
    let ctx: RaisingContext
    /// [batch, hidden].
    let dims: [Int64]
    let inputWeights: String, recurrentWeights: String, bias: String, zeroBias: String, splitAxis: String
    /// Peephole constants for i, o, f ([hidden] each), nil without P.
    let peepholes: (i: String, o: String, f: String)?

    init(ctx: RaisingContext, weights: LSTMWeights, direction d: Int, dims: [Int64]) {
        self.ctx = ctx
        self.dims = dims
        let width = Int(4 * weights.hidden)
        inputWeights = ctx.constant("W", weights.input[d])
        recurrentWeights = ctx.constant("R", weights.recurrent[d])
        bias = ctx.floats("bias", weights.bias[d])
        zeroBias = ctx.floats("no_bias", [Float](repeating: 0, count: width))
        splitAxis = ctx.int32s("axis", [1], shape: [])
        if let p = weights.peepholes[d] {
            let h = Int(weights.hidden)
            peepholes = (ctx.floats("peephole_i", Array(p[0..<h])), ctx.floats("peephole_o", Array(p[h..<(2 * h)])),
                         ctx.floats("peephole_f", Array(p[(2 * h)...])))
        } else {
            peepholes = nil
        }
    }

    /// Xₜ·Wᵀ + b of every step ([batch, 4·hidden] each): one FULLY_CONNECTED, then UNPACK by step.
    func project(_ input: String, steps: Int64, batchFirst: Bool) -> [String] {
        let (batch, width) = (dims[0], 4 * dims[1])
        let all = ctx.temporary("projected", [steps * batch, width], .float)
        ctx.emit("FULLY_CONNECTED", [input, inputWeights, bias], [all], options: "FullyConnectedOptions",
                 ["fused_activation_function": .int(0), "weights_format": .int(0), "keep_num_dims": .int(0)])
        if steps == 1 { return [all] }
        let shape = batchFirst ? [batch, steps, width] : [steps, batch, width]
        let grouped = ctx.temporary("projected", shape, .float)
        ctx.reshape(all, to: shape, into: grouped)
        let parts = (0..<steps).map { ctx.temporary("projected_step\($0)", [batch, width], .float) }
        ctx.emit("UNPACK", [grouped], parts, options: "UnpackOptions", ["num": .int(steps), "axis": .int(batchFirst ? 1 : 0)])
        return parts
    }

    /// One step from the projected input and the previous state (nil: zeros); returns (Hₜ, Cₜ).
    func run(_ projected: String, hidden previous: String?, cell: String?) -> (hidden: String, cell: String) {
        let width = [dims[0], 4 * dims[1]]
        var gates = projected
        if let previous {
            let recurrent = ctx.temporary("recurrent", width, .float)
            ctx.emit("FULLY_CONNECTED", [previous, recurrentWeights, zeroBias], [recurrent], options: "FullyConnectedOptions",
                     ["fused_activation_function": .int(0), "weights_format": .int(0), "keep_num_dims": .int(0)])
            gates = binary("ADD", projected, recurrent, "gates", dims: width)
        }
        let parts = ["gate_i", "gate_o", "gate_f", "gate_c"].map { ctx.temporary($0, dims, .float) }
        ctx.emit("SPLIT", [splitAxis, gates], parts, options: "SplitOptions", ["num_splits": .int(4)])
        var (i, o, f) = (parts[0], parts[1], parts[2])
        if let p = peepholes, let cell {
            i = binary("ADD", i, binary("MUL", cell, p.i, "peephole"), "gate_i")
            f = binary("ADD", f, binary("MUL", cell, p.f, "peephole"), "gate_f")
        }
        i = unary("LOGISTIC", i, "input_gate")
        let candidate = unary("TANH", parts[3], "candidate")
        let next: String
        if let cell {
            let forget = unary("LOGISTIC", f, "forget_gate")
            next = binary("ADD", binary("MUL", forget, cell, "kept"), binary("MUL", i, candidate, "added"), "cell")
        } else {
            next = binary("MUL", i, candidate, "cell")
        }
        if let p = peepholes { o = binary("ADD", o, binary("MUL", next, p.o, "peephole"), "gate_o") }
        o = unary("LOGISTIC", o, "output_gate")
        return (binary("MUL", o, unary("TANH", next, "cell_tanh"), "hidden"), next)
    }

    private func unary(_ op: String, _ x: String, _ hint: String) -> String {
        let y = ctx.temporary(hint, dims, .float)
        ctx.emit(op, [x], [y])
        return y
    }

    private func binary(_ op: String, _ a: String, _ b: String, _ hint: String, dims shape: [Int64]? = nil) -> String {
        let y = ctx.temporary(hint, shape ?? dims, .float)
        ctx.emit(op, [a, b], [y], options: op == "ADD" ? "AddOptions" : "MulOptions", ["fused_activation_function": .int(0)])
        return y
    }
}
