import ModelIR

/// Conv, ConvInteger and QLinearConv: im2col + GEMM per group, a single GEMM for 1x1 convolutions,
/// a direct loop for depthwise ones.
enum ConvKernels {
    static var table: [String: Kernel] {
        [
            "Conv": conv,
            "ConvInteger": convInteger,
            "QLinearConv": qLinearConv,
        ]
    }

    // MARK: Shapes

    /// Batch, channels, output channels, group and window of a convolution of `x` by `w`.
    struct Setup {
        var n: Int, c: Int, m: Int, group: Int
        var geometry: WindowGeometry
        var outShape: [Int] { [n, m] + geometry.outputShape }
    }

    static func setup(_ call: KernelCall, x: [Int], w: [Int]) throws(InterpreterError) -> Setup {
        guard x.count >= 3, w.count == x.count else { throw call.invalid("Conv needs X and W of the same rank >= 3 (got \(x), \(w))") }
        let group = call.int("group", default: 1)
        guard group > 0, group <= max(x[1], 1), x[1] == w[1] * group, w[0] % group == 0 else {
            throw call.invalid("channels of X \(x) and W \(w) do not match group \(group)")
        }
        let kernel = call.ints("kernel_shape") ?? Array(w[2...])
        guard kernel == Array(w[2...]) else { throw call.invalid("kernel_shape \(kernel) does not match W \(w)") }
        let g = try WindowGeometry.make(call, input: Array(x[2...]), kernel: kernel)
        try call.checkShape([x[0], w[0]] + g.outputShape)  // pads from a damaged file can ask for billions of elements
        return Setup(n: x[0], c: x[1], m: w[0], group: group, geometry: g)
    }

    // MARK: Conv

    static let conv: Kernel = { call throws(InterpreterError) in
        _ = AllocatorTuning.applied
        let x = try call.floatingTensor(0), w = try call.tensor(1)
        let s = try setup(call, x: x.shape, w: w.shape)
        let b = call.optionalTensor(2)
        if let b, b.count != s.m { throw call.invalid("B must have \(s.m) elements") }
        if x.dataType == .double {
            let y = convolve(Double.values(of: x), Double.values(of: w), bias: b.map { Double.values(of: $0) }, s)
            return [.tensor(Double.array(.double, shape: s.outShape, y))]
        }
        let y = convolve(Float.values(of: x), Float.values(of: w), bias: b.map { Float.values(of: $0) }, s)
        return [.tensor(Float.array(x.dataType, shape: s.outShape, y))]
    }

