/// The element type of a tensor, numbered as in ONNX's `TensorProto.DataType`.
///
/// The IR's op vocabulary follows ONNX, so it uses that numbering; unknown codes are kept
/// as they are so that a model using a newer type still round-trips.
public struct DataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    // MARK: Known types
    public static let undefined = DataType(rawValue: 0)
    public static let float = DataType(rawValue: 1)
    public static let uint8 = DataType(rawValue: 2)
    public static let int8 = DataType(rawValue: 3)
    public static let uint16 = DataType(rawValue: 4)
    public static let int16 = DataType(rawValue: 5)
    public static let int32 = DataType(rawValue: 6)
    public static let int64 = DataType(rawValue: 7)
    public static let string = DataType(rawValue: 8)
    public static let bool = DataType(rawValue: 9)
    public static let float16 = DataType(rawValue: 10)
    public static let double = DataType(rawValue: 11)
    public static let uint32 = DataType(rawValue: 12)
    public static let uint64 = DataType(rawValue: 13)
    public static let complex64 = DataType(rawValue: 14)
    public static let complex128 = DataType(rawValue: 15)
    public static let bfloat16 = DataType(rawValue: 16)
    public static let float8e4m3fn = DataType(rawValue: 17)
    public static let float8e4m3fnuz = DataType(rawValue: 18)
    public static let float8e5m2 = DataType(rawValue: 19)
    public static let float8e5m2fnuz = DataType(rawValue: 20)
    public static let uint4 = DataType(rawValue: 21)
    public static let int4 = DataType(rawValue: 22)
    public static let float4e2m1 = DataType(rawValue: 23)
    public static let float8e8m0 = DataType(rawValue: 24)
    public static let uint2 = DataType(rawValue: 25)
    public static let int2 = DataType(rawValue: 26)

    private static let names: [Int32: String] = [
        0: "undefined", 1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16",
        6: "int32", 7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "float64",
        12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128", 16: "bfloat16",
        17: "float8e4m3fn", 18: "float8e4m3fnuz", 19: "float8e5m2", 20: "float8e5m2fnuz",
        21: "uint4", 22: "int4", 23: "float4e2m1", 24: "float8e8m0", 25: "uint2", 26: "int2",
    ]

    /// A short lower-case name (`float32`, `int8`, …); unknown codes print as `dtype(N)`.
    public var name: String { Self.names[rawValue] ?? "dtype(\(rawValue))" }
    public var description: String { name }

    /// Whether this code is one the IR knows.
    public var isKnown: Bool { Self.names[rawValue] != nil && rawValue != 0 }

    /// Storage bits per element in packed little-endian form; nil for strings and unknown codes.
    public var bitsPerElement: Int? {
        switch rawValue {
        case 1, 6, 12: return 32
        case 2, 3, 9, 17, 18, 19, 20, 24: return 8
        case 4, 5, 10, 16: return 16
        case 7, 11, 13, 14: return 64
        case 15: return 128
        case 21, 22, 23: return 4
        case 25, 26: return 2
        default: return nil
        }
    }

    /// Bytes needed to store `count` elements packed (sub-byte types round up).
    public func byteCount(elements count: Int) -> Int? {
        guard let bits = bitsPerElement else { return nil }
        let (total, overflow) = count.multipliedReportingOverflow(by: bits)
        if overflow { return nil }
        return (total + 7) / 8
    }

    public var isFloatingPoint: Bool {
        [1, 10, 11, 16, 17, 18, 19, 20, 23, 24].contains(rawValue)
    }
    public var isInteger: Bool { [2, 3, 4, 5, 6, 7, 12, 13, 21, 22, 25, 26].contains(rawValue) }
}
