import ModelIR

/// TFLite CONV_2D and DEPTHWISE_CONV_2D as the reference kernels compute them: float, and int8/uint8
/// or 16x8 quantized with per-channel fixed-point requantization.
enum TFLiteConvKernels {
    static var table: [String: Kernel] {
        [
            "tflite::CONV_2D": conv2D,
            "tflite::DEPTHWISE_CONV_2D": depthwiseConv2D,
        ]
    }

    // MARK: Kernels

    static let conv2D: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0), w = try call.tensor(1)
        guard w.rank == 4 else { throw call.invalid("filter must be 4-D [O, H, W, I], got \(w.shape)") }
        let g = try TFLiteWindow(call, input: x.shape, filterH: w.shape[1], filterW: w.shape[2])
        let (outC, groupC) = (w.shape[0], w.shape[3])
        guard groupC > 0, g.inC % groupC == 0, outC % (g.inC / groupC) == 0 else {
            throw call.invalid("filter \(w.shape) does not match input channels \(g.inC)")
        }
        let spec = ConvSpec(window: g, outC: outC, groupC: groupC, depthMultiplier: 0)
        return [.tensor(try run(call, spec, x: x, w: w))]
    }

    static let depthwiseConv2D: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0), w = try call.tensor(1)
        guard w.rank == 4, w.shape[0] == 1 else { throw call.invalid("filter must be [1, H, W, C*M], got \(w.shape)") }
        let g = try TFLiteWindow(call, input: x.shape, filterH: w.shape[1], filterW: w.shape[2])
        let outC = w.shape[3]
        guard g.inC > 0, outC % g.inC == 0 else { throw call.invalid("filter \(w.shape) does not match input channels \(g.inC)") }
        let spec = ConvSpec(window: g, outC: outC, groupC: 1, depthMultiplier: outC / g.inC)
        return [.tensor(try run(call, spec, x: x, w: w))]
    }

    /// Geometry of a (grouped or depthwise) convolution; `depthMultiplier` > 0 means depthwise.
    struct ConvSpec {
        var window: TFLiteWindow
        var outC: Int
        var groupC: Int
        var depthMultiplier: Int
        var outputShape: [Int] { [window.batches, window.outH, window.outW, outC] }
        var outputCount: Int { window.batches * window.outH * window.outW * outC }
    }

    /// Dispatches on the input type and computes the output array.
    static func run(_ call: KernelCall, _ spec: ConvSpec, x: NDArray, w: NDArray) throws(InterpreterError) -> NDArray {
        let expectedW = spec.depthMultiplier > 0 ? spec.outC * spec.window.filterH * spec.window.filterW
            : spec.outC * spec.window.filterH * spec.window.filterW * spec.groupC
        guard w.count == expectedW, x.count == spec.window.batches * spec.window.inH * spec.window.inW * spec.window.inC else {
            throw call.invalid("input or filter element count does not match its shape")
        }
        let bias = call.optionalTensor(2)
        if let bias, bias.count != spec.outC { throw call.invalid("bias has \(bias.count) elements, expected \(spec.outC)") }
        switch x.dataType {
        case .float, .float16:
            let xs = try TFLiteFloats.values(x, call)
            let bs = try bias.map { b throws(InterpreterError) in try TFLiteFloats.values(b, call) }
            if w.dataType == .int8 || w.dataType == .int4 {
                return NDArray(shape: spec.outputShape, floats: try TFLiteHybrid.conv(call, spec, x: xs, w: w, bias: bs))
            }
            let ws = try TFLiteFloats.values(w, call)
            let (lo, hi) = try call.floatActivationRange()
            var y = spec.depthMultiplier > 0 ? depthwiseFloat(spec, xs, ws) : convFloat(spec, xs, ws)
            let c = spec.outC
            for i in y.indices { y[i] = TFLiteFloats.clamp(y[i] + (bs?[i % c] ?? 0), lo, hi) }
            return NDArray(shape: spec.outputShape, floats: y)
        case .int8, .uint8, .int16:
            let inQ = try call.tflQuant(input: 0), wQ = try call.tflQuant(input: 1), outQ = try call.tflQuant(output: 0)
            let type = x.dataType
            let xs = try TFLiteInts.values(x, call).map { Int64($0 - inQ.zeroPoint) }
            let wZero = type == .uint8 ? Int64(wQ.zeroPoint) : 0
            let ws = try TFLiteInts.values(w, call).map { Int64($0) - wZero }
            var acc = spec.depthMultiplier > 0 ? depthwiseInt(spec, xs, ws) : convInt(spec, xs, ws)
            if let bias {
                let bs = bias.int64s
                let c = spec.outC
                for i in acc.indices { acc[i] += bs[i % c] }
            }
            let scaling: Scaling = type == .int16 ? .fixedPoint64 : .fixedPoint
            let rq = try Requantizer(call, input: inQ, filter: wQ, output: outQ, channels: spec.outC, type: type, scaling: scaling)
            var out = [Int32](repeating: 0, count: acc.count)
            let c = spec.outC
            for i in acc.indices { out[i] = rq.apply(acc[i], channel: i % c) }
            return TFLiteInts.array(out, type: type, shape: spec.outputShape)
        default:
            throw call.unsupported(x.dataType)
        }
    }

    // MARK: Requantization

    /// How accumulators are scaled to the output.
    enum Scaling {
        /// 32-bit `MultiplyByQuantizedMultiplier` (8-bit convolutions).
        case fixedPoint
        /// 64-bit `MultiplyByQuantizedMultiplier` (16x8 convolutions).
        case fixedPoint64
        /// `round(acc * scale)` in double (fully connected).
        case double
    }

    /// Turns accumulators into outputs with per-channel scales, as the reference kernels do.
    struct Requantizer {
        var multipliers: [Int32] = []
        var shifts: [Int] = []
        var scales: [Double] = []
        var scaling: Scaling
        var zeroPoint: Int32
        var lo: Int32, hi: Int32

        init(_ call: KernelCall, input: TFLiteQuant, filter: TFLiteQuant, output: TFLiteQuant, channels: Int, type: DataType,
             scaling: Scaling) throws(InterpreterError) {
            guard filter.scales.count == 1 || filter.scales.count == channels else {
                throw call.invalid("filter has \(filter.scales.count) scales for \(channels) output channels")
            }
            for c in 0..<channels {
                let fs = filter.scales.count == 1 ? filter.scales[0] : filter.scales[c]
                let scale = Double(input.scale) * Double(fs) / Double(output.scale)
                scales.append(scale)
                let q = TFLiteFixedPoint.quantizeMultiplier(scale)
                multipliers.append(q.multiplier)
                shifts.append(q.shift)
            }
            self.scaling = scaling
            zeroPoint = output.zeroPoint
            (lo, hi) = try call.quantizedActivationRange(output, type: type)
        }

        @inline(__always)
        func apply(_ acc: Int64, channel c: Int) -> Int32 {
            let scaled: Int32
            switch scaling {
            case .double:
                let r = (Double(acc) * scales[c]).rounded()
                scaled = TFLiteInts.saturating(r)
            case .fixedPoint64:
                scaled = TFLiteFixedPoint.multiply(acc, by: multipliers[c], shift: shifts[c])
            case .fixedPoint:
                scaled = TFLiteFixedPoint.multiply(Int32(truncatingIfNeeded: acc), by: multipliers[c], shift: shifts[c])
            }
            return TFLiteInts.clamp(scaled &+ zeroPoint, lo, hi)
        }
    }

    // MARK: Loops

    /// Grouped convolution (no bias), summed into each output element in the reference order
    /// (y, x, channel): integer accumulators (zero points already removed) or float sums.
    static func conv<T: Numeric>(_ s: ConvSpec, _ x: [T], _ w: [T]) -> [T] {
        let g = s.window
        var out = [T](repeating: 0, count: s.outputCount)
        let perGroup = s.outC / max(g.inC / s.groupC, 1)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    for b in 0..<g.batches {
                        for oy in 0..<g.outH {
                            for ox in 0..<g.outW {
                                let o = ((b * g.outH + oy) * g.outW + ox) * s.outC
                                for ky in 0..<g.filterH {
                                    let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                    if iy < 0 || iy >= g.inH { continue }
                                    for kx in 0..<g.filterW {
                                        let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                        if ix < 0 || ix >= g.inW { continue }
                                        let xi = ((b * g.inH + iy) * g.inW + ix) * g.inC
                                        for oc in 0..<s.outC {
                                            let xg = xi + (oc / perGroup) * s.groupC
                                            let wi = ((oc * g.filterH + ky) * g.filterW + kx) * s.groupC
                                            var acc = op[o + oc]
                                            for ic in 0..<s.groupC { acc += xp[xg + ic] * wp[wi + ic] }
                                            op[o + oc] = acc
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    static func convInt(_ s: ConvSpec, _ x: [Int64], _ w: [Int64]) -> [Int64] { conv(s, x, w) }

    static func convFloat(_ s: ConvSpec, _ x: [Float], _ w: [Float]) -> [Float] { conv(s, x, w) }

    /// Depthwise accumulators (no bias) for integer accumulators or float sums, in the reference order
    /// (y, x): output channel `oc` reads input channel `oc / multiplier`.
    static func depthwise<T: Numeric>(_ s: ConvSpec, _ x: [T], _ w: [T]) -> [T] {
        let g = s.window
        var out = [T](repeating: 0, count: s.outputCount)
        let m = s.depthMultiplier
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    for b in 0..<g.batches {
                        for oy in 0..<g.outH {
                            for ox in 0..<g.outW {
                                let o = ((b * g.outH + oy) * g.outW + ox) * s.outC
                                for ky in 0..<g.filterH {
                                    let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                    if iy < 0 || iy >= g.inH { continue }
                                    for kx in 0..<g.filterW {
                                        let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                        if ix < 0 || ix >= g.inW { continue }
                                        let xi = ((b * g.inH + iy) * g.inW + ix) * g.inC
                                        let wi = (ky * g.filterW + kx) * s.outC
                                        for oc in 0..<s.outC { op[o + oc] += xp[xi + oc / m] * wp[wi + oc] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    static func depthwiseInt(_ s: ConvSpec, _ x: [Int64], _ w: [Int64]) -> [Int64] { depthwise(s, x, w) }

    static func depthwiseFloat(_ s: ConvSpec, _ x: [Float], _ w: [Float]) -> [Float] { depthwise(s, x, w) }
}