    /// y[n, m] = bias[m] + Σ w[m, c, k] · x[n, group(m) c, window(k)].
    static func convolve<T: NNFloat>(_ x: [T], _ w: [T], bias: [T]?, _ s: Setup) -> [T] {
        let g = s.geometry
        let cg = s.c / s.group, mg = s.m / s.group
        let inSize = g.inputSize, outSize = g.outputSize, ks = g.kernelSize
        if x.isEmpty || w.isEmpty { return channelFilled(bias, n: s.n, channels: s.m, size: outSize) }
        let depthwise = cg == 1 && mg == 1 && g.input[0] == 1
        let pointwise = ks == 1 && g.strides.allSatisfy { $0 == 1 } && g.padsBegin.allSatisfy { $0 == 0 } && g.input == g.output
        // Every path writes all of y: depthwise starts each row from the bias, and without a bias the
        // GEMMs overwrite (beta 0) instead of accumulating onto a zero-filled output.
        var y = depthwise || bias == nil ? uninitializedArray(T.self, count: s.n * s.m * outSize)
                                          : channelFilled(bias, n: s.n, channels: s.m, size: outSize)
        if y.isEmpty { return y }
        let beta: T = bias == nil ? 0 : 1
        var cols = uninitializedArray(T.self, count: depthwise || pointwise ? 0 : cg * ks * outSize)
        var perChannel = depthwise ? Depthwise<T>(g) : nil
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    cols.withUnsafeMutableBufferPointer { cp in
                        for b in 0..<s.n {
                            for gi in 0..<s.group {
                                let xg = xp.baseAddress! + (b * s.c + gi * cg) * inSize
                                let wg = wp.baseAddress! + gi * mg * cg * ks
                                let yg = yp.baseAddress! + (b * s.m + gi * mg) * outSize
                                if perChannel != nil {
                                    perChannel?.channel(xg, wg, yg, bias: bias?[gi] ?? 0)
                                } else if pointwise {
                                    T.gemm(transA: false, transB: false, m: mg, n: outSize, k: cg, alpha: 1,
                                           a: wg, lda: cg, b: xg, ldb: inSize, beta: beta, c: yg, ldc: outSize)
                                } else {
                                    im2col(xg, channels: cg, g, cp.baseAddress!)
                                    T.gemm(transA: false, transB: false, m: mg, n: outSize, k: cg * ks, alpha: 1,
                                           a: wg, lda: cg * ks, b: cp.baseAddress!, ldb: outSize, beta: beta, c: yg, ldc: outSize)
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    // MARK: Integer convolutions

    /// The exact integer convolution of zero-point-adjusted x and w (computed in Double), plus its setup.
    /// `wZero` is a scalar or one value per output channel.
    static func integerConv(_ call: KernelCall, x: NDArray, xZero: NDArray?, w: NDArray, wZero: NDArray?, bias: NDArray?) throws(InterpreterError) -> ([Double], Setup) {
        let s = try setup(call, x: x.shape, w: w.shape)
        if let bias, bias.count != s.m { throw call.invalid("B must have \(s.m) elements") }
        var xd = x.doubles, wd = w.doubles
        if let z = xZero?.doubles.first { for i in 0..<xd.count { xd[i] -= z } }
        if let z = wZero?.doubles, !z.isEmpty {
            guard z.count == 1 || z.count == s.m else { throw call.invalid("w_zero_point must be a scalar or have \(s.m) elements") }
            let per = max(wd.count / max(s.m, 1), 1)
            for i in 0..<wd.count { wd[i] -= z.count == 1 ? z[0] : z[i / per] }
        }
        return (convolve(xd, wd, bias: bias?.doubles, s), s)
    }

    /// The integer sums on the int8 GEMM (`IntegerConv`), when its types apply; nil otherwise.
    static func integerSums(_ call: KernelCall, x: NDArray, xZero: NDArray?, w: NDArray, wZero: NDArray?) throws(InterpreterError) -> ([Int32], Setup)? {
        let s = try setup(call, x: x.shape, w: w.shape)
        let wZeros = (wZero?.doubles ?? [0]).compactMap { Int32(exactly: $0) }
        guard let zx = Int32(exactly: xZero?.doubles.first ?? 0), wZeros.count == (wZero?.count ?? 1), wZeros.count == 1 || wZeros.count == s.m,
              let sums = IntegerConv.accumulate(x: x, xZero: zx, w: w, wZero: wZeros, s) else { return nil }
        return (sums, s)
    }

    static let convInteger: Kernel = { call throws(InterpreterError) in
        if let (sums, s) = try integerSums(call, x: try call.tensor(0), xZero: call.optionalTensor(2), w: try call.tensor(1), wZero: call.optionalTensor(3)) {
            return [.tensor(NDArray(dataType: .int32, shape: s.outShape, storage: .int32(sums)))]
        }
        let (r, s) = try integerConv(call, x: try call.tensor(0), xZero: call.optionalTensor(2), w: try call.tensor(1),
                                     wZero: call.optionalTensor(3), bias: nil)
        let out = r.map(clampedInt32)
        return [.tensor(NDArray(dataType: .int32, shape: s.outShape, storage: .int32(out)))]
    }

    static let qLinearConv: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        let xScale = Float.values(of: try call.tensor(1)), wScale = Float.values(of: try call.tensor(4))
        let yScale = Float.values(of: try call.tensor(6)), yZero = call.optionalTensor(7)
        let w = try call.tensor(3), bias = call.optionalTensor(8)
        let m = w.shape.first ?? 0, outType = yZero?.dataType ?? x.dataType
        // The int8 GEMM path, when its types apply (checked first: the sums are the costly part).
        if xScale.count == 1, yScale.count == 1, wScale.count == 1 || wScale.count == m, bias == nil || bias?.count == m,
           [.uint8, .int8].contains(outType),
           let (sums, s) = try integerSums(call, x: x, xZero: call.optionalTensor(2), w: w, wZero: call.optionalTensor(5)) {
            let multipliers = (0..<s.m).map { Double(xScale[0] * wScale[wScale.count == 1 ? 0 : $0] / yScale[0]) }
            let biases = bias.map { $0.doubles.map { Int32(clamping: Int64($0)) } }
            let storage = IntegerConv.requantized(sums, channels: s.m, size: s.geometry.outputSize, bias: biases, multipliers: multipliers,
                                                  zeroPoint: Int32(yZero?.doubles.first ?? 0), as: outType)
            return [.tensor(NDArray(dataType: outType, shape: s.outShape, storage: storage))]
        }
        let (r, s) = try integerConv(call, x: x, xZero: call.optionalTensor(2), w: w, wZero: call.optionalTensor(5), bias: bias)
        guard xScale.count == 1, yScale.count == 1, wScale.count == 1 || wScale.count == s.m else {
            throw call.invalid("QLinearConv scales must be scalars (w_scale may be per output channel)")
        }
        guard let (lo, hi) = QuantizeKernels.integerRange(outType) else { throw call.unsupported(outType) }
        let zp = yZero?.doubles.first ?? 0
        let outSize = s.geometry.outputSize
        var out = [Double](repeating: 0, count: r.count)
        for i in 0..<r.count {
            let channel = (i / max(outSize, 1)) % s.m
            let multiplier = Double(xScale[0] * wScale[wScale.count == 1 ? 0 : channel] / yScale[0])
            let v = r[i] * multiplier + zp
            out[i] = v.isNaN ? 0 : min(max(v, lo), hi).rounded(.toNearestOrEven)
        }
        return [.tensor(NDArray(dataType: outType, shape: s.outShape, doubles: out))]
    }
}
