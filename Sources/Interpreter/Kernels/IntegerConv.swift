import CInt8GEMM
import ModelIR

/// The exact integer convolution of 8-bit activations and int8 weights on an int8 GEMM
/// (`CInt8GEMM`: AVX-512 VNNI when the CPU has it): Σ (x − x_zero)(w − w_zero) per output as Int32.
///
/// int8 activations are moved to uint8 (x + 128, zero point + 128), which leaves every difference
/// x − x_zero unchanged; padding takes the zero point, so it adds nothing, as in the definition.
enum IntegerConv {
    /// The accumulators, or nil when this path does not apply (other element types, more than
    /// 65536 terms per sum); the caller then computes the same sums in Double.
    static func accumulate(x: NDArray, xZero: Int32, w: NDArray, wZero: [Int32], _ s: ConvKernels.Setup) -> [Int32]? {
        guard case .int8(let weights) = w.storage, wZero.count == 1 || wZero.count == s.m else { return nil }
        let g = s.geometry
        let cg = s.c / s.group, mg = s.m / s.group
        let k = cg * g.kernelSize, inSize = g.inputSize, outSize = g.outputSize
        guard k > 0, k <= 65536, outSize > 0, mg > 0, s.n > 0 else { return nil }
        let activations: [UInt8], zero: Int32
        switch x.storage {
        case .uint8(let v): (activations, zero) = (v, xZero)
        case .int8(let v): (activations, zero) = (v.map { UInt8(bitPattern: $0) ^ 0x80 }, xZero + 128)
        default: return nil
        }
        guard (0...255).contains(zero), weights.count == s.m * k, activations.count == s.n * s.c * inSize else { return nil }
        let pointwise = g.kernelSize == 1 && g.strides.allSatisfy { $0 == 1 } && g.padsBegin.allSatisfy { $0 == 0 } && g.input == g.output
        // Per output channel: Σ_k w, and w_zero.
        let rowSums: [Int32] = weights.withUnsafeBufferPointer { wp in
            (0..<s.m).map { m in
                var total: Int32 = 0
                for v in UnsafeBufferPointer(rebasing: wp[(m * k)..<((m + 1) * k)]) { total &+= Int32(v) }
                return total
            }
        }
        let wZeros = (0..<s.m).map { wZero.count == 1 ? wZero[0] : wZero[$0] }
        let hasWeightZero = wZeros.contains { $0 != 0 }
        let perGroupA = mc_s8u8_packed_a_size(Int32(mg), Int32(k))
        let packedA = UnsafeMutablePointer<Int8>.allocate(capacity: perGroupA * s.group)
        let cols = UnsafeMutablePointer<UInt8>.allocate(capacity: pointwise ? 1 : k * outSize)
        let packedB = UnsafeMutablePointer<UInt8>.allocate(capacity: mc_s8u8_packed_b_size(Int32(k), Int32(outSize)))
        defer { packedA.deallocate(); cols.deallocate(); packedB.deallocate() }
        weights.withUnsafeBufferPointer { wp in
            for gi in 0..<s.group { mc_s8u8_pack_a(Int32(mg), Int32(k), wp.baseAddress! + gi * mg * k, k, packedA + gi * perGroupA) }
        }
        var out = [Int32](repeating: 0, count: s.n * s.m * outSize)
        activations.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                for b in 0..<s.n {
                    for gi in 0..<s.group {
                        let source = xp.baseAddress! + (b * s.c + gi * cg) * inSize
                        if !pointwise { im2col(source, channels: cg, g, cols, padding: UInt8(zero)) }
                        let matrix = pointwise ? source : UnsafePointer(cols)
                        mc_s8u8_pack_b(Int32(k), Int32(outSize), matrix, outSize, packedB)
                        let columnSums = hasWeightZero ? columnTotals(matrix, rows: k, columns: outSize) : []
                        let first = b * s.m + gi * mg
                        mc_s8u8_gemm(Int32(mg), Int32(outSize), Int32(k), packedA + gi * perGroupA, packedB, op.baseAddress! + first * outSize, outSize)
                        // Σ (x − zx)(w − zw) = Σ x·w − zx·Σw − zw·Σx + k·zx·zw.
                        for j in 0..<mg {
                            let m = gi * mg + j
                            let row = op.baseAddress! + (first + j) * outSize
                            let constant = (0 &- zero) &* rowSums[m] &+ Int32(k) &* zero &* wZeros[m]
                            if hasWeightZero {
                                let zw = wZeros[m]
                                for p in 0..<outSize { row[p] = row[p] &+ constant &- zw &* columnSums[p] }
                            } else if constant != 0 {
                                for p in 0..<outSize { row[p] = row[p] &+ constant }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// QLinearConv's output from the sums: round((sum + bias[m]) · multiplier[m]) + zero point, ties
    /// to even, saturated to uint8/int8 (the same arithmetic as the Double path, without a libm call
    /// per element: adding and removing 1.5 · 2^52 rounds half to even).
    static func requantized(_ sums: [Int32], channels: Int, size: Int, bias: [Int32]?, multipliers: [Double], zeroPoint: Int32,
                            as type: DataType) -> NDArray.Storage {
        type == .int8 ? .int8(requantized(sums, channels: channels, size: size, bias: bias, multipliers: multipliers, zeroPoint: zeroPoint, as: Int8.self))
                      : .uint8(requantized(sums, channels: channels, size: size, bias: bias, multipliers: multipliers, zeroPoint: zeroPoint, as: UInt8.self))
    }

    static func requantized<T: FixedWidthInteger>(_ sums: [Int32], channels: Int, size: Int, bias: [Int32]?, multipliers: [Double],
                                                  zeroPoint: Int32, as _: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: sums.count) { out, done in
            sums.withUnsafeBufferPointer { sp in
                for row in 0..<(sums.count / max(size, 1)) {
                    let m = row % channels
                    mc_requantize(sp.baseAddress! + row * size, size, Double(bias?[m] ?? 0), multipliers[m], Double(zeroPoint),
                                  T.isSigned ? 1 : 0, out.baseAddress! + row * size)
                }
            }
            done = sums.count
        }
    }

    /// Σ over rows of a rows x columns uint8 matrix, per column.
    static func columnTotals(_ m: UnsafePointer<UInt8>, rows: Int, columns: Int) -> [Int32] {
        var sums = [Int32](repeating: 0, count: columns)
        for r in 0..<rows { for c in 0..<columns { sums[c] += Int32(m[r * columns + c]) } }
        return sums
    }
}
