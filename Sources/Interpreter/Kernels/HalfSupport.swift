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
