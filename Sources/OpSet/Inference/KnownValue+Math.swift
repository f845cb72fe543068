import Foundation
import ModelIR

/// Element-wise arithmetic on known values, with numpy broadcasting (for the value-inference rules).
extension KnownValue {
    // MARK: Broadcasting

    /// Applies `f` to broadcast elements of `values`; nil when the result would exceed `limit` elements.
    public static func broadcastMap(_ values: [KnownValue], limit: Int, _ f: ([Element]) -> Element) -> KnownValue? {
        let rank = values.map(\.shape.count).max() ?? 0
        var shape = Array(repeating: 1, count: rank)
        for v in values {
            let padded = Array(repeating: 1, count: rank - v.shape.count) + v.shape
            for i in 0..<rank where padded[i] != 1 {
                if shape[i] != 1 && shape[i] != padded[i] { return nil }
                shape[i] = padded[i]
            }
        }
        let count = shape.reduce(1, *)
        guard count <= limit else { return nil }
        var out: [Element] = []
        out.reserveCapacity(count)
        let strides = values.map { v -> [Int] in
            let padded = Array(repeating: 1, count: rank - v.shape.count) + v.shape
            var s = Array(repeating: 0, count: rank)
            var acc = 1
            for i in stride(from: rank - 1, through: 0, by: -1) {
                s[i] = padded[i] == 1 ? 0 : acc
                acc *= padded[i]
            }
            return s
        }
        var index = Array(repeating: 0, count: rank)
        for _ in 0..<count {
            var args: [Element] = []
            for (k, v) in values.enumerated() {
                var o = 0
                for i in 0..<rank { o += index[i] * strides[k][i] }
                args.append(o < v.elements.count ? v.elements[o] : .unknown)
            }
            out.append(f(args))
            index.advance(within: shape)
        }
        return KnownValue(shape: shape, elements: out)
    }

    // MARK: Element operations

