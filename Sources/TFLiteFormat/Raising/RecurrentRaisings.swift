import ModelIR
import Passes

/// LSTM, unrolled over its static sequence into FULLY_CONNECTED, SPLIT, LOGISTIC, TANH, MUL and ADD.
///
/// TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM keeps its state in variable tensors that the kernel
/// overwrites, so it can neither start from a state the graph computes nor hand its final state
/// to later ops — what a streaming model (a voice-activity detector fed its own state each call)
/// needs. The unrolled form computes ONNX's equations with plain builtins, per direction:
///
///     gates = Xₜ·Wᵀ + (Wb + Rb) + Hₜ₋₁·Rᵀ, split into i, o, f, c (ONNX's order)
///     i = σ(i + Pi⊙Cₜ₋₁), f = σ(f + Pf⊙Cₜ₋₁), Cₜ = f⊙Cₜ₋₁ + i⊙tanh(c)
///     o = σ(o + Po⊙Cₜ), Hₜ = o⊙tanh(Cₜ)
///
/// The input projection Xₜ·Wᵀ + b runs once for all steps (one FULLY_CONNECTED, then UNPACK).
enum RecurrentRaisings: RaisingFamily {
    static let table: [String: Raising] = ["LSTM": lstm]

    /// Longest sequence unrolled per direction (each step is about a dozen ops).
    static let maxSteps: Int64 = 256

    static let constraints: [String: String] = [
        "LSTM": "unrolled over a static sequence (≤ \(maxSteps) steps); constant W, R, B, P; forward, reverse or bidirectional; "
            + "activations Sigmoid, Tanh, Tanh; no clip, no input_forget; sequence_lens absent or all full length",
    ]

    static let checks: [String: PreflightCheck] = [
        "LSTM": { node, scope in
            if let reason = attributeBlocker(node) { return reason }
            for (i, role) in [(1, "W"), (2, "R"), (3, "B"), (7, "P")] where !scope.isKnown(node, i) {
                return "LSTM input \(role) must be a constant"
            }
            return nil
        },
    ]

    /// Why the LSTM's attributes have no unrolled form here, or nil.
    static func attributeBlocker(_ node: Node) -> String? {
        if case .strings(let names)? = node.attribute("activations")?.value {
            let given = names.map { String(decoding: $0, as: UTF8.self) }
            let defaults = ["Sigmoid", "Tanh", "Tanh"]
            if given != defaults && given != defaults + defaults {
                return "LSTM activations \(given) are not supported (only Sigmoid, Tanh, Tanh)"
            }
        }
        if node.floatAttribute("clip") != nil { return "LSTM with clip is not supported" }
        if (node.intAttribute("input_forget") ?? 0) != 0 { return "LSTM with input_forget=1 is not supported" }
        let direction = node.stringAttribute("direction") ?? "forward"
        if !["forward", "reverse", "bidirectional"].contains(direction) { return "LSTM direction '\(direction)' is unknown" }
        return nil
    }

    // MARK: Raising

    static let lstm: Raising = { ctx, node throws(PassError) in
        if let reason = attributeBlocker(node) { throw ctx.unsupported(reason) }
        let x = try ctx.required(0)
        guard x.type == .float, x.rank == 3 else { throw ctx.unsupported("LSTM needs a float32 input of rank 3 (is \(x.type) rank \(x.rank))") }
        let batchFirst = (node.intAttribute("layout") ?? 0) != 0
        let (steps, batch, inputSize) = batchFirst ? (x.shape[1], x.shape[0], x.shape[2]) : (x.shape[0], x.shape[1], x.shape[2])
        guard steps >= 1, batch >= 1 else { throw ctx.unsupported("LSTM over an empty sequence or batch") }
        guard steps <= maxSteps else {
            throw ctx.unsupported("LSTM over \(steps) steps would unroll into about \(steps * 12) ops (limit \(maxSteps) steps); fix a shorter sequence with --dim")
        }
        let backwards: [Bool] = switch node.stringAttribute("direction") ?? "forward" {
        case "reverse": [true]
        case "bidirectional": [false, true]
        default: [false]
        }
        let weights = try LSTMWeights(ctx, directions: backwards.count, inputSize: inputSize)
        if let lengths = try ctx.input(4) {
            guard let t = lengths.constant, let values = ConstantData.ints(t), values.allSatisfy({ $0 == steps }) else {
                throw ctx.unsupported("LSTM sequence_lens must be absent or a constant equal to the sequence length \(steps)")
            }
        }
        let h = weights.hidden
        let stateDims: [Int64] = [batch, h]
        let initialH = try initialState(ctx, 5, directions: backwards.count, batchFirst: batchFirst, dims: stateDims)
        let initialC = try initialState(ctx, 6, directions: backwards.count, batchFirst: batchFirst, dims: stateDims)
        let input = try ctx.plain(x)
        var sequences: [[String]] = [], lastH: [String] = [], lastC: [String] = []
        for (d, reverse) in backwards.enumerated() {
            let step = LSTMStep(ctx: ctx, weights: weights, direction: d, dims: stateDims)
            let projected = step.project(input, steps: steps, batchFirst: batchFirst)
            var hidden = initialH[d], cell = initialC[d]
            var outputs = [String](repeating: "", count: Int(steps))
            for s in 0..<Int(steps) {
                let t = reverse ? Int(steps) - 1 - s : s
                (hidden, cell) = step.run(projected[t], hidden: hidden, cell: cell)
                outputs[t] = hidden ?? ""
            }
            sequences.append(outputs)
            lastH.append(hidden ?? "")
            lastC.append(cell ?? "")
        }
        try finishOutputs(ctx, node, sequences: sequences, lastH: lastH, lastC: lastC, batchFirst: batchFirst,
                          steps: steps, stateDims: stateDims)
    }

