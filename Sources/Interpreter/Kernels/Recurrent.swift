import ModelIR

/// RNN, GRU and LSTM (all directions, layouts, activations, clip, sequence_lens, peepholes).
enum RecurrentKernels {
    static var table: [String: Kernel] {
        [
            "RNN": rnn,
            "GRU": gru,
            "LSTM": lstm,
        ]
    }

    /// Per-direction state shared by the three cells while stepping through time.
    struct Stepper {
        let p: RecurrentProblem
        let d: Int
        /// X·Wᵀ for this direction, [seq*batch, gates*hidden].
        let xw: [Float]
        /// The direction's W and R bias halves.
        let wb: ArraySlice<Float>, rb: ArraySlice<Float>

        init(_ p: RecurrentProblem, direction d: Int) {
            self.p = p
            self.d = d
            xw = p.inputProjection(direction: d)
            let g = p.gates * p.hidden
            wb = p.b[(d * 2 * g)..<(d * 2 * g + g)]
            rb = p.b[(d * 2 * g + g)..<(d * 2 * g + 2 * g)]
        }

        /// H·Rᵀ restricted to gate rows [firstGate, firstGate+gateCount) of R: [batch, gateCount*hidden].
        func recurrent(_ h: [Float], firstGate: Int, gateCount: Int) -> [Float] {
            let hs = p.hidden, cols = gateCount * hs
            var out = [Float](repeating: 0, count: p.batch * cols)
            let offset = (d * p.gates + firstGate) * hs * hs
            h.withUnsafeBufferPointer { hp in
                p.r.withUnsafeBufferPointer { rp in
                    out.withUnsafeMutableBufferPointer { op in
                        guard let hb = hp.baseAddress, let rbase = rp.baseAddress, let ob = op.baseAddress else { return }
                        RecurrentMath.gemmTransposedB(hb, rbase + offset, ob, m: p.batch, n: cols, k: hs, accumulate: false)
                    }
                }
            }
            return out
        }

        /// Pre-activation of gate `gate` for one row: X·Wᵀ + recurrent term (+ both biases unless `rBias` is false).
        @inline(__always)
        func preactivation(_ out: inout [Float], gate: Int, time t: Int, row: Int, recurrent: [Float], recurrentOffset: Int, rBias: Bool = true) {
            let hs = p.hidden, g = p.gates * hs
            let xBase = (t * p.batch + row) * g + gate * hs
            let bBase = wb.startIndex + gate * hs, rBase = rb.startIndex + gate * hs
            for j in 0..<hs {
                out[j] = xw[xBase + j] + recurrent[recurrentOffset + j] + wb[bBase + j] + (rBias ? rb[rBase + j] : 0)
            }
        }

        /// Clips and applies `f` to `v`.
        func activate(_ v: inout [Float], _ f: RecurrentActivation) {
            v.withUnsafeMutableBufferPointer { b in
                p.clipped(b)
                f.apply(b)
            }
        }

        /// Writes the hidden state of `row` at time `t` into Y ([seq, dir, batch, hidden]).
        func store(_ h: [Float], row: Int, time t: Int, into y: inout [Float]) {
            let hs = p.hidden
            let dst = ((t * p.directions + d) * p.batch + row) * hs
            for j in 0..<hs { y[dst + j] = h[row * hs + j] }
        }
    }

    /// Steps every batch row through direction `d`, calling `cell` with the rows still inside their
    /// sequence and the time index each processes at that step.
    static func run(_ p: RecurrentProblem, direction d: Int, _ cell: (_ rows: [(row: Int, time: Int)]) -> Void) {
        let steps = p.lengths.max() ?? 0
        for k in 0..<steps {
            var rows: [(row: Int, time: Int)] = []
            for n in 0..<p.batch { if let t = p.time(step: k, row: n, direction: d) { rows.append((n, t)) } }
            cell(rows)
        }
    }

    // MARK: RNN

