/// A constant tensor: element type, dims and data held as a view (mapped file bytes or an owned buffer).
public struct Tensor: Hashable, Sendable {
    /// The elements: packed little-endian bytes (sub-byte types packed low nibble first,
    /// bool one byte each, float16/bfloat16 as raw bits) or, for strings, one byte string each.
    public enum Contents: Hashable, Sendable {
        case bytes(ByteView)
        case strings([[UInt8]])
    }

    /// A slice of a larger tensor that was split into segments (ONNX `Segment`).
    public struct Segment: Hashable, Sendable {
        public var begin: Int64?
        public var end: Int64?
        public init(begin: Int64?, end: Int64?) {
            self.begin = begin
            self.end = end
        }
    }

    public var name: String?
    public var dataType: DataType
    public var dims: [Int64]
    public var contents: Contents
    public var docString: String?
    public var segment: Segment?
    public var metadata: [MetadataEntry]

    public init(
        name: String?, dataType: DataType, dims: [Int64], contents: Contents,
        docString: String? = nil, segment: Segment? = nil, metadata: [MetadataEntry] = []
    ) {
        self.name = name
        self.dataType = dataType
        self.dims = dims
        self.contents = contents
        self.docString = docString
        self.segment = segment
        self.metadata = metadata
    }

    /// Number of elements the dims describe; nil on negative dims or overflow.
    public var elementCount: Int? { Tensor.elementCount(of: dims) }

    /// Number of elements in a shape; nil on negative dims or overflow.
    public static func elementCount(of dims: [Int64]) -> Int? {
        var n = 1
        for d in dims {
            guard d >= 0, d <= Int64(Int.max) else { return nil }
            let (m, overflow) = n.multipliedReportingOverflow(by: Int(d))
            if overflow { return nil }
            n = m
        }
        return n
    }

    /// Bytes of element data (strings: sum of their lengths).
    public var byteCount: Int {
        switch contents {
        case .bytes(let v): return v.count
        case .strings(let s): return s.reduce(0) { $0 + $1.count }
        }
    }

    /// The byte view, when the tensor is not a string tensor.
    public var byteView: ByteView? {
        if case .bytes(let v) = contents { return v }
        return nil
    }

    /// The tensor's type as a value type with fixed dims.
    public var valueType: ValueType {
        ValueType(.tensor(TensorType(elementType: dataType, shape: dims.map { .fixed($0) })))
    }
}

/// A sparse tensor in COO form: values, indices and the dense shape.
public struct SparseTensor: Hashable, Sendable {
    public var values: Tensor
    public var indices: Tensor
    public var dims: [Int64]
    public init(values: Tensor, indices: Tensor, dims: [Int64]) {
        self.values = values
        self.indices = indices
        self.dims = dims
    }
}
