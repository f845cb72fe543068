import ModelIR

/// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger and QLinearMatMul.
enum QuantizeKernels {
    static var table: [String: Kernel] {
        [
            "QuantizeLinear": quantizeLinear,
            "DequantizeLinear": dequantizeLinear,
            "DynamicQuantizeLinear": dynamicQuantizeLinear,
            "MatMulInteger": matMulInteger,
            "QLinearMatMul": qLinearMatMul,
        ]
    }

    // MARK: Ranges and rounding

    /// The representable integer range of a quantized type; nil for float types.
    static func integerRange(_ t: DataType) -> (lo: Double, hi: Double)? {
        switch t {
        case .uint8: return (0, 255)
        case .int8: return (-128, 127)
        case .uint16: return (0, 65535)
        case .int16: return (-32768, 32767)
        case .int32: return (-2147483648, 2147483647)
        case .uint4: return (0, 15)
        case .int4: return (-8, 7)
        default: return nil
        }
    }

    static let float8Types: [DataType] = [.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz]

    /// `v` rounded to the nearest value of a float8 type; out-of-range values saturate, or become
    /// infinity (float8e5m2) / NaN when `saturate` is false.
    static func float8(_ v: Float, _ t: DataType, saturate: Bool) -> Float {
        if !saturate && !v.isNaN {
            let (maxFinite, overflowAtTie): (Float, Bool)
            switch t {
            case .float8e4m3fn: (maxFinite, overflowAtTie) = (448, false)
            case .float8e4m3fnuz: (maxFinite, overflowAtTie) = (240, true)
            default: (maxFinite, overflowAtTie) = (57344, true)
            }
            let ulp: Float = t == .float8e4m3fnuz || t == .float8e4m3fn ? (t == .float8e4m3fn ? 32 : 16) : 8192
            let mid = maxFinite + ulp / 2
            if abs(v) > mid || (abs(v) == mid && overflowAtTie) || v.isInfinite {
                return t == .float8e5m2 ? (v < 0 ? -.infinity : .infinity) : .nan
            }
        }
        if v.isInfinite && saturate {
            return Float8.decode(Float8.encode(v < 0 ? -Float.greatestFiniteMagnitude : .greatestFiniteMagnitude, t), t)
        }
        return Float8.decode(Float8.encode(v, t), t)
    }

    // MARK: Parameter layout

    /// For each element of an array of `shape`, the index of its scale / zero point in a parameter of
    /// `paramShape`: per tensor (nil), per `axis` (1-D), or per block of `blockSize` along `axis`.
    static func paramIndices(_ call: KernelCall, shape: [Int], paramShape: [Int], blockSize: Int) throws(InterpreterError) -> [Int]? {
        let pcount = paramShape.reduce(1, *)
        if pcount == 1 && blockSize <= 0 { return nil }
        let axis = try call.normalizedAxis(call.int("axis", default: 1), rank: shape.count)
        let (outer, n, inner) = splitAround(shape, axis: axis)
        var map = [Int](repeating: 0, count: outer * n * inner)
        if blockSize > 0 {
            let nb = (n + blockSize - 1) / blockSize
            var expected = shape
            expected[axis] = nb
            guard paramShape == expected else { throw call.invalid("blocked scale shape \(paramShape) should be \(expected)") }
            for o in 0..<outer { for j in 0..<n { for i in 0..<inner { map[(o * n + j) * inner + i] = (o * nb + j / blockSize) * inner + i } } }
            return map
        }
        guard paramShape.count == 1, pcount == n else {
            throw call.invalid("scale of shape \(paramShape) does not match axis \(axis) of \(shape)")
        }
        for o in 0..<outer { for j in 0..<n { for i in 0..<inner { map[(o * n + j) * inner + i] = j } } }
        return map
    }

    /// `paramIndices`, skipped (nil) when `layout` already describes the parameters; the fast
    /// paths need no map, and the slow ones compute it when they run.
    static func paramIndices(_ call: KernelCall, shape: [Int], paramShape: [Int], blockSize: Int,
                             unlessLaidOut layout: AxisLayout?) throws(InterpreterError) -> [Int]? {
        layout == nil ? try paramIndices(call, shape: shape, paramShape: paramShape, blockSize: blockSize) : nil
    }

    // MARK: QuantizeLinear

