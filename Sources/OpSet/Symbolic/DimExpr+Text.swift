/// Rendering dim expressions as text (`seq+1`, `2*h`, `floor((h+1)/2)`) and parsing them back.
extension DimExpr {
    // MARK: Rendering

    public var description: String { rendered() }

    /// The canonical text; sums (and, when asked, products) in parentheses for use as an operand.
    func rendered(parenthesizeSums: Bool = false, parenthesizeProducts: Bool = false) -> String {
        if terms.isEmpty { return "0" }
        let ordered = terms.sorted { x, y in
            if x.key.degree != y.key.degree {
                if x.key.degree == 0 { return false }
                if y.key.degree == 0 { return true }
                return x.key.degree > y.key.degree
            }
            return x.key.sortKey < y.key.sortKey
        }
        var text = ""
        for (i, (m, c)) in ordered.enumerated() {
            let piece: String
            if m.degree == 0 {
                piece = String(c)
            } else if c == 1 {
                piece = m.description
            } else if c == -1 {
                piece = "-" + m.description
            } else {
                piece = "\(c)*" + m.description
            }
            if i > 0 && !piece.hasPrefix("-") { text += "+" }
            text += piece
        }
        if parenthesizeSums && terms.count > 1 { return "(\(text))" }
        if parenthesizeProducts, terms.count == 1, let (m, c) = terms.first {
            if m.degree == 0 { return c < 0 ? "(\(text))" : text }
            if c != 1 || m.degree > 1 { return "(\(text))" }
        }
        return text
    }

    // MARK: Parsing

    /// A model's symbolic dim name as an expression: an expression this type would print
    /// (`seq+1`, `floor(h/2)`) is parsed; any other name (`batch`, `batch-size`) is one symbol.
    public init(dimName: String) {
        if let e = DimExpr.parse(dimName), e.description == dimName, e.isRicherThanNames {
            self = e
        } else {
            self = .symbol(dimName)
        }
    }

    /// Whether the expression has a constant, a coefficient other than ±1, a product or a division
    /// (a plain `a-b` is more likely a name with a dash than a difference).
    var isRicherThanNames: Bool {
        terms.contains { m, c in m.degree != 1 || (c != 1 && c != -1) || m.factors.contains { if case .floorDiv = $0 { true } else { false } } }
    }

    /// Parses `+ - * /`, parentheses, integers, names, `floor(…)` and `ceil(…)`; nil on bad syntax.
    public static func parse(_ text: String) -> DimExpr? {
        var p = ExprParser(Array(text.utf8))
        guard let e = p.expression(), p.atEnd else { return nil }
        return e
    }
}

/// A recursive-descent parser over the bytes of a dim expression.
private struct ExprParser {
    let bytes: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get { skipSpaces(); return i == bytes.count }
    }

    mutating func skipSpaces() {
        while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
    }

    mutating func peek() -> UInt8? {
        skipSpaces()
        return i < bytes.count ? bytes[i] : nil
    }

    mutating func expression(ceilDivision: Bool = false) -> DimExpr? {
        guard var value = term(ceilDivision: ceilDivision) else { return nil }
        while let c = peek(), c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            i += 1
            guard let rhs = term(ceilDivision: false) else { return nil }
            value = c == UInt8(ascii: "+") ? value + rhs : value - rhs
        }
        return value
    }

    mutating func term(ceilDivision: Bool) -> DimExpr? {
        guard var value = factor() else { return nil }
        while let c = peek(), c == UInt8(ascii: "*") || c == UInt8(ascii: "/") {
            i += 1
            guard let rhs = factor() else { return nil }
            if c == UInt8(ascii: "*") {
                value = value * rhs
            } else {
                guard let q = ceilDivision ? value.ceilDiv(rhs) : value.floorDiv(rhs) else { return nil }
                value = q
            }
        }
        return value
    }

    mutating func factor() -> DimExpr? {
        guard let c = peek() else { return nil }
        if c == UInt8(ascii: "-") {
            i += 1
            return factor().map { -$0 }
        }
        if c == UInt8(ascii: "(") {
            i += 1
            guard let e = expression(), peek() == UInt8(ascii: ")") else { return nil }
            i += 1
            return e
        }
        if isDigit(c) {
            var n: Int64 = 0
            while i < bytes.count, isDigit(bytes[i]) {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(bytes[i] - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                n = s
                i += 1
            }
            return DimExpr(n)
        }
        guard isNameStart(c) else { return nil }
        let start = i
        while i < bytes.count, isNameStart(bytes[i]) || isDigit(bytes[i]) { i += 1 }
        let name = String(decoding: bytes[start..<i], as: UTF8.self)
        if (name == "floor" || name == "ceil"), peek() == UInt8(ascii: "(") {
            i += 1
            guard let e = expression(ceilDivision: name == "ceil"), peek() == UInt8(ascii: ")") else { return nil }
            i += 1
            return e
        }
        return .symbol(name)
    }

    func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    func isNameStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_")
    }
}
