import ModelIR

/// A runtime tensor: element type, shape and elements in a typed Swift array.
///
/// Sub-byte and 8-bit float types are held decoded (int4 in `.int8`, float8 in `.float`);
/// `dataType` keeps the declared type so conversions back to bytes are exact.
public struct NDArray: Sendable, Equatable {
    /// The elements, one case per storage type.
    public enum Storage: Sendable, Equatable {
        case float([Float])
        case double([Double])
        case float16([Float16])
        case bfloat16([UInt16])
        case int8([Int8])
        case int16([Int16])
        case int32([Int32])
        case int64([Int64])
        case uint8([UInt8])
        case uint16([UInt16])
        case uint32([UInt32])
        case uint64([UInt64])
        case bool([Bool])
        case string([String])

        public var count: Int {
            switch self {
            case .float(let a): a.count
            case .double(let a): a.count
            case .float16(let a): a.count
            case .bfloat16(let a): a.count
            case .int8(let a): a.count
            case .int16(let a): a.count
            case .int32(let a): a.count
            case .int64(let a): a.count
            case .uint8(let a): a.count
            case .uint16(let a): a.count
            case .uint32(let a): a.count
            case .uint64(let a): a.count
            case .bool(let a): a.count
            case .string(let a): a.count
            }
        }
    }

    public var dataType: DataType
    public var shape: [Int]
    public var storage: Storage

    public init(dataType: DataType, shape: [Int], storage: Storage) {
        self.dataType = dataType
        self.shape = shape
        self.storage = storage
    }

    /// A float32 array.
    public init(shape: [Int], floats: [Float]) {
        self.init(dataType: .float, shape: shape, storage: .float(floats))
    }

    /// An int64 array.
    public init(shape: [Int], int64s: [Int64]) {
        self.init(dataType: .int64, shape: shape, storage: .int64(int64s))
    }

    /// A bool array.
    public init(shape: [Int], bools: [Bool]) {
        self.init(dataType: .bool, shape: shape, storage: .bool(bools))
    }

    /// Number of elements.
    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// Row-major strides of `shape`.
    public var strides: [Int] { NDArray.strides(of: shape) }

    public static func strides(of shape: [Int]) -> [Int] { shape.rowMajorStrides }

    /// Product of dims.
    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The element count of `shape` when its dims are non-negative and the count is at most `limit`
    /// (multiplied with overflow checks: a damaged file's dims can be anything); nil otherwise.
    public static func count(of shape: [Int], atMost limit: Int) -> Int? {
        var total = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, p <= limit else { return nil }
            total = p
        }
        return total
    }
}

/// A value flowing through a graph: a tensor, a sequence of tensors, an optional, or a map.
public indirect enum RuntimeValue: Sendable, Equatable {
    case tensor(NDArray)
    case sequence(elementType: DataType, [NDArray])
    case optional(RuntimeValue?)

    /// The tensor, when this value is one.
    public var tensor: NDArray? {
        if case .tensor(let t) = self { return t }
        return nil
    }
}
