import ModelIR

/// AveragePool, MaxPool (with Indices), LpPool, the global pools and MaxUnpool.
enum PoolKernels {
    static var table: [String: Kernel] {
        [
            "MaxPool": { call throws(InterpreterError) in try pool(call, .max) },
            "AveragePool": { call throws(InterpreterError) in
                try pool(call, .average(includePad: call.int("count_include_pad", default: 0) != 0))
            },
            "LpPool": { call throws(InterpreterError) in try pool(call, .lp(p: Double(call.int("p", default: 2)))) },
            "GlobalMaxPool": { call throws(InterpreterError) in try global(call, .max) },
            "GlobalAveragePool": { call throws(InterpreterError) in try global(call, .average(includePad: false)) },
            "GlobalLpPool": { call throws(InterpreterError) in try global(call, .lp(p: Double(call.int("p", default: 2)))) },
            "MaxUnpool": maxUnpool,
        ]
    }

    enum Mode: Sendable { case max, average(includePad: Bool), lp(p: Double) }

    /// Input as Float or Double values (8-bit integers are exact in Float), checked for the op.
    static func input(_ call: KernelCall, _ mode: Mode) throws(InterpreterError) -> NDArray {
        let x = try call.tensor(0)
        let intOK: Bool
        if case .max = mode { intOK = x.dataType == .int8 || x.dataType == .uint8 } else { intOK = false }
        guard x.dataType.isNNFloating || intOK else { throw call.unsupported(x.dataType) }
        guard x.rank >= 3 else { throw call.invalid("pooling needs an input of rank >= 3") }
        return x
    }

    // MARK: Windowed pools

    static func pool(_ call: KernelCall, _ mode: Mode) throws(InterpreterError) -> [RuntimeValue] {
        let x = try input(call, mode)
        guard let kernel = call.ints("kernel_shape"), kernel.count == x.rank - 2 else {
            throw .invalidAttribute(node: call.label, attribute: "kernel_shape", reason: "one value per spatial dimension is required")
        }
        let g = try WindowGeometry.make(call, input: Array(x.shape[2...]), kernel: kernel,
                                        ceilMode: call.int("ceil_mode", default: 0) != 0)
        let planes = x.shape[0] * x.shape[1]
        let shape = Array(x.shape[..<2]) + g.outputShape
        try call.checkShape(shape)
        let wantIndices = call.node.outputs.count > 1 && !call.node.outputs[1].isEmpty
        let columnMajor = call.int("storage_order", default: 0) != 0
        var values: NDArray
        var indices: [Int64]?
        if case .max = mode, !wantIndices, g.input[0] == 1, let bytes = maxPoolBytes(x, planes: planes, g) {
            return [.tensor(NDArray(dataType: x.dataType, shape: shape, storage: bytes))]
        }
        if case .double(let a) = x.storage {
            let r = compute(a, planes: planes, g, mode, indices: wantIndices, columnMajor: columnMajor)
            values = Double.array(.double, shape: shape, r.0)
            indices = r.1
        } else {
            let r = compute(Float.values(of: x), planes: planes, g, mode, indices: wantIndices, columnMajor: columnMajor)
            // 8-bit maxima are input elements (or 0 for windows in the padding): exact in either type.
            switch x.dataType {
            case .uint8: values = NDArray(dataType: .uint8, shape: shape, storage: .uint8(mapElements(r.0) { UInt8($0) }))
            case .int8: values = NDArray(dataType: .int8, shape: shape, storage: .int8(mapElements(r.0) { Int8($0) }))
            default: values = Float.array(x.dataType, shape: shape, r.0)
            }
            indices = r.1
        }
        guard let indices else { return [.tensor(values)] }
        return [.tensor(values), .tensor(NDArray(shape: shape, int64s: indices))]
    }