    /// Ht = f(Xt·Wᵀ + Ht-1·Rᵀ + Wb + Rb).
    static let rnn: Kernel = { call throws(InterpreterError) in
        let p = try RecurrentProblem(call, gates: 1, defaultActivations: ["Tanh"])
        let hs = p.hidden
        var y = [Float](repeating: 0, count: p.seqLength * p.directions * p.batch * hs)
        var finalH = try p.initialState(call, 5)
        for d in 0..<p.directions {
            let s = Stepper(p, direction: d)
            var h = Array(finalH[(d * p.batch * hs)..<((d + 1) * p.batch * hs)])
            var pre = [Float](repeating: 0, count: hs)
            run(p, direction: d) { rows in
                let hr = s.recurrent(h, firstGate: 0, gateCount: 1)
                for (n, t) in rows {
                    s.preactivation(&pre, gate: 0, time: t, row: n, recurrent: hr, recurrentOffset: n * hs)
                    s.activate(&pre, p.activations[d][0])
                    for j in 0..<hs { h[n * hs + j] = pre[j] }
                    s.store(h, row: n, time: t, into: &y)
                }
            }
            finalH.replaceSubrange((d * p.batch * hs)..<((d + 1) * p.batch * hs), with: h)
        }
        return [p.outputY(y), p.outputState(finalH)]
    }

    // MARK: GRU

    /// Gates z, r, h; `linear_before_reset` applies the reset gate after the recurrent product.
    static let gru: Kernel = { call throws(InterpreterError) in
        let p = try RecurrentProblem(call, gates: 3, defaultActivations: ["Sigmoid", "Tanh"])
        let hs = p.hidden
        let linearBeforeReset = call.int("linear_before_reset", default: 0) != 0
        var y = [Float](repeating: 0, count: p.seqLength * p.directions * p.batch * hs)
        var finalH = try p.initialState(call, 5)
        for d in 0..<p.directions {
            let s = Stepper(p, direction: d)
            let f = p.activations[d][0], g = p.activations[d][1]
            var h = Array(finalH[(d * p.batch * hs)..<((d + 1) * p.batch * hs)])
            var z = [Float](repeating: 0, count: hs), r = z, cand = z
            run(p, direction: d) { rows in
                let hr = s.recurrent(h, firstGate: 0, gateCount: linearBeforeReset ? 3 : 2)
                let width = linearBeforeReset ? 3 * hs : 2 * hs
                var zs = [Float](repeating: 0, count: p.batch * hs)
                var gated = [Float](repeating: 0, count: p.batch * hs)
                for (n, t) in rows {
                    s.preactivation(&z, gate: 0, time: t, row: n, recurrent: hr, recurrentOffset: n * width)
                    s.preactivation(&r, gate: 1, time: t, row: n, recurrent: hr, recurrentOffset: n * width + hs)
                    s.activate(&z, f)
                    s.activate(&r, f)
                    let rBias = s.rb.startIndex + 2 * hs
                    for j in 0..<hs {
                        zs[n * hs + j] = z[j]
                        gated[n * hs + j] = linearBeforeReset ? r[j] * (hr[n * width + 2 * hs + j] + s.rb[rBias + j]) : r[j] * h[n * hs + j]
                    }
                }
                // Without linear_before_reset the candidate's recurrent term is (r ⊙ H)·Rhᵀ.
                let hh = linearBeforeReset ? gated : s.recurrentProduct(gated, gate: 2)
                for (n, t) in rows {
                    let xBase = (t * p.batch + n) * 3 * hs + 2 * hs
                    let wBias = s.wb.startIndex + 2 * hs, rBias = s.rb.startIndex + 2 * hs
                    for j in 0..<hs {
                        cand[j] = s.xw[xBase + j] + hh[n * hs + j] + s.wb[wBias + j] + (linearBeforeReset ? 0 : s.rb[rBias + j])
                    }
                    s.activate(&cand, g)
                    for j in 0..<hs {
                        let zj = zs[n * hs + j]
                        h[n * hs + j] = (1 - zj) * cand[j] + zj * h[n * hs + j]
                    }
                    s.store(h, row: n, time: t, into: &y)
                }
            }
            finalH.replaceSubrange((d * p.batch * hs)..<((d + 1) * p.batch * hs), with: h)
        }
        return [p.outputY(y), p.outputState(finalH)]
    }

