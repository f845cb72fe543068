import Foundation
@testable import Interpreter
import Testing

/// The array tanh, exp and sigmoid are within 2 ulp of the correctly rounded result (computed in
/// Double) and exact on special values. (`scripts/check-vector-math.c` checks every float.)
@Suite("Interpreter: array tanh, exp and sigmoid")
struct VectorMathTests {
    static let functions: [(String, VectorMath.ArrayFunction, @Sendable (Double) -> Double)] = [
        ("tanh", VectorMath.tanh, { Foundation.tanh($0) }),
        ("exp", VectorMath.exp, { Foundation.exp($0) }),
        ("sigmoid", VectorMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }),
    ]

    /// Distance in units in the last place of `expected` (as a Float); subnormal and zero results
    /// in units of the smallest subnormal, 2⁻¹⁴⁹ (the bound there is 1).
    func ulps(_ got: Float, _ expected: Double) -> Double {
        let e = Float(expected)
        guard e.isFinite else { return got == e ? 0 : .infinity }
        guard e.isNormal else { return abs(Double(got) - expected) / Double(Float.leastNonzeroMagnitude) > 1 ? .infinity : 0 }
        return abs(Double(got) - expected) / Double(e.ulp)
    }

    @Test func withinTwoUlpOnAWideSample() {
        var r = FastPathTests.Numbers(state: 2024)
        // Every odd-length tail too: 1...9 elements after the sample.
        let x: [Float] = (0..<20_009).map { i in
            let magnitude = Float(r.int(0...2_000_000)) / 20_000  // 0 ... 100
            return (i % 2 == 0 ? magnitude : -magnitude) * (i % 7 == 0 ? 0.001 : 1)
        }
        for (name, f, reference) in Self.functions {
            let y = VectorMath.apply(f, x)
            var worst = 0.0, at: Float = 0
            for (xi, yi) in zip(x, y) {
                let d = ulps(yi, reference(Double(xi)))
                if d > worst { (worst, at) = (d, xi) }
            }
            #expect(worst <= 2, "\(name): \(worst) ulp at \(at)")
        }
    }

    @Test func specialValuesAreExact() {
        let x: [Float] = [0, -0.0, .infinity, -.infinity, .nan, 100, -100, 1e-30, -200]
        let t = VectorMath.apply(VectorMath.tanh, x), e = VectorMath.apply(VectorMath.exp, x), s = VectorMath.apply(VectorMath.sigmoid, x)
        #expect(t[0].bitPattern == Float(0).bitPattern && t[1].bitPattern == Float(-0.0).bitPattern)
        #expect(t[2] == 1 && t[3] == -1 && t[4].isNaN && t[5] == 1 && t[6] == -1 && t[7] == 1e-30)
        #expect(e[0] == 1 && e[2] == .infinity && e[3] == 0 && e[4].isNaN && e[5] == .infinity && e[8] == 0)
        #expect(s[0] == 0.5 && s[2] == 1 && s[3] == 0 && s[4].isNaN && s[5] == 1)
    }

    @Test func inPlaceEqualsOutOfPlace() {
        var r = FastPathTests.Numbers(state: 7)
        let x = (0..<37).map { _ in r.float() }
        for (name, f, _) in Self.functions {
            var y = x
            y.withUnsafeMutableBufferPointer { p in f(p.baseAddress!, p.baseAddress!, p.count) }  // as the LSTM activations call it
            #expect(y == VectorMath.apply(f, x), "\(name)")
        }
    }
}
