/// Element-wise comparison of runtime arrays with the ONNX backend-test tolerance rule
/// `|actual - expected| <= atol + rtol * |expected|` (NaN matches NaN, infinities must match exactly).
public enum TensorComparison {
    /// nil when the arrays match; otherwise a short description of the first difference.
    public static func mismatch(actual: NDArray, expected: NDArray, rtol: Double, atol: Double) -> String? {
        guard actual.shape == expected.shape else { return "shape \(actual.shape) != expected \(expected.shape)" }
        guard actual.dataType == expected.dataType else { return "dtype \(actual.dataType) != expected \(expected.dataType)" }
        if case .string(let a) = actual.storage, case .string(let e) = expected.storage {
            if let i = zip(a, e).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                return "element \(i): '\(a[i])' != '\(e[i])'"
            }
            return nil
        }
        let a = actual.doubles, e = expected.doubles
        guard a.count == e.count else { return "element count \(a.count) != \(e.count)" }
        var worst = -1
        var worstErr = 0.0
        for i in 0..<a.count {
            let x = a[i], y = e[i]
            if x.isNaN && y.isNaN { continue }
            if x.isInfinite || y.isInfinite {
                if x != y { return "element \(i): \(x) != expected \(y)" }
                continue
            }
            let err = abs(x - y)
            if !(err <= atol + rtol * abs(y)) && err > worstErr {
                worst = i
                worstErr = err
            }
        }
        if worst >= 0 { return "element \(worst): \(a[worst]) != expected \(e[worst]) (|diff| \(worstErr))" }
        return nil
    }

    /// Largest absolute difference (NaN-aware), for reports.
    public static func maxAbsDiff(_ x: NDArray, _ y: NDArray) -> Double {
        let a = x.doubles, b = y.doubles
        var m = 0.0
        for (p, q) in zip(a, b) where !(p.isNaN && q.isNaN) {
            let d = abs(p - q)
            if d.isNaN { return .infinity }
            m = max(m, d)
        }
        return m
    }
}

extension NDArray {
    /// Elements as Double (booleans 0/1; strings empty).
    public var doubles: [Double] {
        switch storage {
        case .float(let a): return a.map(Double.init)
        case .double(let a): return a
        case .float16(let a): return a.map { Double(Float($0)) }
        case .bfloat16(let a): return a.map { Double(Float(bitPattern: UInt32($0) << 16)) }
        case .int8(let a): return a.map(Double.init)
        case .int16(let a): return a.map(Double.init)
        case .int32(let a): return a.map(Double.init)
        case .int64(let a): return a.map(Double.init)
        case .uint8(let a): return a.map(Double.init)
        case .uint16(let a): return a.map(Double.init)
        case .uint32(let a): return a.map(Double.init)
        case .uint64(let a): return a.map { Double($0) }
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        case .string: return []
        }
    }
}