    static let quantizeLinear: Kernel = { call throws(InterpreterError) in
        let x = try call.floatingTensor(0), scaleArray = try call.tensor(1)
        let zp = call.optionalTensor(2)
        let attrType = call.int("output_dtype", default: 0)
        let outType = zp?.dataType ?? (attrType != 0 ? DataType(rawValue: Int32(attrType)) : .uint8)
        let blockSize = call.int("block_size", default: 0)
        let layout = try AxisLayout.make(call, shape: x.shape, paramShape: scaleArray.shape, blockSize: blockSize)
        let map = try paramIndices(call, shape: x.shape, paramShape: scaleArray.shape, blockSize: blockSize, unlessLaidOut: layout)
        let xs = Float.values(of: x), scales = Float.values(of: scaleArray)
        let zps = zp.map { Float.values(of: $0) } ?? [0]
        guard !scales.isEmpty, zps.count == scales.count || zps.count == 1 else { throw call.invalid("zero point and scale do not match") }
        if let layout, let storage = quantizedStorage(xs, scales: scales, zeroPoints: zps, layout, as: outType) {
            return [.tensor(NDArray(dataType: outType, shape: x.shape, storage: storage))]
        }
        let saturate = call.int("saturate", default: 1) != 0
        let indices = layout == nil ? map : try paramIndices(call, shape: x.shape, paramShape: scaleArray.shape, blockSize: blockSize)
        var out = [Float](repeating: 0, count: xs.count)
        if let (lo, hi) = integerRange(outType) {
            let (flo, fhi) = (Float(lo), Float(hi))
            for i in 0..<xs.count {
                let p = indices?[i] ?? 0
                let q = (xs[i] / scales[p]).rounded(.toNearestOrEven) + zps[zps.count == 1 ? 0 : p]
                out[i] = q.isNaN ? 0 : min(max(q, flo), fhi)
            }
            return [.tensor(NDArray(dataType: outType, shape: x.shape, doubles: out.map { Double($0) }))]
        }
        guard float8Types.contains(outType) else { throw call.unsupported(outType) }
        for i in 0..<xs.count {
            let p = indices?[i] ?? 0
            out[i] = float8(xs[i] / scales[p] + zps[zps.count == 1 ? 0 : p], outType, saturate: saturate)
        }
        return [.tensor(NDArray(dataType: outType, shape: x.shape, storage: .float(out)))]
    }

    /// Fast per-tensor / per-axis quantization into 4-, 8- and 16-bit integer storage; nil for other types.
    static func quantizedStorage(_ xs: [Float], scales: [Float], zeroPoints: [Float], _ layout: AxisLayout,
                                 as type: DataType) -> NDArray.Storage? {
        guard let (lo, hi) = integerRange(type), xs.count == layout.outer * layout.n * layout.inner else { return nil }
        let (l, h) = (Int32(lo), Int32(hi))
        switch type {
        case .int8, .int4: return .int8(AffineQuantization.quantize(xs, scales: scales, zeroPoints: zeroPoints, layout, lo: l, hi: h, as: Int8.self))
        case .uint8, .uint4: return .uint8(AffineQuantization.quantize(xs, scales: scales, zeroPoints: zeroPoints, layout, lo: l, hi: h, as: UInt8.self))
        case .int16: return .int16(AffineQuantization.quantize(xs, scales: scales, zeroPoints: zeroPoints, layout, lo: l, hi: h, as: Int16.self))
        case .uint16: return .uint16(AffineQuantization.quantize(xs, scales: scales, zeroPoints: zeroPoints, layout, lo: l, hi: h, as: UInt16.self))
        default: return nil
        }
    }

    // MARK: DequantizeLinear

