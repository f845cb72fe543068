/// The type of a tensor value: element type and shape, either of which may be unknown.
public struct TensorType: Hashable, Sendable, CustomStringConvertible {
    /// nil when the element type is not given.
    public var elementType: DataType?
    /// nil when even the rank is unknown.
    public var shape: [Dim]?

    public init(elementType: DataType?, shape: [Dim]?) {
        self.elementType = elementType
        self.shape = shape
    }

    public var description: String {
        let t = elementType?.name ?? "?"
        guard let shape else { return "\(t)[*]" }
        return "\(t)[\(shape.map(\.description).joined(separator: ","))]"
    }
}

/// The type of any value in a graph: tensors, sparse tensors, sequences, maps and optionals.
public struct ValueType: Hashable, Sendable, CustomStringConvertible {
    public indirect enum Kind: Hashable, Sendable {
        case tensor(TensorType)
        case sparseTensor(TensorType)
        case sequence(ValueType?)
        case map(key: DataType, value: ValueType?)
        case optional(ValueType?)
        /// A type known only by domain and name.
        case opaque(domain: String?, name: String?)
        /// A type whose kind was not given.
        case unspecified
    }
    public var kind: Kind
    /// An optional semantic tag (ONNX "denotation").
    public var denotation: String?

    public init(_ kind: Kind, denotation: String? = nil) {
        self.kind = kind
        self.denotation = denotation
    }

    /// The tensor type when this is a dense tensor.
    public var tensorType: TensorType? {
        if case .tensor(let t) = kind { return t }
        return nil
    }

    public var description: String {
        switch kind {
        case .tensor(let t): return t.description
        case .sparseTensor(let t): return "sparse \(t)"
        case .sequence(let e): return "seq(\(e?.description ?? "?"))"
        case .map(let k, let v): return "map(\(k.name),\(v?.description ?? "?"))"
        case .optional(let e): return "optional(\(e?.description ?? "?"))"
        case .opaque(let d, let n): return "opaque(\(d ?? ""):\(n ?? ""))"
        case .unspecified: return "?"
        }
    }
}

/// A named value's declared type (graph input, output or intermediate).
public struct ValueInfo: Hashable, Sendable {
    public var name: String
    public var type: ValueType?
    public var docString: String?
    public var metadata: [MetadataEntry]
    /// How the value's integers map to real numbers, when it is quantized.
    public var quantization: QuantParams?

    public init(
        name: String, type: ValueType?, docString: String? = nil, metadata: [MetadataEntry] = [],
        quantization: QuantParams? = nil
    ) {
        self.name = name
        self.type = type
        self.docString = docString
        self.metadata = metadata
        self.quantization = quantization
    }

    /// The metadata value for `key`.
    public func metadata(_ key: String) -> String? { metadata.first { $0.key == key }?.value }
}

/// An ordered key/value pair of free-form metadata.
public struct MetadataEntry: Hashable, Sendable {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
