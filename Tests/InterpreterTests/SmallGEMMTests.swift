@testable import Interpreter
import Testing

/// Products with one output row or a few output columns go through GEMV instead of GEMM; every
/// transpose and leading-dimension combination must still give op(A)·op(B) scaled and accumulated.
@Suite("Interpreter: GEMM with few rows or columns")
struct SmallGEMMTests {
    /// alpha · op(A) · op(B) + beta · C computed in Double, row-major with the given leading dims.
    static func naive(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int,
                      b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(av) * Double(bv)
                }
                out[i * ldc + j] = Float(Double(alpha) * sum + Double(beta) * Double(c[i * ldc + j]))
            }
        }
        return out
    }

    @Test(arguments: [(1, 7, 5), (6, 1, 9), (5, 3, 8), (1, 1, 4), (4, 4, 3), (3, 6, 2)])
    func matchesTheDefinition(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        for transA in [false, true] {
            for transB in [false, true] {
                // Leading dims one larger than needed, so strides are exercised.
                let lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 1, ldc = n + 1
                let a = (0..<((transA ? k : m) * lda)).map { Float(($0 * 7) % 11) - 5 }
                let b = (0..<((transB ? n : k) * ldb)).map { Float(($0 * 5) % 13) - 6 }
                let c = (0..<(m * ldc)).map { Float($0 % 3) }
                var out = c
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        out.withUnsafeMutableBufferPointer { cp in
                            Float.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: ap.baseAddress!, lda: lda,
                                       b: bp.baseAddress!, ldb: ldb, beta: 2, c: cp.baseAddress!, ldc: ldc)
                        }
                    }
                }
                let expected = Self.naive(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                                          b: b, ldb: ldb, beta: 2, c: c, ldc: ldc)
                #expect(out == expected, "transA \(transA) transB \(transB) m \(m) n \(n) k \(k)")
            }
        }
    }
}