    /// A binary operation: integers (exact, possibly symbolic) or reals.
    public static func combine(
        _ a: Element, _ b: Element, int: (DimExpr, DimExpr) -> DimExpr?, real: (Double, Double) -> Double?
    ) -> Element {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            return int(x, y).map(Element.int) ?? .unknown
        case (.unknown, _), (_, .unknown):
            return .unknown
        default:
            if let x = a.number, let y = b.number { return real(x, y).map(Element.real) ?? .unknown }
            if let x = a.expr, let y = b.expr, let r = int(x, y) { return .int(r) }
            return .unknown
        }
    }

    /// The element-wise op named `op` (Add, Sub, Mul, Div, Mod, Max, Min, Pow, comparisons, logic).
    public static func binary(_ op: String, _ a: Element, _ b: Element, isFloat: Bool) -> Element {
        switch op {
        case "Add", "Sum": return combine(a, b, int: { $0 + $1 }, real: { $0 + $1 })
        case "Sub": return combine(a, b, int: { $0 - $1 }, real: { $0 - $1 })
        case "Mul": return combine(a, b, int: { $0 * $1 }, real: { $0 * $1 })
        case "Div":
            if isFloat {
                if case .int(let x) = a, case .int(let y) = b, let q = x.exactlyDivided(by: y) { return .int(q) }
                if let x = a.number, let y = b.number, y != 0 { return .real(x / y) }
                return .unknown
            }
            return combine(a, b, int: { x, y in
                if let p = x.constantValue, let q = y.constantValue { return q == 0 ? nil : DimExpr(p / q) }
                return x.floorDiv(y)
            }, real: { $1 == 0 ? nil : ($0 / $1).rounded(.towardZero) })
        case "Mod":
            return combine(a, b, int: { $0.mod($1) }, real: { $1 == 0 ? nil : fmod($0, $1) })
        case "Max": return combine(a, b, int: { x, y in Self.order(x, y).map { $0 ? y : x } }, real: { Swift.max($0, $1) })
        case "Min": return combine(a, b, int: { x, y in Self.order(x, y).map { $0 ? x : y } }, real: { Swift.min($0, $1) })
        case "Pow":
            return combine(a, b, int: { x, y in
                guard let e = y.constantValue, e >= 0, e <= 8 else { return nil }
                var r = DimExpr(1)
                for _ in 0..<e { r = r * x }
                return r
            }, real: { pow($0, $1) })
        case "Equal": return compare(a, b) { $0 == 0 }
        case "Less": return compare(a, b) { $0 < 0 }
        case "LessOrEqual": return compare(a, b) { $0 <= 0 }
        case "Greater": return compare(a, b) { $0 > 0 }
        case "GreaterOrEqual": return compare(a, b) { $0 >= 0 }
        case "And": return logic(a, b) { $0 && $1 }
        case "Or": return logic(a, b) { $0 || $1 }
        case "Xor": return logic(a, b) { $0 != $1 }
        default: return .unknown
        }
    }

    /// Whether x <= y, when the difference is a constant.
    static func order(_ x: DimExpr, _ y: DimExpr) -> Bool? {
        (y - x).constantValue.map { $0 >= 0 }
    }

    /// A comparison giving 0/1 from the sign of a - b (when the difference is known).
    static func compare(_ a: Element, _ b: Element, _ test: (Double) -> Bool) -> Element {
        if case .int(let x) = a, case .int(let y) = b, let d = (x - y).constantValue {
            return .int(DimExpr(test(Double(d)) ? 1 : 0))
        }
        if let x = a.number, let y = b.number { return .int(DimExpr(test(x - y) ? 1 : 0)) }
        return .unknown
    }

    static func logic(_ a: Element, _ b: Element, _ f: (Bool, Bool) -> Bool) -> Element {
        guard let x = a.number, let y = b.number else { return .unknown }
        return .int(DimExpr(f(x != 0, y != 0) ? 1 : 0))
    }

    /// A unary op on one element.
    public static func unary(_ op: String, _ a: Element) -> Element {
        switch (op, a) {
        case ("Neg", .int(let e)): return .int(-e)
        case ("Neg", .real(let d)): return .real(-d)
        case ("Abs", .int(let e)): return e.constantValue.map { .int(DimExpr($0 < 0 ? 0 &- $0 : $0)) } ?? (e.isEvidentlyPositive ? a : .unknown)
        case ("Abs", .real(let d)): return .real(abs(d))
        case ("Floor", .real(let d)): return .real(d.rounded(.down))
        case ("Ceil", .real(let d)): return .real(d.rounded(.up))
        case ("Round", .real(let d)): return .real(d.rounded(.toNearestOrEven))
        case ("Floor", .int), ("Ceil", .int), ("Round", .int): return a
        case ("Sqrt", _): return a.number.map { .real(sqrt($0)) } ?? .unknown
        case ("Reciprocal", _): return a.number.map { .real(1 / $0) } ?? .unknown
        case ("Not", _): return a.number.map { .int(DimExpr($0 == 0 ? 1 : 0)) } ?? .unknown
        case ("Relu", .int(let e)): return e.constantValue.map { .int(DimExpr(Swift.max($0, 0))) } ?? (e.isEvidentlyPositive ? a : .unknown)
        case ("Relu", .real(let d)): return .real(Swift.max(d, 0))
        default: return .unknown
        }
    }

    /// The element converted to `to` (Cast).
    public static func cast(_ a: Element, to: DataType) -> Element {
        if to == .bool { return a.number.map { .int(DimExpr($0 != 0 ? 1 : 0)) } ?? .unknown }
        if to.isInteger {
            switch a {
            case .int: return a
            case .real(let d): return d.isFinite && abs(d) < 9.0e18 ? .int(DimExpr(Int64(d.rounded(.towardZero)))) : .unknown
            case .unknown: return .unknown
            }
        }
        if to.isFloatingPoint {
            switch a {
            case .int(let e): return e.constantValue.map { .real(Double($0)) } ?? a
            default: return a
            }
        }
        return .unknown
    }
}