    /// 1-D/2-D max pooling of uint8/int8 planes in their own type (the maxima are input elements, or
    /// 0 for windows in the padding); nil for other types.
    static func maxPoolBytes(_ x: NDArray, planes: Int, _ g: WindowGeometry) -> NDArray.Storage? {
        func pooled<T: PhaseElement & Numeric>(_ a: [T]) -> [T] {
            var y = [T](repeating: 0, count: planes * g.outputSize)
            guard !a.isEmpty else { return y }
            a.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in rowMaxPool(xp.baseAddress!, yp.baseAddress!, planes: planes, g) }
            }
            return y
        }
        switch x.storage {
        case .uint8(let a): return .uint8(pooled(a))
        case .int8(let a): return .int8(pooled(a))
        default: return nil
        }
    }

    /// Per output coordinate along one dimension: the kernel taps inside the input, and how many
    /// taps fall inside input plus explicit padding (for count_include_pad).
    static func taps(_ g: WindowGeometry, _ d: Int) -> [(valid: Range<Int>, included: Int)] {
        (0..<g.output[d]).map { o in
            let start = o * g.strides[d] - g.padsBegin[d]
            let valid = ConvKernels.validRange(start: start, stride: g.dilations[d], size: g.input[d], count: g.kernel[d])
            let inc = ConvKernels.validRange(start: start, stride: g.dilations[d], size: g.input[d] + g.padsEnd[d], count: g.kernel[d])
            return (valid, inc.upperBound)
        }
    }

    /// One output window: flat input offsets of the window origin along each axis, and its taps.
    struct Window {
        var d0: Int, h0: Int, w0: Int
        var kd: Range<Int>, kh: Range<Int>, kw: Range<Int>
        /// Taps inside input plus explicit padding (count_include_pad divisor).
        var included: Int
    }

    /// Calls `body(plane, window, out)` for every output element, `out` being its flat output index.
    @inline(__always)
    static func forEachWindow(planes: Int, _ g: WindowGeometry, _ body: (Int, Window, Int) -> Void) {
        let (OD, OH, OW) = (g.output[0], g.output[1], g.output[2])
        let td = taps(g, 0), th = taps(g, 1), tw = taps(g, 2)
        var out = 0
        for p in 0..<planes {
            for od in 0..<OD {
                for oh in 0..<OH {
                    for ow in 0..<OW {
                        let w = Window(d0: od * g.strides[0] - g.padsBegin[0], h0: oh * g.strides[1] - g.padsBegin[1],
                                       w0: ow * g.strides[2] - g.padsBegin[2], kd: td[od].valid, kh: th[oh].valid,
                                       kw: tw[ow].valid, included: td[od].included * th[oh].included * tw[ow].included)
                        body(p, w, out)
                        out += 1
                    }
                }
            }
        }
    }

    /// Pools every (n, c) plane; returns values and, when asked, MaxPool's flat argmax indices.
    static func compute<T: NNFloat>(_ x: [T], planes: Int, _ g: WindowGeometry, _ mode: Mode, indices: Bool, columnMajor: Bool) -> ([T], [Int64]?) {
        let (D, H, W) = (g.input[0], g.input[1], g.input[2])
        let (dd, dh, dw) = (g.dilations[0], g.dilations[1], g.dilations[2])
        let inSize = D * H * W
        var y = [T](repeating: 0, count: planes * g.outputSize)
        var idx = [Int64](repeating: -1, count: indices ? y.count : 0)
        guard !y.isEmpty, !x.isEmpty else { return (y, indices ? idx : nil) }
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                if !indices && D == 1 {
                    switch mode {
                    case .max: rowPool(xp, yp, planes: planes, g, max: true, includePad: false); return
                    case .average(let includePad): rowPool(xp, yp, planes: planes, g, max: false, includePad: includePad); return
                    case .lp: break
                    }
                }
                switch mode {
                case .max:
                    forEachWindow(planes: planes, g) { p, win, out in
                        let plane = xp + p * inSize
                        var best = -T.infinity, at = -1
                        for kd in win.kd {
                            for kh in win.kh {
                                let row = ((win.d0 + kd * dd) * H + win.h0 + kh * dh) * W + win.w0
                                for kw in win.kw {
                                    let v = plane[row + kw * dw]
                                    if at < 0 || v > best { best = v; at = row + kw * dw }
                                }
                            }
                        }
                        guard at >= 0 else { return }
                        yp[out] = best
                        if indices {
                            let (pd, rest) = at.quotientAndRemainder(dividingBy: H * W)
                            let (ph, pw) = rest.quotientAndRemainder(dividingBy: W)
                            idx[out] = Int64(p * inSize + (columnMajor ? pd + ph * D + pw * D * H : at))
                        }
                    }
                case .average(let includePad):
                    forEachWindow(planes: planes, g) { p, win, out in
                        let plane = xp + p * inSize
                        var s: T = 0
                        for kd in win.kd {
                            for kh in win.kh {
                                let row = plane + ((win.d0 + kd * dd) * H + win.h0 + kh * dh) * W + win.w0
                                for kw in win.kw { s += row[kw * dw] }
                            }
                        }
                        let count = includePad ? win.included : win.kd.count * win.kh.count * win.kw.count
                        yp[out] = count > 0 ? s / T(count) : 0
                    }
                case .lp(let e):
                    forEachWindow(planes: planes, g) { p, win, out in
                        let plane = xp + p * inSize
                        var s = 0.0
                        for kd in win.kd {
                            for kh in win.kh {
                                let row = plane + ((win.d0 + kd * dd) * H + win.h0 + kh * dh) * W + win.w0
                                for kw in win.kw { s += Double.nnPow(Swift.abs(Double(row[kw * dw])), e) }
                            }
                        }
                        yp[out] = T(Double.nnPow(s, 1 / e))
                    }
                }
            }
        }
        return (y, indices ? idx : nil)
    }

    // MARK: Global pools

    static func global(_ call: KernelCall, _ mode: Mode) throws(InterpreterError) -> [RuntimeValue] {
        let x = try input(call, mode)
        let planes = x.shape[0] * x.shape[1], size = x.shape[2...].reduce(1, *)
        let shape = Array(x.shape[..<2]) + [Int](repeating: 1, count: x.rank - 2)
        func run<T: NNFloat>(_ v: [T]) -> [T] {
            var out = [T](repeating: 0, count: planes)
            if case .average = mode, v.count == planes * size {
                v.withUnsafeBufferPointer { xp in
                    out.withUnsafeMutableBufferPointer { averages(xp, planes: planes, size: size, into: $0) }
                }
                return out
            }
            v.withUnsafeBufferPointer { xp in
                for p in 0..<planes {
                    let base = p * size
                    switch mode {
                    case .max:
                        var m = -T.infinity
                        for i in 0..<size where xp[base + i] > m { m = xp[base + i] }
                        out[p] = m
                    case .average:
                        var s = 0.0
                        for i in 0..<size { s += Double(xp[base + i]) }
                        out[p] = T(s / Double(max(size, 1)))
                    case .lp(let e):
                        var s = 0.0
                        for i in 0..<size { s += Double.nnPow(Swift.abs(Double(xp[base + i])), e) }
                        out[p] = T(Double.nnPow(s, 1 / e))
                    }
                }
            }
            return out
        }
        if case .double(let a) = x.storage { return [.tensor(Double.array(.double, shape: shape, run(a)))] }
        return [.tensor(Float.array(x.dataType, shape: shape, run(Float.values(of: x))))]
    }

    /// The mean of each of `planes` consecutive runs of `size` values, each summed in order in Double.
    /// Four planes are summed side by side: independent additions overlap in the CPU, and each
    /// plane's sum is the same sequence of additions as summing it alone.
    static func averages<T: NNFloat>(_ x: UnsafeBufferPointer<T>, planes: Int, size: Int, into out: UnsafeMutableBufferPointer<T>) {
        guard let base = x.baseAddress else { return }
        let divisor = Double(max(size, 1))
        var p = 0
        while p + 4 <= planes {
            let (a, b, c, d) = (base + p * size, base + (p + 1) * size, base + (p + 2) * size, base + (p + 3) * size)
            var (sa, sb, sc, sd) = (0.0, 0.0, 0.0, 0.0)
            for i in 0..<size {
                sa += Double(a[i]); sb += Double(b[i]); sc += Double(c[i]); sd += Double(d[i])
            }
            (out[p], out[p + 1], out[p + 2], out[p + 3]) = (T(sa / divisor), T(sb / divisor), T(sc / divisor), T(sd / divisor))
            p += 4
        }
        while p < planes {
            var s = 0.0
            for i in 0..<size { s += Double(base[p * size + i]) }
            out[p] = T(s / divisor)
            p += 1
        }
    }

    // MARK: MaxUnpool

    static let maxUnpool: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0), indices = try call.tensor(1)
        guard x.rank >= 3, indices.shape == x.shape else { throw call.invalid("MaxUnpool needs X of rank >= 3 and Indices of the same shape") }
        let r = x.rank - 2
        guard let kernel = call.ints("kernel_shape"), kernel.count == r else {
            throw .invalidAttribute(node: call.label, attribute: "kernel_shape", reason: "one value per spatial dimension is required")
        }
        let strides = call.ints("strides") ?? [Int](repeating: 1, count: r)
        let pads = call.ints("pads") ?? [Int](repeating: 0, count: 2 * r)
        let limit = 1 << 30
        guard strides.count == r, pads.count == 2 * r, (kernel + strides + pads).allSatisfy({ $0 > -limit && $0 < limit }) else {
            throw call.invalid("kernel_shape, strides and pads must match the spatial rank")
        }
        var inferred = Array(x.shape[..<2])
        for d in 0..<r { inferred.append((x.shape[d + 2] - 1) * strides[d] - pads[d] - pads[d + r] + kernel[d]) }
        guard inferred.allSatisfy({ $0 >= 0 }) else { throw call.invalid("MaxUnpool output would be empty") }
        var shape = inferred
        if let given = call.optionalTensor(2) {
            shape = given.ints
            guard shape.count == x.rank, zip(shape, inferred).allSatisfy({ $0 >= $1 }) else {
                throw call.invalid("output_shape \(shape) must have rank \(x.rank) and cover \(inferred)")
            }
        }
        // Scatter into the inferred shape, then place it at the origin of the requested shape.
        let total = NDArray.count(of: inferred)
        let flat = indices.ints
        var targets = [Int](repeating: 0, count: flat.count)
        let inferredStrides = NDArray.strides(of: inferred), outStrides = NDArray.strides(of: shape)
        for (i, f) in flat.enumerated() {
            guard f >= 0, f < total else { throw call.invalid("index \(f) is out of range for \(inferred)") }
            var rest = f, o = 0
            for d in 0..<inferred.count { o += (rest / inferredStrides[d]) * outStrides[d]; rest %= inferredStrides[d] }
            targets[i] = o
        }
        let values = x.doubles
        var out = [Double](repeating: 0, count: NDArray.count(of: shape))
        for (i, t) in targets.enumerated() { out[t] = values[i] }
        return [.tensor(x.with(shape: shape, doubles: out))]
    }
}
