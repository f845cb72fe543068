import ModelIR

/// BatchNormalization, InstanceNormalization, LayerNormalization, MeanVarianceNormalization and LRN.
enum NormalizationKernels {
    static var table: [String: Kernel] {
        [
            "BatchNormalization": { call throws(InterpreterError) in try isDouble(call) ? batchNorm(call, Double.self) : batchNorm(call, Float.self) },
            "InstanceNormalization": { call throws(InterpreterError) in try isDouble(call) ? instanceNorm(call, Double.self) : instanceNorm(call, Float.self) },
            "LayerNormalization": { call throws(InterpreterError) in try isDouble(call) ? layerNorm(call, Double.self) : layerNorm(call, Float.self) },
            "MeanVarianceNormalization": { call throws(InterpreterError) in try isDouble(call) ? mvn(call, Double.self) : mvn(call, Float.self) },
            "LRN": { call throws(InterpreterError) in try isDouble(call) ? lrn(call, Double.self) : lrn(call, Float.self) },
        ]
    }

    /// Whether input 0 is a double tensor (computed in Double; other floating types in Float).
    static func isDouble(_ call: KernelCall) throws(InterpreterError) -> Bool {
        try call.floatingTensor(0).dataType == .double
    }

    // MARK: BatchNormalization

    static func batchNorm<T: NNFloat>(_ call: KernelCall, _: T.Type) throws(InterpreterError) -> [RuntimeValue] {
        let xa = try call.tensor(0)
        guard xa.rank >= 2 else { throw call.invalid("BatchNormalization needs an input of rank >= 2") }
        let c = xa.shape[1], n = xa.shape[0], inner = xa.shape[2...].reduce(1, *)
        var params: [[T]] = []
        for i in 1...4 {
            let p = T.values(of: try call.tensor(i))
            guard p.count == c else { throw call.invalid("BatchNormalization input \(i) must have \(c) elements") }
            params.append(p)
        }
        let (scale, bias, mean, variance) = (params[0], params[1], params[2], params[3])
        let eps = T(call.float("epsilon", default: 1e-5))
        let training: Bool
        if call.opset >= 14 { training = call.int("training_mode", default: 0) != 0 }
        else if call.opset >= 7 { training = call.node.outputs.filter { !$0.isEmpty }.count > 1 }
        else { training = call.int("is_test", default: 0) == 0 && call.node.outputs.count > 1 }
        if !training, T.self == Float.self, case .float16(let halves) = xa.storage, halves.count == n * c * inner {
            // y = x · a + b per channel (as below), converted a chunk at a time.
            let affine = ChannelAffine(scale: scale, bias: bias, mean: mean, variance: variance, epsilon: eps)
            let (af, bf) = (affine.a.map { Float($0) }, affine.b.map { Float($0) })
            if let y = HalfConversion.mapRuns(halves, length: inner, { run, v in v * af[run % c] + bf[run % c] }) {
                return [.tensor(NDArray(dataType: .float16, shape: xa.shape, storage: .float16(y)))]
            }
        }
        let x = T.values(of: xa)
        var useMean = mean, useVar = variance
        if training {
            (useMean, useVar) = channelStats(x, n: n, c: c, inner: inner)
        }
        guard x.count == n * c * inner else { throw call.invalid("X holds \(x.count) elements, its shape \(xa.shape) needs \(n * c * inner)") }
        var y = uninitializedArray(T.self, count: x.count)  // every element is written below
        let affine = ChannelAffine(scale: scale, bias: bias, mean: useMean, variance: useVar, epsilon: eps)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in affine.apply(xp.baseAddress!, yp.baseAddress!, n: n, inner: inner) }
        }
        let out = T.array(xa.dataType, shape: xa.shape, y)
        guard training else { return [.tensor(out)] }
        let momentum = T(call.float("momentum", default: 0.9))
        let runMean = (0..<c).map { mean[$0] * momentum + useMean[$0] * (1 - momentum) }
        let runVar = (0..<c).map { variance[$0] * momentum + useVar[$0] * (1 - momentum) }
        let dt = xa.dataType
        return [.tensor(out), .tensor(T.array(dt, shape: [c], runMean)), .tensor(T.array(dt, shape: [c], runVar)),
                .tensor(T.array(dt, shape: [c], useMean)), .tensor(T.array(dt, shape: [c], useVar))]
    }

    /// BatchNormalization as `x · a + b` per channel, with `a = scale / √(variance + ε)` and
    /// `b = bias − mean · a` (the kernel's arithmetic; the Conv epilogue fusion applies it in place).
    struct ChannelAffine<T: NNFloat> {
        let a: [T], b: [T]

        init(scale: [T], bias: [T], mean: [T], variance: [T], epsilon: T) {
            let a = (0..<scale.count).map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
            (self.a, b) = (a, (0..<scale.count).map { bias[$0] - mean[$0] * a[$0] })
        }

        /// `dst[i] = src[i] · a + b` over an [n, c, inner] array, `c` being the parameters' count (`dst` may be `src`).
        func apply(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, n: Int, inner: Int) {
            let c = a.count
            for ch in 0..<c {
                let (ac, bc) = (a[ch], b[ch])
                for b0 in 0..<n {
                    let base = (b0 * c + ch) * inner
                    for i in base..<(base + inner) { dst[i] = src[i] * ac + bc }
                }
            }
        }
    }

    /// Per-channel mean and population variance of an (n, c, inner) array.
    static func channelStats<T: NNFloat>(_ x: [T], n: Int, c: Int, inner: Int) -> ([T], [T]) {
        var means = [T](repeating: 0, count: c), vars = [T](repeating: 0, count: c)
        let count = Double(max(n * inner, 1))
        for ch in 0..<c {
            var s = 0.0, s2 = 0.0
            for b in 0..<n {
                let base = (b * c + ch) * inner
                for i in 0..<inner { s += Double(x[base + i]) }
            }
            let m = s / count
            for b in 0..<n {
                let base = (b * c + ch) * inner
                for i in 0..<inner { let d = Double(x[base + i]) - m; s2 += d * d }
            }
            means[ch] = T(m)
            vars[ch] = T(s2 / count)
        }
        return (means, vars)
    }

    // MARK: Row normalization (Instance and Layer)

    /// Normalizes each of `rows` contiguous rows of `cols` elements; returns y, means and inverse std devs.
    /// The affine parameters are indexed by column, or by `row % channels` when `channels` is given.
    static func normalizeRows<T: NNFloat>(_ x: [T], rows: Int, cols: Int, epsilon: Double,
                                          scale: [T], bias: [T]?, channels: Int?) -> (y: [T], mean: [T], invStd: [T]) {
        var y = [T](repeating: 0, count: x.count)
        var means = [T](repeating: 0, count: rows), invs = [T](repeating: 0, count: rows)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                for r in 0..<rows {
                    let base = r * cols
                    var s = 0.0
                    for j in 0..<cols { s += Double(xp[base + j]) }
                    let m = s / Double(max(cols, 1))
                    var s2 = 0.0
                    for j in 0..<cols { let d = Double(xp[base + j]) - m; s2 += d * d }
                    let inv = 1 / (s2 / Double(max(cols, 1)) + epsilon).squareRoot()
                    means[r] = T(m); invs[r] = T(inv)
                    let tm = T(m), ti = T(inv)
                    if let ch = channels {
                        let c = r % ch
                        let a = scale[c] * ti, b = (bias?[c] ?? 0) - tm * scale[c] * ti
                        for j in 0..<cols { yp[base + j] = xp[base + j] * a + b }
                    } else if let bias {
                        for j in 0..<cols { yp[base + j] = (xp[base + j] - tm) * ti * scale[j] + bias[j] }
                    } else {
                        for j in 0..<cols { yp[base + j] = (xp[base + j] - tm) * ti * scale[j] }
                    }
                }
            }
        }
        return (y, means, invs)
    }

    static func instanceNorm<T: NNFloat>(_ call: KernelCall, _: T.Type) throws(InterpreterError) -> [RuntimeValue] {
        let xa = try call.tensor(0)
        guard xa.rank >= 2 else { throw call.invalid("InstanceNormalization needs an input of rank >= 2") }
        let c = xa.shape[1]
        let scale = T.values(of: try call.tensor(1)), bias = T.values(of: try call.tensor(2))
        guard scale.count == c, bias.count == c else { throw call.invalid("scale and B must have \(c) elements") }
        let cols = xa.shape[2...].reduce(1, *)
        let r = normalizeRows(T.values(of: xa), rows: xa.shape[0] * c, cols: cols,
                              epsilon: Double(call.float("epsilon", default: 1e-5)), scale: scale, bias: bias, channels: c)
        return [.tensor(T.array(xa.dataType, shape: xa.shape, r.y))]
    }

    static func layerNorm<T: NNFloat>(_ call: KernelCall, _: T.Type) throws(InterpreterError) -> [RuntimeValue] {
        let xa = try call.tensor(0)
        let axis = try call.normalizedAxis(call.int("axis", default: -1), rank: xa.rank)
        let normShape = Array(xa.shape[axis...])
        let rows = xa.shape[..<axis].reduce(1, *), cols = normShape.reduce(1, *)
        func param(_ i: Int) throws(InterpreterError) -> [T]? {
            guard let p = call.optionalTensor(i) else { return nil }
            guard let s = Broadcast.shape([p.shape, normShape]), s == normShape else {
                throw call.invalid("input \(i) of shape \(p.shape) does not broadcast to \(normShape)")
            }
            return T.values(of: Broadcast.expand(p, to: normShape))
        }
        guard let scale = try param(1) else { throw call.invalid("Scale is required") }
        let r = normalizeRows(T.values(of: xa), rows: rows, cols: cols,
                              epsilon: Double(call.float("epsilon", default: 1e-5)), scale: scale, bias: try param(2), channels: nil)
        let statShape = Array(xa.shape[..<axis]) + [Int](repeating: 1, count: xa.rank - axis)
        let dt = xa.dataType
        return [.tensor(T.array(dt, shape: xa.shape, r.y)), .tensor(T.array(dt, shape: statShape, r.mean)),
                .tensor(T.array(dt, shape: statShape, r.invStd))]
    }

    // MARK: MeanVarianceNormalization

    static func mvn<T: NNFloat>(_ call: KernelCall, _: T.Type) throws(InterpreterError) -> [RuntimeValue] {
        let xa = try call.tensor(0)
        let axes = try call.normalizedAxes(call.ints("axes") ?? [0, 2, 3], rank: xa.rank)
        let p = ReduceKernels.plan(shape: xa.shape, axes: axes, keepDims: true)
        let x = T.values(of: xa)
        var y = [T](repeating: 0, count: x.count)
        let n = Double(max(p.reduced.count, 1))
        for base in p.kept {
            var s = 0.0, s2 = 0.0
            for r in p.reduced { let v = Double(x[base + r]); s += v; s2 += v * v }
            let m = s / n
            let std = max(s2 / n - m * m, 0).squareRoot() + 1e-9
            for r in p.reduced { y[base + r] = T((Double(x[base + r]) - m) / std) }
        }
        return [.tensor(T.array(xa.dataType, shape: xa.shape, y))]
    }

    // MARK: LRN

    static func lrn<T: NNFloat>(_ call: KernelCall, _: T.Type) throws(InterpreterError) -> [RuntimeValue] {
        let xa = try call.tensor(0)
        guard xa.rank >= 2 else { throw call.invalid("LRN needs an input of rank >= 2") }
        guard let size = call.int("size"), size > 0 else {
            throw .invalidAttribute(node: call.label, attribute: "size", reason: "a positive size is required")
        }
        let alpha = T(call.float("alpha", default: 1e-4)), beta = T(call.float("beta", default: 0.75))
        let bias = T(call.float("bias", default: 1))
        let n = xa.shape[0], c = xa.shape[1], inner = xa.shape[2...].reduce(1, *)
        let before = (size - 1) / 2, after = size - 1 - before
        let x = T.values(of: xa)
        var y = uninitializedArray(T.self, count: x.count)
        var acc = [T](repeating: 0, count: inner)
        let scale = alpha / T(size)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                for b in 0..<n {
                    for ch in 0..<c {
                        // Sum of squares over the channel window, one spatial row at a time.
                        for i in 0..<inner { acc[i] = 0 }
                        for k in max(0, ch - before)..<min(c, ch + after + 1) {
                            let row = (b * c + k) * inner
                            for i in 0..<inner { let v = xp[row + i]; acc[i] += v * v }
                        }
                        let base = (b * c + ch) * inner
                        for i in 0..<inner {
                            let d = bias + scale * acc[i]
                            // d^-0.75 (AlexNet/GoogLeNet's beta) without a pow call.
                            let f = beta == 0.75 ? 1 / (d.squareRoot() * d.squareRoot().squareRoot()) : T.nnPow(d, -beta)
                            yp[base + i] = xp[base + i] * f
                        }
                    }
                }
            }
        }
        return [.tensor(T.array(xa.dataType, shape: xa.shape, y))]
    }
}
