import Interpreter
import ModelIR

/// The comparison of one output (or intermediate) between two runs.
public struct OutputComparison: Codable, Equatable, Sendable {
    public var name: String
    public var dtype: String
    public var shape: [Int]
    public var maxAbsError: Double
    public var maxRelError: Double
    public var tolerance: Tolerance
    public var passed: Bool
    /// Why the comparison could not be made (shape or dtype differ), if so.
    public var problem: String?

    /// Compares `actual` against `expected` under `tolerance`.
    public init(name: String, actual: NDArray, expected: NDArray, tolerance: Tolerance) {
        self.name = name
        self.dtype = expected.dataType.name
        self.shape = expected.shape
        self.tolerance = tolerance
        guard actual.shape == expected.shape else {
            self.maxAbsError = .infinity
            self.maxRelError = .infinity
            self.passed = false
            self.problem = "shape \(actual.shape) differs from \(expected.shape)"
            return
        }
        if case .string(let a) = actual.storage, case .string(let b) = expected.storage {
            let equal = a == b
            self.maxAbsError = equal ? 0 : 1
            self.maxRelError = equal ? 0 : 1
            self.passed = equal
            self.problem = equal ? nil : "strings differ"
            return
        }
        let a = actual.doubles, b = expected.doubles
        var maxAbs = 0.0, maxRel = 0.0, worstExcess = -Double.infinity
        for i in 0..<min(a.count, b.count) {
            let x = a[i], y = b[i]
            if x.isNaN && y.isNaN { continue }
            if x == y { continue }
            let d = abs(x - y)
            if d.isNaN || d.isInfinite { maxAbs = .infinity; worstExcess = .infinity; continue }
            maxAbs = max(maxAbs, d)
            maxRel = max(maxRel, d / max(abs(y), 1e-12))
            worstExcess = max(worstExcess, d - (tolerance.atol + tolerance.rtol * abs(y)))
        }
        self.maxAbsError = maxAbs
        self.maxRelError = maxRel
        self.passed = actual.dataType == expected.dataType || tolerance.tier != .exact
            ? tolerance.accepts(maxAbs: maxAbs, worstExcess: worstExcess)
            : false
        self.problem = actual.dataType == expected.dataType ? nil : "dtype \(actual.dataType) differs from \(expected.dataType)"
        if problem != nil && tolerance.tier == .exact { passed = false }
    }
}