    static let dequantizeLinear: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0), scaleArray = try call.tensor(1)
        let blockSize = call.int("block_size", default: 0)
        let layout = try AxisLayout.make(call, shape: x.shape, paramShape: scaleArray.shape, blockSize: blockSize)
        let map = try paramIndices(call, shape: x.shape, paramShape: scaleArray.shape, blockSize: blockSize, unlessLaidOut: layout)
        let scales = Float.values(of: scaleArray)
        let zps = call.optionalTensor(2).map { Float.values(of: $0) } ?? [0]
        guard !scales.isEmpty, zps.count == scales.count || zps.count == 1 else { throw call.invalid("zero point and scale do not match") }
        var out: [Float]
        if let layout, x.count == layout.outer * layout.n * layout.inner,
           let fast = AffineQuantization.dequantize(x, scales: scales, zeroPoints: zps, layout) {
            out = fast
        } else {
            let indices = layout == nil ? map : try paramIndices(call, shape: x.shape, paramShape: scaleArray.shape, blockSize: blockSize)
            let xs = Float.values(of: x)
            out = [Float](repeating: 0, count: xs.count)
            for i in 0..<xs.count {
                let p = indices?[i] ?? 0
                out[i] = (xs[i] - zps[zps.count == 1 ? 0 : p]) * scales[p]
            }
        }
        let attrType = call.int("output_dtype", default: 0)
        var outType: DataType = scaleArray.dataType.isNNFloating ? scaleArray.dataType : .float
        if attrType != 0 { outType = DataType(rawValue: Int32(attrType)) }
        return [.tensor(Float.array(outType, shape: x.shape, out))]
    }

    // MARK: DynamicQuantizeLinear

    static let dynamicQuantizeLinear: Kernel = { call throws(InterpreterError) in
        let x = try call.floatingTensor(0)
        let xs = Float.values(of: x)
        let maxx = max(0, xs.max() ?? 0), minx = min(0, xs.min() ?? 0)
        let scale: Float = (maxx == minx ? 1 : maxx - minx) / 255
        let initial = 0 - minx / scale
        let zp = initial.isNaN ? 0 : min(255, max(0, initial)).rounded(.toNearestOrEven)
        let y = xs.map { v -> UInt8 in
            let q = (v / scale).rounded(.toNearestOrEven) + zp
            return q.isNaN ? 0 : UInt8(min(255, max(0, q)))
        }
        return [.tensor(NDArray(dataType: .uint8, shape: x.shape, storage: .uint8(y))),
                .tensor(Float.array(x.dataType, shape: [], [scale])),
                .tensor(NDArray(dataType: .uint8, shape: [], storage: .uint8([UInt8(zp)])))]
    }

    // MARK: Integer matrix products

    /// Exact batched product of zero-point-adjusted 8-bit matrices (in Double through BLAS), with its plan.
    /// `aZero` is a scalar or one value per row of A, `bZero` a scalar or one value per column of B.
    static func integerProduct(_ call: KernelCall, _ a: NDArray, _ b: NDArray, aZero: NDArray?, bZero: NDArray?) throws(InterpreterError) -> ([Double], MatMulKernels.Plan) {
        let p = try MatMulKernels.plan(call, a.shape, b.shape)
        var ad = a.doubles, bd = b.doubles
        if let z = aZero?.doubles, !z.isEmpty {
            guard z.count == 1 || z.count == p.m else { throw call.invalid("a_zero_point must be a scalar or have \(p.m) elements") }
            for i in 0..<ad.count { ad[i] -= z.count == 1 ? z[0] : z[(i / max(p.k, 1)) % p.m] }
        }
        if let z = bZero?.doubles, !z.isEmpty {
            guard z.count == 1 || z.count == p.n else { throw call.invalid("b_zero_point must be a scalar or have \(p.n) elements") }
            for i in 0..<bd.count { bd[i] -= z.count == 1 ? z[0] : z[i % p.n] }
        }
        return (MatMulKernels.floating(ad, bd, p), p)
    }

    static let matMulInteger: Kernel = { call throws(InterpreterError) in
        let a = try call.tensor(0), b = try call.tensor(1)
        let (r, p) = try integerProduct(call, a, b, aZero: call.optionalTensor(2), bZero: call.optionalTensor(3))
        let out = r.map(clampedInt32)
        return [.tensor(NDArray(dataType: .int32, shape: p.outShape, storage: .int32(out)))]
    }

    static let qLinearMatMul: Kernel = { call throws(InterpreterError) in
        let a = try call.tensor(0), b = try call.tensor(3)
        let aScale = Float.values(of: try call.tensor(1)), bScale = Float.values(of: try call.tensor(4))
        let yScale = Float.values(of: try call.tensor(6))
        let yZero = call.optionalTensor(7)
        let (r, p) = try integerProduct(call, a, b, aZero: call.optionalTensor(2), bZero: call.optionalTensor(5))
        guard aScale.count == 1 || aScale.count == p.m, bScale.count == 1 || bScale.count == p.n, yScale.count == 1 else {
            throw call.invalid("QLinearMatMul scales must be scalars or per row (a) / per column (b)")
        }
        let outType = yZero?.dataType ?? a.dataType
        guard let (lo, hi) = integerRange(outType) else { throw call.unsupported(outType) }
        let zp = yZero?.doubles.first ?? 0
        var out = [Double](repeating: 0, count: r.count)
        for i in 0..<r.count {
            let row = (i / max(p.n, 1)) % max(p.m, 1), col = i % max(p.n, 1)
            let multiplier = aScale[aScale.count == 1 ? 0 : row] * bScale[bScale.count == 1 ? 0 : col] / yScale[0]
            let v = (r[i] * Double(multiplier) + zp).rounded(.toNearestOrEven)
            out[i] = v.isNaN ? 0 : min(max(v, lo), hi)
        }
        return [.tensor(NDArray(dataType: outType, shape: p.outShape, doubles: out))]
    }
}
