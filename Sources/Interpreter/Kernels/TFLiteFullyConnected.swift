import ModelIR

/// TFLite FULLY_CONNECTED (reference kernels) and MediaPipe's custom Convolution2DTransposeBias.
enum TFLiteFullyConnectedKernels {
    static var table: [String: Kernel] {
        [
            "tflite::FULLY_CONNECTED": fullyConnected,
            "tflite.custom::Convolution2DTransposeBias": convolution2DTransposeBias,
        ]
    }

    // MARK: FULLY_CONNECTED

    /// `y = x · Wᵀ + b` over the last input dimension; int8/uint8/int16 outputs are requantized in double
    /// (`round(acc * in_scale * w_scale / out_scale)`), as the reference kernel does.
    static let fullyConnected: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0), w = try call.tensor(1)
        guard call.int("weights_format", default: 0) == 0 else { throw call.invalid("shuffled weights are not supported") }
        guard w.rank == 2 else { throw call.invalid("weights must be 2-D [units, depth], got \(w.shape)") }
        let (units, depth) = (w.shape[0], w.shape[1])
        guard depth > 0, x.count % depth == 0 else { throw call.invalid("input \(x.shape) does not divide into rows of \(depth)") }
        let rows = x.count / depth
        var shape = [rows, units]
        if call.int("keep_num_dims", default: 0) != 0 {
            shape = x.shape
            if shape.isEmpty { shape = [units] } else { shape[shape.count - 1] = units }
        }
        let bias = call.optionalTensor(2)
        if let bias, bias.count != units { throw call.invalid("bias has \(bias.count) elements, expected \(units)") }
        switch x.dataType {
        case .float, .float16:
            let xs = try TFLiteFloats.values(x, call)
            let bs = try bias.map { b throws(InterpreterError) in try TFLiteFloats.values(b, call) }
            if w.dataType == .int8 || w.dataType == .uint8 || w.dataType == .int4 {
                let y = try TFLiteHybrid.fullyConnected(call, x: xs, w: w, bias: bs, rows: rows, units: units, depth: depth)
                return [.tensor(NDArray(shape: shape, floats: y))]
            }
            let ws = try TFLiteFloats.values(w, call)
            let (lo, hi) = try call.floatActivationRange()
            var y = [Float](repeating: 0, count: rows * units)
            xs.withUnsafeBufferPointer { xp in
                ws.withUnsafeBufferPointer { wp in
                    for r in 0..<rows {
                        for u in 0..<units {
                            var total: Float = 0
                            for d in 0..<depth { total += xp[r * depth + d] * wp[u * depth + d] }
                            y[r * units + u] = TFLiteFloats.clamp(total + (bs?[u] ?? 0), lo, hi)
                        }
                    }
                }
            }
            return [.tensor(NDArray(shape: shape, floats: y))]
        case .int8, .uint8, .int16:
            let inQ = try call.tflQuant(input: 0), wQ = try call.tflQuant(input: 1), outQ = try call.tflQuant(output: 0)
            let outType = call.tflOutputType(fallback: x.dataType)
            let perChannel = wQ.scales.count > 1
            let xs = try TFLiteInts.values(x, call).map { Int64($0 - inQ.zeroPoint) }
            let ws = try TFLiteInts.values(w, call).map { Int64($0) - (perChannel ? 0 : Int64(wQ.zeroPoint)) }
            let bs = bias?.int64s
            let rq = try TFLiteConvKernels.Requantizer(call, input: inQ, filter: wQ, output: outQ, channels: units, type: outType,
                                                       scaling: .double)
            var y = [Int32](repeating: 0, count: rows * units)
            xs.withUnsafeBufferPointer { xp in
                ws.withUnsafeBufferPointer { wp in
                    for r in 0..<rows {
                        for u in 0..<units {
                            var acc: Int64 = 0
                            for d in 0..<depth { acc += wp[u * depth + d] * xp[r * depth + d] }
                            if let bs { acc += bs[u] }
                            // 8-bit inputs accumulate in int32 in the reference kernel.
                            if x.dataType != .int16 { acc = Int64(Int32(truncatingIfNeeded: acc)) }
                            y[r * units + u] = rq.apply(acc, channel: u)
                        }
                    }
                }
            }
            return [.tensor(TFLiteInts.array(y, type: outType, shape: shape))]
        default:
            throw call.unsupported(x.dataType)
        }
    }

    // MARK: Convolution2DTransposeBias

    /// MediaPipe's transposed convolution with bias: 12-byte options (int32 padding 1 SAME / 2 VALID,
    /// stride_w, stride_h); input NHWC, weights [O, H, W, I], bias [O]; float only.
    static let convolution2DTransposeBias: Kernel = { call throws(InterpreterError) in
        guard case .string(let bytes)? = call.attribute("_custom_options"), bytes.count >= 12 else {
            throw call.invalid("Convolution2DTransposeBias needs its 12-byte options")
        }
        func word(_ i: Int) -> Int {
            Int(Int32(bitPattern: UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24))
        }
        let (padding, strideW, strideH) = (word(0), word(1), word(2))
        guard strideW > 0, strideH > 0 else { throw call.invalid("strides must be positive") }
        let x = try call.tensor(0), w = try call.tensor(1)
        guard x.rank == 4, w.rank == 4, w.shape[3] == x.shape[3] else {
            throw call.invalid("input \(x.shape) and weights \(w.shape) must be NHWC and [O, H, W, I]")
        }
        let (n, ih, iw, ic) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oc, kh, kw) = (w.shape[0], w.shape[1], w.shape[2])
        let (oh, ow) = padding == 2 ? ((ih - 1) * strideH + kh, (iw - 1) * strideW + kw) : (ih * strideH, iw * strideW)
        let padTop = max(0, ((ih - 1) * strideH + kh - oh) / 2)
        let padLeft = max(0, ((iw - 1) * strideW + kw - ow) / 2)
        let xs = try TFLiteFloats.values(x, call), ws = try TFLiteFloats.values(w, call)
        let bs = try call.optionalTensor(2).map { b throws(InterpreterError) in try TFLiteFloats.values(b, call) }
        if let bs, bs.count != oc { throw call.invalid("bias has \(bs.count) elements, expected \(oc)") }
        var y = [Float](repeating: 0, count: n * oh * ow * oc)
        xs.withUnsafeBufferPointer { xp in
            ws.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    for b in 0..<n {
                        for iy in 0..<ih {
                            for ix in 0..<iw {
                                let xi = ((b * ih + iy) * iw + ix) * ic
                                for ky in 0..<kh {
                                    let oy = iy * strideH + ky - padTop
                                    if oy < 0 || oy >= oh { continue }
                                    for kx in 0..<kw {
                                        let ox = ix * strideW + kx - padLeft
                                        if ox < 0 || ox >= ow { continue }
                                        let yi = ((b * oh + oy) * ow + ox) * oc
                                        for o in 0..<oc {
                                            let wi = ((o * kh + ky) * kw + kx) * ic
                                            var acc: Float = 0
                                            for c in 0..<ic { acc += xp[xi + c] * wp[wi + c] }
                                            yp[yi + o] += acc
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if let bs {
                        for i in 0..<yp.count { yp[i] += bs[i % oc] }
                    }
                }
            }
        }
        return [.tensor(NDArray(shape: [n, oh, ow, oc], floats: y))]
    }
}
