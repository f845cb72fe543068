import CInt8GEMM
import ModelIR

// MARK: Per-tensor and per-axis affine quantization loops

/// Where the scale and zero point of each element come from, for per-tensor and per-axis
/// quantization: the array is `outer × n × inner` and parameter `j` applies to the `inner`
/// consecutive elements at position `j` along the axis (`n == 1` per tensor).
struct AxisLayout {
    var outer: Int, n: Int, inner: Int

    /// The layout of an array of `shape` quantized with parameters of `paramShape`, or nil for
    /// blocked quantization (`blockSize > 0`), which `QuantizeKernels.paramIndices` maps instead.
    static func make(_ call: KernelCall, shape: [Int], paramShape: [Int], blockSize: Int) throws(InterpreterError) -> AxisLayout? {
        guard blockSize <= 0 else { return nil }
        let pcount = paramShape.reduce(1, *)
        if pcount == 1 { return AxisLayout(outer: 1, n: 1, inner: shape.reduce(1, *)) }
        let axis = try call.normalizedAxis(call.int("axis", default: 1), rank: shape.count)
        let (outer, n, inner) = splitAround(shape, axis: axis)
        guard paramShape.count == 1, pcount == n else {
            throw call.invalid("scale of shape \(paramShape) does not match axis \(axis) of \(shape)")
        }
        return AxisLayout(outer: outer, n: n, inner: inner)
    }

    /// Calls `body(parameter, offset, count)` for every run of elements sharing one parameter.
    @inline(__always)
    func forEachRun(_ body: (Int, Int, Int) -> Void) {
        for o in 0..<outer { for j in 0..<n { body(j, (o * n + j) * inner, inner) } }
    }
}

enum AffineQuantization {
    /// 1.5 · 2²³: adding it to a Float of magnitude ≤ 2²² rounds it to an integer, half to even,
    /// and leaves that integer in the low mantissa bits (offset by `magicBits`).
    static let magic: Float = 12_582_912
    static let magicBits: Int32 = 0x4B40_0000

    /// `round_half_even(x / scale) + zeroPoint` saturated to `lo...hi` (NaN gives 0), per run of
    /// `layout`, as integers of type `T`. `lo...hi` must lie within ±2²¹ (8- and 16-bit types).
    ///
    /// Equal to computing `(x / scale).rounded(.toNearestOrEven) + zeroPoint` in Float and clamping:
    /// the quotient is clamped to `lo - zeroPoint ... hi - zeroPoint` first (integral bounds, so
    /// rounding cannot leave the range), and in that range the sum is exact.
    static func quantize<T: FixedWidthInteger>(_ x: [Float], scales: [Float], zeroPoints: [Float], _ layout: AxisLayout,
                                               lo: Int32, hi: Int32, as _: T.Type) -> [T] {
        x.withUnsafeBufferPointer { xp in
            [T](unsafeUninitializedCapacity: xp.count) { out, done in
                guard let src = xp.baseAddress, let dst = out.baseAddress else { done = 0; return }
                layout.forEachRun { j, offset, count in
                    let scale = scales[j], zp = Int32(zeroPoints[zeroPoints.count == 1 ? 0 : j])
                    if T.bitWidth == 8 {
                        // The same steps in C, 16 elements at a time where the CPU has AVX-512.
                        mc_quantize_to_bytes(src + offset, count, scale, zp, lo, hi, T.isSigned ? 1 : 0, dst + offset)
                        return
                    }
                    let vlo = Float(lo - zp), vhi = Float(hi - zp)
                    let s = src + offset, d = dst + offset
                    for i in 0..<count {
                        let quotient = s[i] / scale
                        // Written as compare-and-select so they compile to single max/min instructions
                        // (a NaN quotient comes out as `vlo` here and is replaced by 0 below).
                        let above = quotient > vlo ? quotient : vlo
                        let v = above < vhi ? above : vhi
                        let q = Int32(bitPattern: (v + magic).bitPattern) &- magicBits &+ zp
                        d[i] = T(truncatingIfNeeded: quotient != quotient ? 0 : q)
                    }
                }
                done = xp.count
            }
        }
    }

    /// `(x - zeroPoint) * scale` per run of `layout`, reading elements through `value`.
    @inline(__always)
    static func dequantize<S>(_ x: UnsafeBufferPointer<S>, scales: [Float], zeroPoints: [Float], _ layout: AxisLayout,
                              _ value: (S) -> Float) -> [Float] {
        [Float](unsafeUninitializedCapacity: x.count) { out, done in
            guard let src = x.baseAddress, let dst = out.baseAddress else { done = 0; return }
            layout.forEachRun { j, offset, count in
                let scale = scales[j], zp = zeroPoints[zeroPoints.count == 1 ? 0 : j]
                let s = src + offset, d = dst + offset
                for i in 0..<count { d[i] = (value(s[i]) - zp) * scale }
            }
            done = x.count
        }
    }

    /// `(x - zeroPoint) * scale` for integer or float (float8) storage; nil for other storage.
    static func dequantize(_ x: NDArray, scales: [Float], zeroPoints: [Float], _ layout: AxisLayout) -> [Float]? {
        func run<S>(_ a: [S], _ value: (S) -> Float) -> [Float] {
            a.withUnsafeBufferPointer { dequantize($0, scales: scales, zeroPoints: zeroPoints, layout, value) }
        }
        switch x.storage {
        case .int8(let a): return run(a) { Float($0) }
        case .uint8(let a): return run(a) { Float($0) }
        case .int16(let a): return run(a) { Float($0) }
        case .uint16(let a): return run(a) { Float($0) }
        case .int32(let a): return run(a) { Float($0) }
        case .float(let a): return run(a) { $0 }
        default: return nil
        }
    }
}
