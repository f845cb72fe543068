import ModelIR

/// TFLite AVERAGE_POOL_2D, MAX_POOL_2D, MEAN and RESIZE_BILINEAR as the reference kernels compute them.
enum TFLitePoolKernels {
    static var table: [String: Kernel] {
        [
            "tflite::AVERAGE_POOL_2D": { call throws(InterpreterError) in [.tensor(try pool(call, average: true))] },
            "tflite::MAX_POOL_2D": { call throws(InterpreterError) in [.tensor(try pool(call, average: false))] },
            "tflite::MEAN": mean,
            "tflite::RESIZE_BILINEAR": resizeBilinear,
        ]
    }

    // MARK: Pooling

    /// Average or max pooling over the valid part of each window (padding is never counted).
    static func pool(_ call: KernelCall, average: Bool) throws(InterpreterError) -> NDArray {
        let x = try call.tensor(0)
        let g = try TFLiteWindow(call, input: x.shape, filterH: call.int("filter_height", default: 1),
                                 filterW: call.int("filter_width", default: 1))
        let shape = [g.batches, g.outH, g.outW, g.inC]
        let count = shape.reduce(1, *)
        guard x.count == g.batches * g.inH * g.inW * g.inC else { throw call.invalid("input element count does not match its shape") }
        /// Visits each output element with its flat index and the flat input indices of its window.
        func forEachWindow(_ body: (Int, [Int]) -> Void) {
            var window: [Int] = []
            window.reserveCapacity(g.filterH * g.filterW)
            for b in 0..<g.batches {
                for oy in 0..<g.outH {
                    for ox in 0..<g.outW {
                        let y0 = oy * g.strideH - g.padH, x0 = ox * g.strideW - g.padW
                        window.removeAll(keepingCapacity: true)
                        for fy in max(0, -y0)..<max(max(0, -y0), min(g.filterH, g.inH - y0)) {
                            for fx in max(0, -x0)..<max(max(0, -x0), min(g.filterW, g.inW - x0)) {
                                window.append(((b * g.inH + y0 + fy) * g.inW + x0 + fx) * g.inC)
                            }
                        }
                        body(((b * g.outH + oy) * g.outW + ox) * g.inC, window)
                    }
                }
            }
        }
        switch x.dataType {
        case .float, .float16:
            let xs = try TFLiteFloats.values(x, call)
            let (lo, hi) = try call.floatActivationRange()
            var y = [Float](repeating: 0, count: count)
            forEachWindow { o, window in
                for c in 0..<g.inC {
                    var v: Float = average ? 0 : -Float.greatestFiniteMagnitude
                    for i in window { v = average ? v + xs[i + c] : max(v, xs[i + c]) }
                    if average { v /= Float(window.count) }
                    y[o + c] = TFLiteFloats.clamp(v, lo, hi)
                }
            }
            return NDArray(shape: shape, floats: y)
        case .int8, .uint8, .int16:
            let xs = try TFLiteInts.values(x, call)
            let (lo, hi) = try call.quantizedActivationRange(try call.tflQuant(output: 0), type: x.dataType)
            var y = [Int32](repeating: 0, count: count)
            forEachWindow { o, window in
                let n = Int64(window.count)
                for c in 0..<g.inC {
                    if average {
                        var acc: Int64 = 0
                        for i in window { acc += Int64(xs[i + c]) }
                        if n > 0 { acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n }
                        y[o + c] = Int32(min(max(acc, Int64(lo)), Int64(hi)))
                    } else {
                        var v = TFLiteFixedPoint.range(of: x.dataType)?.min ?? Int32.min
                        for i in window { v = max(v, xs[i + c]) }
                        y[o + c] = TFLiteInts.clamp(v, lo, hi)
                    }
                }
            }
            return TFLiteInts.array(y, type: x.dataType, shape: shape)
        default:
            throw call.unsupported(x.dataType)
        }
    }

    // MARK: MEAN