    /// Initial state input `i` ([directions, batch, hidden], batch first: [batch, directions, hidden])
    /// split per direction into [batch, hidden] tensors; nil entries (zeros) when absent.
    static func initialState(_ ctx: RaisingContext, _ i: Int, directions: Int, batchFirst: Bool, dims: [Int64]) throws(PassError) -> [String?] {
        guard let v = try ctx.input(i) else { return [String?](repeating: nil, count: directions) }
        let expected = batchFirst ? [dims[0], Int64(directions), dims[1]] : [Int64(directions)] + dims
        guard v.shape == expected, v.type == .float else { throw ctx.invalid("LSTM initial state is \(v.type) \(v.shape), expected float \(expected)") }
        let source = try ctx.plain(v)
        if directions == 1 {
            let y = ctx.temporary("initial_state", dims, .float)
            ctx.reshape(source, to: dims, into: y)
            return [y]
        }
        let parts = (0..<directions).map { ctx.temporary("initial_state\($0)", dims, .float) }
        ctx.emit("UNPACK", [source], parts, options: "UnpackOptions", ["num": .int(Int64(directions)), "axis": .int(batchFirst ? 1 : 0)])
        return parts
    }

    /// Writes Y ([steps, directions, batch, hidden] or batch first [batch, steps, directions, hidden]),
    /// Y_h and Y_c ([directions, batch, hidden] or [batch, directions, hidden]) where the node uses them.
    static func finishOutputs(_ ctx: RaisingContext, _ node: Node, sequences: [[String]], lastH: [String], lastC: [String],
                              batchFirst: Bool, steps: Int64, stateDims: [Int64]) throws(PassError) {
        let directions = Int64(sequences.count)
        let (batch, hidden) = (stateDims[0], stateDims[1])
        func used(_ i: Int) -> String? { i < node.outputs.count && !node.outputs[i].isEmpty ? node.outputs[i] : nil }
        if let y = used(0) {
            let perDirection = batchFirst ? [batch, steps, hidden] : [steps, batch, hidden]
            let stacked = sequences.map { hs in
                let out = ctx.temporary("sequence", perDirection, .float)
                stack(ctx, hs, axis: batchFirst ? 1 : 0, into: out, dims: perDirection)
                return out
            }
            let shape = batchFirst ? [batch, steps, directions, hidden] : [steps, directions, batch, hidden]
            stack(ctx, stacked, axis: batchFirst ? 2 : 1, into: ctx.define(y, shape: shape, type: .float, perm: Layout.identity(4)), dims: shape)
        }
        let stateShape = batchFirst ? [batch, directions, hidden] : [directions, batch, hidden]
        for (i, states) in [(1, lastH), (2, lastC)] {
            guard let name = used(i) else { continue }
            let out = ctx.define(name, shape: stateShape, type: .float, perm: Layout.identity(3))
            stack(ctx, states, axis: batchFirst ? 1 : 0, into: out, dims: stateShape)
        }
    }

    /// `parts` stacked on a new `axis` into `output` of `dims`: PACK, or a RESHAPE of a single part.
    static func stack(_ ctx: RaisingContext, _ parts: [String], axis: Int, into output: String, dims: [Int64]) {
        if parts.count == 1 {
            ctx.reshape(parts[0], to: dims, into: output)
        } else {
            ctx.emit("PACK", parts, [output], options: "PackOptions", ["values_count": .int(Int64(parts.count)), "axis": .int(Int64(axis))])
        }
    }
}