    // MARK: LSTM

    /// Gates i, o, f, c with optional peepholes P (i, o, f) and coupled input/forget gates.
    static let lstm: Kernel = { call throws(InterpreterError) in
        let p = try RecurrentProblem(call, gates: 4, defaultActivations: ["Sigmoid", "Tanh", "Tanh"])
        let hs = p.hidden
        let inputForget = call.int("input_forget", default: 0) != 0
        var peepholes = [Float](repeating: 0, count: p.directions * 3 * hs)
        if let pIn = call.optionalTensor(7) {
            guard pIn.shape == [p.directions, 3 * hs] else { throw call.invalid("P has shape \(pIn.shape), expected [\(p.directions), \(3 * hs)]") }
            peepholes = pIn.floats
        }
        var y = [Float](repeating: 0, count: p.seqLength * p.directions * p.batch * hs)
        var finalH = try p.initialState(call, 5)
        var finalC = try p.initialState(call, 6)
        for d in 0..<p.directions {
            let s = Stepper(p, direction: d)
            let f = p.activations[d][0], g = p.activations[d][1], hAct = p.activations[d][2]
            let range = (d * p.batch * hs)..<((d + 1) * p.batch * hs)
            var h = Array(finalH[range]), c = Array(finalC[range])
            let pBase = d * 3 * hs
            var gi = [Float](repeating: 0, count: hs), go = gi, gf = gi, gc = gi
            run(p, direction: d) { rows in
                let hr = s.recurrent(h, firstGate: 0, gateCount: 4)
                for (n, t) in rows {
                    let o = n * 4 * hs, row = n * hs
                    s.preactivation(&gi, gate: 0, time: t, row: n, recurrent: hr, recurrentOffset: o)
                    s.preactivation(&go, gate: 1, time: t, row: n, recurrent: hr, recurrentOffset: o + hs)
                    s.preactivation(&gf, gate: 2, time: t, row: n, recurrent: hr, recurrentOffset: o + 2 * hs)
                    s.preactivation(&gc, gate: 3, time: t, row: n, recurrent: hr, recurrentOffset: o + 3 * hs)
                    for j in 0..<hs {
                        gi[j] += peepholes[pBase + j] * c[row + j]
                        gf[j] += peepholes[pBase + 2 * hs + j] * c[row + j]
                    }
                    s.activate(&gi, f)
                    if inputForget {
                        for j in 0..<hs { gf[j] = 1 - gi[j] }
                    } else {
                        s.activate(&gf, f)
                    }
                    s.activate(&gc, g)
                    for j in 0..<hs {
                        c[row + j] = gf[j] * c[row + j] + gi[j] * gc[j]
                        go[j] += peepholes[pBase + hs + j] * c[row + j]
                    }
                    s.activate(&go, f)
                    var cell = Array(c[row..<(row + hs)])
                    cell.withUnsafeMutableBufferPointer { hAct.apply($0) }
                    for j in 0..<hs { h[row + j] = go[j] * cell[j] }
                    s.store(h, row: n, time: t, into: &y)
                }
            }
            finalH.replaceSubrange(range, with: h)
            finalC.replaceSubrange(range, with: c)
        }
        return [p.outputY(y), p.outputState(finalH), p.outputState(finalC)]
    }
}

extension RecurrentKernels.Stepper {
    /// `v`·R_gateᵀ for every batch row: [batch, hidden].
    func recurrentProduct(_ v: [Float], gate: Int) -> [Float] {
        recurrent(v, firstGate: gate, gateCount: 1)
    }
}
