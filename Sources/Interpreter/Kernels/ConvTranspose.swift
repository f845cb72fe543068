import ModelIR

/// ConvTranspose: GEMM (Wᵀ·X per group) then col2im accumulation.
enum ConvTransposeKernels {
    static var table: [String: Kernel] { ["ConvTranspose": convTranspose] }

    /// Floor division (Python's `//`).
    @inline(__always) static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// The geometry of a transposed convolution: `input` is X's spatial grid, `output` the result's.
    static func geometry(_ call: KernelCall, input: [Int], kernel: [Int]) throws(InterpreterError) -> WindowGeometry {
        let r = input.count
        guard r >= 1, r <= 3, kernel.count == r else { throw call.invalid("only 1-D, 2-D and 3-D ConvTranspose is supported") }
        let strides = call.ints("strides") ?? [Int](repeating: 1, count: r)
        let dilations = call.ints("dilations") ?? [Int](repeating: 1, count: r)
        let outputPadding = call.ints("output_padding") ?? [Int](repeating: 0, count: r)
        let limit = 1 << 30
        guard strides.count == r, dilations.count == r, outputPadding.count == r,
              strides.allSatisfy({ $0 > 0 && $0 < limit }), dilations.allSatisfy({ $0 > 0 && $0 < limit }),
              outputPadding.allSatisfy({ $0 > -limit && $0 < limit }), kernel.allSatisfy({ $0 > 0 && $0 < limit }),
              (call.ints("pads") ?? []).allSatisfy({ $0 > -limit && $0 < limit }), (call.ints("output_shape") ?? []).allSatisfy({ $0 >= 0 && $0 < limit }) else {
            throw call.invalid("strides, dilations and output_padding need one value per spatial dimension")
        }
        var requested = call.ints("output_shape")
        if let o = requested {
            guard o.count >= r else { throw call.invalid("output_shape needs \(r) values") }
            requested = Array(o.suffix(r))
        }
        let autoPad = call.string("auto_pad", default: "NOTSET")
        var pads = call.ints("pads")
        if pads == nil && autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER" { pads = [Int](repeating: 0, count: 2 * r) }
        var pb = [Int](repeating: 0, count: r), pe = pb, out = pb
        for i in 0..<r {
            let full = strides[i] * (input[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1
            if let pads {
                guard pads.count == 2 * r else { throw call.invalid("pads must have \(2 * r) values") }
                pb[i] = pads[i]; pe[i] = pads[i + r]
                out[i] = requested?[i] ?? full - pb[i] - pe[i]
            } else {
                out[i] = requested?[i] ?? input[i] * strides[i]
                let total = full - out[i]
                let half = floorDiv(total, 2)
                (pb[i], pe[i]) = autoPad == "SAME_UPPER" ? (half, total - half) : (total - half, half)
            }
            guard out[i] >= 0 else { throw call.invalid("ConvTranspose output size would be negative") }
        }
        let lead = [Int](repeating: 1, count: 3 - r), zeros = [Int](repeating: 0, count: 3 - r)
        return WindowGeometry(input: lead + input, kernel: lead + kernel, strides: lead + strides, dilations: lead + dilations,
                              padsBegin: zeros + pb, padsEnd: zeros + pe, output: lead + out, rank: r)
    }

    static let convTranspose: Kernel = { call throws(InterpreterError) in
        _ = AllocatorTuning.applied
        let x = try call.floatingTensor(0), w = try call.tensor(1)
        guard x.rank >= 3, w.rank == x.rank else { throw call.invalid("ConvTranspose needs X and W of the same rank >= 3") }
        let group = call.int("group", default: 1)
        guard group > 0, w.shape[0] == x.shape[1], x.shape[1] % group == 0 else {
            throw call.invalid("channels of X \(x.shape) and W \(w.shape) do not match group \(group)")
        }
        let kernel = Array(w.shape[2...])
        if let k = call.ints("kernel_shape"), k != kernel { throw call.invalid("kernel_shape \(k) does not match W \(w.shape)") }
        let g = try geometry(call, input: Array(x.shape[2...]), kernel: kernel)
        let m = w.shape[1] * group
        let b = call.optionalTensor(2)
        if let b, b.count != m { throw call.invalid("B must have \(m) elements") }
        let outShape = [x.shape[0], m] + g.outputShape
        if x.dataType == .double {
            let y = transpose(Double.values(of: x), Double.values(of: w), bias: b.map { Double.values(of: $0) },
                              n: x.shape[0], c: x.shape[1], m: m, group: group, g)
            return [.tensor(Double.array(.double, shape: outShape, y))]
        }
        let y = transpose(Float.values(of: x), Float.values(of: w), bias: b.map { Float.values(of: $0) },
                          n: x.shape[0], c: x.shape[1], m: m, group: group, g)
        return [.tensor(Float.array(x.dataType, shape: outShape, y))]
    }

    /// y[n, m] = bias[m] + col2im(W_gᵀ · X_g).
    static func transpose<T: NNFloat>(_ x: [T], _ w: [T], bias: [T]?, n: Int, c: Int, m: Int, group: Int, _ g: WindowGeometry) -> [T] {
        let cg = c / group, mg = m / group
        let inSize = g.inputSize, outSize = g.outputSize, ks = g.kernelSize
        var y = channelFilled(bias, n: n, channels: m, size: outSize)
        guard !y.isEmpty, !x.isEmpty, !w.isEmpty else { return y }
        var cols = uninitializedArray(T.self, count: mg * ks * inSize)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    cols.withUnsafeMutableBufferPointer { cp in
                        for b in 0..<n {
                            for gi in 0..<group {
                                let xg = xp.baseAddress! + (b * c + gi * cg) * inSize
                                let wg = wp.baseAddress! + gi * cg * mg * ks
                                T.gemm(transA: true, transB: false, m: mg * ks, n: inSize, k: cg, alpha: 1,
                                       a: wg, lda: mg * ks, b: xg, ldb: inSize, beta: 0, c: cp.baseAddress!, ldc: inSize)
                                col2im(cp.baseAddress!, channels: mg, g, yp.baseAddress! + (b * m + gi * mg) * outSize)
                            }
                        }
                    }
                }
            }
        }
        return y
    }
}
