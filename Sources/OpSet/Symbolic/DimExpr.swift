/// A dimension size as an integer expression over named symbols: `batch`, `seq+1`, `2*h`, `floor((h+1)/2)`.
///
/// Kept in a canonical form (a sum of monomials with integer coefficients; floor division as an
/// atom whose numerator is reduced) so that equal expressions built different ways compare equal.
public struct DimExpr: Hashable, Sendable, CustomStringConvertible {
    /// Coefficient of each monomial; the empty monomial is the constant term. No zero coefficients.
    public private(set) var terms: [Monomial: Int64]

    /// The expression with exactly these terms (zero coefficients dropped).
    init(terms: [Monomial: Int64]) {
        self.terms = terms.filter { $0.value != 0 }
    }

    /// A constant.
    public init(_ value: Int64) {
        self.terms = value == 0 ? [:] : [Monomial.one: value]
    }

    /// A named symbol.
    public static func symbol(_ name: String) -> DimExpr {
        DimExpr(terms: [Monomial(factors: [.symbol(name)]): 1])
    }

    /// One atom as an expression.
    static func atom(_ a: Atom) -> DimExpr { DimExpr(terms: [Monomial(factors: [a]): 1]) }

    // MARK: Facts

    /// The value when the expression is a constant.
    public var constantValue: Int64? {
        if terms.isEmpty { return 0 }
        if terms.count == 1, let c = terms[.one] { return c }
        return nil
    }

    public var isConstant: Bool { constantValue != nil }

    /// The constant term.
    public var constantTerm: Int64 { terms[.one] ?? 0 }

    /// Every symbol name the expression mentions (also inside floor divisions).
    public var symbols: Set<String> {
        var out = Set<String>()
        for m in terms.keys {
            for f in m.factors {
                switch f {
                case .symbol(let s): out.insert(s)
                case .floorDiv(let a, let b): out.formUnion(a.symbols); out.formUnion(b.symbols)
                }
            }
        }
        return out
    }

    /// The name when the expression is one bare symbol.
    public var symbolName: String? {
        guard terms.count == 1, let (m, c) = terms.first, c == 1, m.factors.count == 1,
              case .symbol(let s) = m.factors[0] else { return nil }
        return s
    }

    /// Whether every coefficient is positive (so the value is positive when the symbols are).
    public var isEvidentlyPositive: Bool {
        !terms.isEmpty && terms.values.allSatisfy { $0 > 0 }
    }

    /// Whether the two expressions certainly differ (their difference is a non-zero constant).
    public func provablyDiffers(from other: DimExpr) -> Bool {
        guard let d = (self - other).constantValue else { return false }
        return d != 0
    }

    // MARK: Arithmetic

    public static func + (a: DimExpr, b: DimExpr) -> DimExpr {
        var t = a.terms
        for (m, c) in b.terms { t[m, default: 0] &+= c }
        return DimExpr(terms: t)
    }

    public static prefix func - (a: DimExpr) -> DimExpr {
        DimExpr(terms: a.terms.mapValues { 0 &- $0 })
    }

    public static func - (a: DimExpr, b: DimExpr) -> DimExpr { a + (-b) }

    public static func * (a: DimExpr, b: DimExpr) -> DimExpr {
        var t: [Monomial: Int64] = [:]
        for (ma, ca) in a.terms {
            for (mb, cb) in b.terms { t[ma * mb, default: 0] &+= ca &* cb }
        }
        return DimExpr(terms: t)
    }

    public static func + (a: DimExpr, b: Int64) -> DimExpr { a + DimExpr(b) }
    public static func - (a: DimExpr, b: Int64) -> DimExpr { a - DimExpr(b) }
    public static func * (a: DimExpr, b: Int64) -> DimExpr { a * DimExpr(b) }
    public static func * (a: Int64, b: DimExpr) -> DimExpr { DimExpr(a) * b }

    /// `floor(self / divisor)`; nil when dividing by zero.
    public func floorDiv(_ divisor: DimExpr) -> DimExpr? {
        DimExpr.floorDivide(self, divisor)
    }

    /// `ceil(self / divisor)`; nil when dividing by zero.
    public func ceilDiv(_ divisor: DimExpr) -> DimExpr? {
        if let k = divisor.constantValue, k > 0 { return DimExpr.floorDivide(self + (k - 1), divisor) }
        return DimExpr.floorDivide(-self, divisor).map { -$0 }
    }

    /// `self mod divisor` (floor semantics); nil when dividing by zero.
    public func mod(_ divisor: DimExpr) -> DimExpr? {
        floorDiv(divisor).map { self - divisor * $0 }
    }

    /// The exact quotient when `divisor` divides every term (constant or monomial divisor).
    public func exactlyDivided(by divisor: DimExpr) -> DimExpr? {
        if divisor == self, !terms.isEmpty { return DimExpr(1) }
        guard divisor.terms.count == 1, let (dm, dc) = divisor.terms.first, dc != 0 else { return nil }
        var t: [Monomial: Int64] = [:]
        for (m, c) in terms {
            guard c % dc == 0, let q = m.dividing(by: dm) else { return nil }
            t[q, default: 0] &+= c / dc
        }
        return DimExpr(terms: t)
    }

