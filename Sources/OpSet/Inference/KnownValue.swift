import ModelIR

/// The elements of a small tensor as far as they are known: integers (possibly symbolic, e.g. from
/// `Shape`), real numbers, or unknown. Used to see through Shape → Gather → Concat → Reshape chains.
public struct KnownValue: Hashable, Sendable {
    /// One element.
    public enum Element: Hashable, Sendable {
        case int(DimExpr)
        case real(Double)
        case unknown

        /// The element as an integer expression (reals only when integral).
        public var expr: DimExpr? {
            switch self {
            case .int(let e): return e
            case .real(let d): return d.rounded() == d && abs(d) < 9.0e18 ? DimExpr(Int64(d)) : nil
            case .unknown: return nil
            }
        }

        /// The element as a number, when it is a constant.
        public var number: Double? {
            switch self {
            case .int(let e): return e.constantValue.map(Double.init)
            case .real(let d): return d
            case .unknown: return nil
            }
        }
    }

    public var shape: [Int]
    public var elements: [Element]

    public init(shape: [Int], elements: [Element]) {
        self.shape = shape
        self.elements = elements
    }

    /// A 1-D value of integer expressions (nil elements unknown).
    public static func vector(_ items: [DimExpr?]) -> KnownValue {
        KnownValue(shape: [items.count], elements: items.map { $0.map(Element.int) ?? .unknown })
    }

    /// A scalar integer expression.
    public static func scalar(_ e: DimExpr) -> KnownValue { KnownValue(shape: [], elements: [.int(e)]) }

    public var count: Int { elements.count }

    /// Every element as an integer expression (nil for unknown ones).
    public var exprs: [DimExpr?] { elements.map(\.expr) }

    /// Every element as a constant integer, when all are.
    public var int64s: [Int64]? {
        var out: [Int64] = []
        for e in elements {
            guard let v = e.expr?.constantValue else { return nil }
            out.append(v)
        }
        return out
    }

    /// Every element as a number, when all are constants.
    public var doubles: [Double]? {
        var out: [Double] = []
        for e in elements {
            guard let v = e.number else { return nil }
            out.append(v)
        }
        return out
    }

    /// Whether every element is known.
    public var isComplete: Bool { !elements.contains(.unknown) }

    // MARK: From tensors

    /// The elements of a numeric or bool constant with at most `limit` elements.
    public init?(tensor t: Tensor, limit: Int) {
        guard let count = t.elementCount, count <= limit, let view = t.byteView else { return nil }
        let dt = t.dataType
        guard let bits = dt.bitsPerElement, bits >= 8, view.count >= count * bits / 8 else { return nil }
        let isInt = dt.isInteger || dt == .bool
        guard isInt || [DataType.float, .double, .float16, .bfloat16].contains(dt) else { return nil }
        var items: [Element] = []
        items.reserveCapacity(count)
        view.withUnsafeBytes { raw in
            for i in 0..<count {
                let o = i * bits / 8
                switch dt {
                case .int8: items.append(.int(DimExpr(Int64(raw.load(fromByteOffset: o, as: Int8.self)))))
                case .uint8, .bool: items.append(.int(DimExpr(Int64(raw.load(fromByteOffset: o, as: UInt8.self)))))
                case .int16: items.append(.int(DimExpr(Int64(raw.loadUnaligned(fromByteOffset: o, as: Int16.self)))))
                case .uint16: items.append(.int(DimExpr(Int64(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)))))
                case .int32: items.append(.int(DimExpr(Int64(raw.loadUnaligned(fromByteOffset: o, as: Int32.self)))))
                case .uint32: items.append(.int(DimExpr(Int64(raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))))
                case .int64: items.append(.int(DimExpr(raw.loadUnaligned(fromByteOffset: o, as: Int64.self))))
                case .uint64: items.append(.int(DimExpr(Int64(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)))))
                case .float: items.append(.real(Double(raw.loadUnaligned(fromByteOffset: o, as: Float.self))))
                case .double: items.append(.real(raw.loadUnaligned(fromByteOffset: o, as: Double.self)))
                case .float16: items.append(.real(Double(halfToFloat(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)))))
                case .bfloat16:
                    let b = UInt32(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)) << 16
                    items.append(.real(Double(Float(bitPattern: b))))
                default: items.append(.unknown)
                }
            }
        }
        self.shape = t.dims.map { Int($0) }
        self.elements = items
    }
}

/// IEEE half-precision bits to a Float.
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h >> 15) << 31
    let exponent = Int((h >> 10) & 0x1f)
    let mantissa = UInt32(h & 0x3ff)
    if exponent == 0 {
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13)) }
    return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
}
