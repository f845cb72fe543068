import ModelIR

/// An inferred tensor type: element type and dims as expressions (a nil dim is unknown, a nil shape an unknown rank).
public struct SymTensor: Hashable, Sendable, CustomStringConvertible {
    public var elementType: DataType?
    public var shape: [DimExpr?]?

    public init(_ elementType: DataType?, _ shape: [DimExpr?]?) {
        self.elementType = elementType
        self.shape = shape
    }

    /// A tensor type with fixed dims.
    public static func fixed(_ elementType: DataType?, _ dims: [Int64]) -> SymTensor {
        SymTensor(elementType, dims.map { DimExpr($0) })
    }

    public var rank: Int? { shape?.count }

    /// The dims when every one is a constant.
    public var fixedDims: [Int64]? {
        guard let shape else { return nil }
        var out: [Int64] = []
        for d in shape {
            guard let v = d?.constantValue else { return nil }
            out.append(v)
        }
        return out
    }

    /// The element count as an expression, when every dim is known.
    public var elementCount: DimExpr? {
        guard let shape else { return nil }
        var n = DimExpr(1)
        for d in shape {
            guard let d else { return nil }
            n = n * d
        }
        return n
    }

    public var description: String {
        let t = elementType?.name ?? "?"
        guard let shape else { return "\(t)[*]" }
        return "\(t)[\(shape.map { $0?.description ?? "?" }.joined(separator: ","))]"
    }
}

/// An inferred value type: a tensor, a sequence or optional of one, or a type passed through as declared.
public indirect enum SymType: Hashable, Sendable, CustomStringConvertible {
    case tensor(SymTensor)
    case sparseTensor(SymTensor)
    case sequence(SymType?)
    case optional(SymType?)
    /// A type inference does not look into (maps, opaque types): kept as declared.
    case other(ValueType)

    /// The tensor type when this is a dense tensor.
    public var tensor: SymTensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }

    public var description: String {
        switch self {
        case .tensor(let t): return t.description
        case .sparseTensor(let t): return "sparse \(t)"
        case .sequence(let e): return "seq(\(e?.description ?? "?"))"
        case .optional(let e): return "optional(\(e?.description ?? "?"))"
        case .other(let v): return v.description
        }
    }
}

/// What is known about one value: its type and, for small tensors, its elements.
public struct InferredValue: Hashable, Sendable {
    public var type: SymType?
    public var value: KnownValue?

    public init(type: SymType?, value: KnownValue? = nil) {
        self.type = type
        self.value = value
    }

    public static func tensor(_ t: SymTensor, value: KnownValue? = nil) -> InferredValue {
        InferredValue(type: .tensor(t), value: value)
    }
}

// MARK: Conversion from and to the IR

extension SymType {
    /// The inferred form of a declared type; symbolic dim names are parsed as expressions.
    public init(_ type: ValueType) {
        switch type.kind {
        case .tensor(let t): self = .tensor(SymTensor(t))
        case .sparseTensor(let t): self = .sparseTensor(SymTensor(t))
        case .sequence(let e): self = .sequence(e.map { SymType($0) })
        case .optional(let e): self = .optional(e.map { SymType($0) })
        default: self = .other(type)
        }
    }

    /// The IR type: constant dims fixed, expressions as symbolic names, unknown dims unknown.
    public var valueType: ValueType {
        switch self {
        case .tensor(let t): return ValueType(.tensor(t.tensorType))
        case .sparseTensor(let t): return ValueType(.sparseTensor(t.tensorType))
        case .sequence(let e): return ValueType(.sequence(e?.valueType))
        case .optional(let e): return ValueType(.optional(e?.valueType))
        case .other(let v): return v
        }
    }
}

extension SymTensor {
    /// The inferred form of a declared tensor type.
    public init(_ t: TensorType) {
        self.elementType = t.elementType
        self.shape = t.shape.map { dims in
            dims.map { d in
                switch d.value {
                case .fixed(let n): return n >= 0 ? DimExpr(n) : nil
                case .symbolic(let s): return s.isEmpty || s == "?" ? nil : DimExpr(dimName: s)
                case .unknown: return nil
                }
            }
        }
    }

    /// The IR tensor type.
    public var tensorType: TensorType {
        TensorType(elementType: elementType, shape: shape.map { dims in
            dims.map { d in
                guard let d else { return Dim.unknown }
                if let n = d.constantValue { return .fixed(n) }
                return .symbolic(d.description)
            }
        })
    }
}