    /// The expression with symbols replaced (and re-simplified).
    public func substituting(_ values: [String: DimExpr]) -> DimExpr {
        if values.isEmpty { return self }
        var out = DimExpr(0)
        for (m, c) in terms {
            var product = DimExpr(c)
            for f in m.factors {
                switch f {
                case .symbol(let s): product = product * (values[s] ?? .symbol(s))
                case .floorDiv(let a, let b):
                    let sa = a.substituting(values), sb = b.substituting(values)
                    product = product * (DimExpr.floorDivide(sa, sb) ?? .atom(.floorDiv(sa, sb)))
                }
            }
            out = out + product
        }
        return out
    }

    // MARK: Floor division

    static func floorDivide(_ a: DimExpr, _ b: DimExpr) -> DimExpr? {
        if let k = b.constantValue {
            if k == 0 { return nil }
            if k < 0 { return floorDivide(-a, DimExpr(-k)) }
            return floorDivide(a, byPositive: k)
        }
        if let q = a.exactlyDivided(by: b) { return q }
        if a.terms.isEmpty { return DimExpr(0) }
        return .atom(.floorDiv(a, b))
    }

    /// `floor(a / k)` for k > 0: multiples of k leave the floor; the rest stays with coefficients in [0, k).
    private static func floorDivide(_ a: DimExpr, byPositive k: Int64) -> DimExpr {
        if k == 1 { return a }
        // floor((floor(x/m) + c)/k) = floor((x + c*m)/(m*k)) for integers x, c and m, k > 0.
        let nonConstant = a.terms.filter { $0.key.degree > 0 }
        if nonConstant.count == 1, let (m, coefficient) = nonConstant.first, coefficient == 1, m.degree == 1,
           case .floorDiv(let inner, let d) = m.factors[0], let divisor = d.constantValue, divisor > 0 {
            return floorDivide(inner + a.constantTerm &* divisor, byPositive: divisor &* k)
        }
        var outside: [Monomial: Int64] = [:]
        var inside: [Monomial: Int64] = [:]
        for (m, c) in a.terms {
            let r = ((c % k) + k) % k
            outside[m, default: 0] &+= (c - r) / k
            if r != 0 { inside[m] = r }
        }
        let rest = DimExpr(terms: inside)
        guard !rest.terms.isEmpty, !rest.isConstant else {
            // Only a constant remainder in [0, k) is left: its floor is 0.
            return DimExpr(terms: outside)
        }
        var g = k
        for c in rest.terms.values { g = gcd(g, c) }
        let reduced = DimExpr(terms: rest.terms.mapValues { $0 / g })
        let divisor = k / g
        if divisor == 1 { return DimExpr(terms: outside) + reduced }
        return DimExpr(terms: outside) + .atom(.floorDiv(reduced, DimExpr(divisor)))
    }
}

/// Greatest common divisor of two integers (non-negative result).
func gcd(_ a: Int64, _ b: Int64) -> Int64 {
    var x = a.magnitude, y = b.magnitude
    while y != 0 { (x, y) = (y, x % y) }
    return Int64(truncatingIfNeeded: x)
}

// MARK: Monomials and atoms

/// One indivisible factor of a monomial: a symbol or a floor division that does not simplify.
public indirect enum Atom: Hashable, Sendable {
    case symbol(String)
    case floorDiv(DimExpr, DimExpr)

    /// A sort key giving a stable order (symbols first, then by rendering).
    var sortKey: String {
        switch self {
        case .symbol(let s): return "0" + s
        case .floorDiv: return "1" + description
        }
    }

    var description: String {
        switch self {
        case .symbol(let s): return s
        case .floorDiv(let a, let b):
            return "floor(\(a.rendered(parenthesizeSums: true))/\(b.rendered(parenthesizeSums: true, parenthesizeProducts: true)))"
        }
    }
}

/// A product of atoms (with repetition for powers), kept sorted.
public struct Monomial: Hashable, Sendable {
    public private(set) var factors: [Atom]

    init(factors: [Atom]) {
        self.factors = factors.sorted { $0.sortKey < $1.sortKey }
    }

    static let one = Monomial(factors: [])

    static func * (a: Monomial, b: Monomial) -> Monomial { Monomial(factors: a.factors + b.factors) }

    /// `self / d` when every factor of `d` occurs in `self` (as often).
    func dividing(by d: Monomial) -> Monomial? {
        var rest = factors
        for f in d.factors {
            guard let i = rest.firstIndex(of: f) else { return nil }
            rest.remove(at: i)
        }
        return Monomial(factors: rest)
    }

    var degree: Int { factors.count }
    /// Orders monomials of equal degree: symbols before divisions, then by name.
    var sortKey: String { factors.map(\.sortKey).joined(separator: "*") }
    var description: String { factors.map(\.description).joined(separator: "*") }
}
