import CFloat16

// MARK: Bulk float16 conversion

/// Whole-array float16 ⇄ Float conversion. Kernels compute float16 tensors in Float; converting
/// arrays at once with the F16C instructions (when the CPU has them) instead of element by element
/// through the runtime's software conversion gives the same values, much faster.
enum HalfConversion {
    /// Whether the CPU converts in hardware.
    static let hardware = cfloat16_hardware_available() != 0

    /// The elements of `a` as Float (exact).
    static func floats(_ a: [Float16]) -> [Float] {
        guard hardware else { return mapElements(a) { Float($0) } }
        return a.withUnsafeBufferPointer { src in
            [Float](unsafeUninitializedCapacity: src.count) { out, done in
                if let s = src.baseAddress, let d = out.baseAddress {
                    s.withMemoryRebound(to: UInt16.self, capacity: src.count) { cfloat16_widen($0, d, src.count) }
                }
                done = src.count
            }
        }
    }

    /// The elements of `a` rounded to float16, half to even.
    static func halves(_ a: [Float]) -> [Float16] {
        guard hardware else { return mapElements(a) { Float16($0) } }
        return a.withUnsafeBufferPointer { src in
            [Float16](unsafeUninitializedCapacity: src.count) { out, done in
                if let s = src.baseAddress, let d = out.baseAddress {
                    d.withMemoryRebound(to: UInt16.self, capacity: src.count) { cfloat16_narrow(s, $0, src.count) }
                }
                done = src.count
            }
        }
    }
}

// MARK: Chunked float16 element-wise loops

extension HalfConversion {
    /// Elements per chunk: the Float copies of a chunk stay in L1.
    static let chunk = 1024

    /// `f` over `a`, computed in Float a chunk at a time (no whole-array Float temporaries);
    /// nil without hardware conversion.
    @inline(__always)
    static func map(_ a: [Float16], _ f: (Float) -> Float) -> [Float16]? {
        mapRuns(a, length: Swift.max(a.count, 1)) { _, v in f(v) }
    }

    /// `f(run, v)` over `a` taken as consecutive runs of `length` elements (run = index / length),
    /// computed in Float a chunk at a time; nil without hardware conversion.
    @inline(__always)
    static func mapRuns(_ a: [Float16], length: Int, _ f: (Int, Float) -> Float) -> [Float16]? {
        guard hardware, length > 0, a.count % length == 0 else { return nil }
        return a.withUnsafeBufferPointer { src in
            [Float16](unsafeUninitializedCapacity: src.count) { out, done in
                done = src.count
                guard let s = src.baseAddress, let d = out.baseAddress else { return }
                withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk) { buffer in
                    guard let b = buffer.baseAddress else { return }
                    for run in 0..<(src.count / length) {
                        var start = run * length
                        let end = start + length
                        while start < end {
                            let n = Swift.min(chunk, end - start)
                            widen(s + start, into: b, count: n)
                            for i in 0..<n { b[i] = f(run, b[i]) }
                            narrow(b, into: d + start, count: n)
                            start += n
                        }
                    }
                }
            }
        }
    }

    /// `f` over the broadcast of `a` and `b`, computed in Float a chunk at a time, when `plan` is one
    /// run (same shapes, or a scalar against an array); nil otherwise or without hardware conversion.
    @inline(__always)
    static func zip(_ a: [Float16], _ b: [Float16], _ plan: BroadcastPlan, _ f: (Float, Float) -> Float) -> [Float16]? {
        guard hardware, plan.dims.count == 1 else { return nil }
        let count = plan.count, (sa, sb) = (plan.innerStride(0), plan.innerStride(1))
        guard a.count == (sa == 1 ? count : 1), b.count == (sb == 1 ? count : 1) else { return nil }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                [Float16](unsafeUninitializedCapacity: count) { out, done in
                    done = count
                    guard let x = pa.baseAddress, let y = pb.baseAddress, let d = out.baseAddress else { return }
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * chunk) { buffer in
                        guard let u = buffer.baseAddress else { return }
                        let v = u + chunk
                        // A scalar operand is widened once.
                        if sa == 0 { u.update(repeating: Float(x.pointee), count: chunk) }
                        if sb == 0 { v.update(repeating: Float(y.pointee), count: chunk) }
                        var start = 0
                        while start < count {
                            let n = Swift.min(chunk, count - start)
                            if sa == 1 { widen(x + start, into: u, count: n) }
                            if sb == 1 { widen(y + start, into: v, count: n) }
                            if sa == 1 {
                                for i in 0..<n { u[i] = f(u[i], v[i]) }
                                narrow(u, into: d + start, count: n)
                            } else {
                                for i in 0..<n { v[i] = f(u[i], v[i]) }
                                narrow(v, into: d + start, count: n)
                            }
                            start += n
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func widen(_ src: UnsafePointer<Float16>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        src.withMemoryRebound(to: UInt16.self, capacity: count) { cfloat16_widen($0, dst, count) }
    }

    @inline(__always)
    static func narrow(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float16>, count: Int) {
        dst.withMemoryRebound(to: UInt16.self, capacity: count) { cfloat16_narrow(src, $0, count) }
    }
}