    /// Mean over the axes of input 1; quantized inputs fold `1/n` into the output multiplier
    /// (`QuantizedMeanOrSum`).
    static let mean: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        let rank = x.rank
        var axes: [Int] = []
        for a in try call.tflInts(1) {
            let r = a < 0 ? a + rank : a
            guard r >= 0, r < max(rank, 1) else { throw call.invalid("axis \(a) is out of range for rank \(rank)") }
            if !axes.contains(r) { axes.append(r) }
        }
        let keep = call.int("keep_dims", default: 0) != 0
        var outShape: [Int] = []
        for (d, n) in x.shape.enumerated() {
            if axes.contains(d) { if keep { outShape.append(1) } } else { outShape.append(n) }
        }
        // Map each input element to its output element.
        let strides = NDArray.strides(of: x.shape)
        var outStrides = [Int](repeating: 0, count: rank)
        var acc = 1
        for d in stride(from: rank - 1, through: 0, by: -1) where !axes.contains(d) {
            outStrides[d] = acc
            acc *= x.shape[d]
        }
        let outCount = acc
        let n = axes.reduce(1) { $0 * (rank == 0 ? 1 : x.shape[$1]) }
        func outIndex(_ flat: Int) -> Int {
            var rest = flat, o = 0
            for d in 0..<rank {
                let i = rest / strides[d]
                rest -= i * strides[d]
                o += i * outStrides[d]
            }
            return o
        }
        switch x.dataType {
        case .float, .float16:
            let xs = try TFLiteFloats.values(x, call)
            var sums = [Float](repeating: 0, count: outCount)
            for i in xs.indices { sums[outIndex(i)] += xs[i] }
            if n > 0 { for i in sums.indices { sums[i] /= Float(n) } }
            return [.tensor(NDArray(shape: outShape, floats: sums))]
        case .int32, .int64:
            let xs = x.int64s
            var sums = [Int64](repeating: 0, count: outCount)
            for i in xs.indices { sums[outIndex(i)] &+= xs[i] }
            if n > 0 { for i in sums.indices { sums[i] /= Int64(n) } }
            let storage: NDArray.Storage = x.dataType == .int32 ? .int32(sums.map { Int32(truncatingIfNeeded: $0) }) : .int64(sums)
            return [.tensor(NDArray(dataType: x.dataType, shape: outShape, storage: storage))]
        case .int8, .uint8, .int16:
            let xs = try TFLiteInts.values(x, call)
            let inQ = try call.tflQuant(input: 0), outQ = try call.tflQuant(output: 0)
            var sums = [Int32](repeating: 0, count: outCount)
            for i in xs.indices { sums[outIndex(i)] &+= xs[i] }
            var (multiplier, shift) = TFLiteFixedPoint.quantizeMultiplier(Double(inQ.scale) / Double(outQ.scale))
            guard let (qmin, qmax) = TFLiteFixedPoint.range(of: x.dataType) else { throw call.unsupported(x.dataType) }
            guard n > 0 else { return [.tensor(TFLiteInts.array(sums.map { _ in 0 }, type: x.dataType, shape: outShape))] }
            var s = 63 - UInt64(n).leadingZeroBitCount
            s = min(s, 32, 31 + shift)
            multiplier = Int32(truncatingIfNeeded: (Int64(multiplier) << s) / Int64(n))
            shift -= s
            let y = sums.map { sum -> Int32 in
                let shifted = Int32(truncatingIfNeeded: Int64(sum) - Int64(inQ.zeroPoint) * Int64(n))
                return TFLiteInts.clamp(TFLiteFixedPoint.multiply(shifted, by: multiplier, shift: shift) &+ outQ.zeroPoint, qmin, qmax)
            }
            return [.tensor(TFLiteInts.array(y, type: x.dataType, shape: outShape))]
        default:
            throw call.unsupported(x.dataType)
        }
    }

    // MARK: RESIZE_BILINEAR

    /// Bilinear resize of NHWC to the size in input 1 (TFLite's extrapolating corner handling kept):
    /// float math for float and uint8, 10-bit fixed point for int8 and int16.
    static let resizeBilinear: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        let size = try call.tflInts(1)
        guard x.rank == 4, size.count == 2, size[0] > 0, size[1] > 0 else {
            throw call.invalid("needs a 4-D input and a positive [height, width] size")
        }
        let (n, ih, iw, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (size[0], size[1])
        let align = call.int("align_corners", default: 0) != 0, half = call.int("half_pixel_centers", default: 0) != 0
        let shape = [n, oh, ow, c]
        try call.checkShape(shape)
        func at(_ b: Int, _ y: Int, _ xx: Int, _ ch: Int) -> Int { ((b * ih + y) * iw + xx) * c + ch }
        switch x.dataType {
        case .float, .float16, .uint8:
            // uint8 takes the float path too, rounding by adding 0.5 before truncation.
            let xs = x.dataType == .uint8 ? try TFLiteInts.values(x, call).map { Float($0) } : try TFLiteFloats.values(x, call)
            let roundingOffset: Float = x.dataType == .uint8 ? 0.5 : 0
            var hs = Float(ih) / Float(oh), ws = Float(iw) / Float(ow)
            if align && oh > 1 { hs = Float(ih - 1) / Float(oh - 1) }
            if align && ow > 1 { ws = Float(iw - 1) / Float(ow - 1) }
            func coord(_ v: Int, _ scale: Float, _ limit: Int) -> (Float, Int, Int) {
                let s = half ? (Float(v) + 0.5) * scale - 0.5 : Float(v) * scale
                return (s, max(Int(s.rounded(.down)), 0), min(Int(s.rounded(.up)), limit - 1))
            }
            var y = [Float](repeating: 0, count: shape.reduce(1, *))
            var o = 0
            for b in 0..<n {
                for oy in 0..<oh {
                    let (fy, y0, y1) = coord(oy, hs, ih)
                    let dy = fy - Float(y0)
                    for ox in 0..<ow {
                        let (fx, x0, x1) = coord(ox, ws, iw)
                        let dx = fx - Float(x0)
                        for ch in 0..<c {
                            y[o] = xs[at(b, y0, x0, ch)] * (1 - dy) * (1 - dx) + xs[at(b, y1, x0, ch)] * dy * (1 - dx)
                                + xs[at(b, y0, x1, ch)] * (1 - dy) * dx + xs[at(b, y1, x1, ch)] * dy * dx + roundingOffset
                            o += 1
                        }
                    }
                }
            }
            if x.dataType == .uint8 {
                return [.tensor(TFLiteInts.array(y.map { Int32(min(max($0, 0), 255)) }, type: .uint8, shape: shape))]
            }
            return [.tensor(NDArray(shape: shape, floats: y))]
        case .int8, .int16:
            let xs = try TFLiteInts.values(x, call)
            let one: Int64 = 1 << 10
            var hs = (one * Int64(ih) + Int64(oh / 2)) / Int64(oh), ws = (one * Int64(iw) + Int64(ow / 2)) / Int64(ow)
            if align && oh > 1 { hs = (one * Int64(ih - 1) + Int64((oh - 1) / 2)) / Int64(oh - 1) }
            if align && ow > 1 { ws = (one * Int64(iw - 1) + Int64((ow - 1) / 2)) / Int64(ow - 1) }
            func coord(_ v: Int, _ scale: Int64, _ limit: Int) -> (Int64, Int, Int) {
                let s = half ? Int64(v) * scale + scale / 2 - (1 << 9) : Int64(v) * scale
                return (s, Int(max(s / one, 0)), Int(min((s + one - 1) / one, Int64(limit - 1))))
            }
            var y = [Int32](repeating: 0, count: shape.reduce(1, *))
            var o = 0
            for b in 0..<n {
                for oy in 0..<oh {
                    let (sy, y0, y1) = coord(oy, hs, ih)
                    let dy = sy - one * Int64(y0)
                    for ox in 0..<ow {
                        let (sx, x0, x1) = coord(ox, ws, iw)
                        let dx = sx - one * Int64(x0)
                        for ch in 0..<c {
                            let v = Int64(xs[at(b, y0, x0, ch)]) * (one - dy) * (one - dx) + Int64(xs[at(b, y1, x0, ch)]) * dy * (one - dx)
                                + Int64(xs[at(b, y0, x1, ch)]) * (one - dy) * dx + Int64(xs[at(b, y1, x1, ch)]) * dy * dx
                            let round: Int64 = v > 0 ? 1 << 19 : -(1 << 19)
                            y[o] = Int32(truncatingIfNeeded: (v + round) / (1 << 20))
                            o += 1
                        }
                    }
                }
            }
            return [.tensor(TFLiteInts.array(y, type: x.dataType, shape: shape))]
        default:
            throw call.unsupported(x.dataType)
        }
    }
}
