/// Everything that can go wrong reading or writing a `.tflite` file. Each case names the file and the element.
public enum TFLiteError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case invalid(path: String, reason: String)
    case unsupported(path: String, element: String, reason: String)
    case notRepresentable(path: String, element: String, reason: String)
    case refusingToOverwriteInput(path: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): \(reason)"
        case .invalid(let path, let reason): return "\(path): invalid TFLite model: \(reason)"
        case .unsupported(let path, let element, let reason): return "\(path): \(element): \(reason)"
        case .notRepresentable(let path, let element, let reason): return "\(path): \(element): \(reason)"
        case .refusingToOverwriteInput(let path): return "\(path): refusing to overwrite the input model; choose another output path"
        case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
        }
    }
}

/// Names the IR uses for TFLite's own concepts.
public enum TFLiteDialect {
    /// The op domain of imported TFLite builtin operators (op type = builtin name, e.g. `CONV_2D`).
    public static let domain = "tflite"
    /// The op domain of TFLite custom operators (op type = custom code).
    public static let customDomain = "tflite.custom"

    // MARK: Node attributes that are not option fields (option fields never start with "_")
    public static let versionAttribute = "_version"
    public static let optionsAttribute = "_options"
    public static let options2Attribute = "_options2"
    public static let customOptionsAttribute = "_custom_options"
    public static let customOptionsFormatAttribute = "_custom_options_format"
    public static let intermediatesAttribute = "_intermediates"
    public static let mutatingVariableInputsAttribute = "_mutating_variable_inputs"
    /// Prefix of builtin_options_2 fields (to keep them apart from builtin_options fields).
    public static let options2FieldPrefix = "_2."

    /// Binary metadata entry holding bytes appended after the flatbuffer (MediaPipe appends a zip).
    public static let appendedDataName = "tflite.appended_data"

    // MARK: Value metadata keys
    public static let originalNameKey = "tflite.name"
    public static let isVariableKey = "tflite.is_variable"
    public static let hasRankKey = "tflite.has_rank"
    public static let shapeKey = "tflite.shape"
    public static let signatureKey = "tflite.shape_signature"
    /// The tensor's `shape` vector is absent (TFLite reads that as a scalar).
    public static let noShapeKey = "tflite.no_shape"
}

// MARK: Element types

enum TFLiteTypes {
    /// TFLite TensorType → IR data type (nil for RESOURCE/VARIANT, which are opaque).
    static func dataType(_ t: Int32) -> DataTypeMapping {
        switch t {
        case 0: return .type(.float)
        case 1: return .type(.float16)
        case 2: return .type(.int32)
        case 3: return .type(.uint8)
        case 4: return .type(.int64)
        case 5: return .type(.string)
        case 6: return .type(.bool)
        case 7: return .type(.int16)
        case 8: return .type(.complex64)
        case 9: return .type(.int8)
        case 10: return .type(.double)
        case 11: return .type(.complex128)
        case 12: return .type(.uint64)
        case 13: return .opaque("resource")
        case 14: return .opaque("variant")
        case 15: return .type(.uint32)
        case 16: return .type(.uint16)
        case 17: return .type(.int4)
        case 18: return .type(.bfloat16)
        default: return .unknown
        }
    }

    /// IR data type → TFLite TensorType.
    static func tensorType(_ d: DataType) -> Int32? {
        switch d {
        case .float: return 0
        case .float16: return 1
        case .int32: return 2
        case .uint8: return 3
        case .int64: return 4
        case .string: return 5
        case .bool: return 6
        case .int16: return 7
        case .complex64: return 8
        case .int8: return 9
        case .double: return 10
        case .complex128: return 11
        case .uint64: return 12
        case .uint32: return 15
        case .uint16: return 16
        case .int4: return 17
        case .bfloat16: return 18
        default: return nil
        }
    }

    static func opaqueType(_ name: String) -> Int32? {
        switch name {
        case "resource": return 13
        case "variant": return 14
        default: return nil
        }
    }

    enum DataTypeMapping {
        case type(DataType)
        case opaque(String)
        case unknown
    }
}

import ModelIR

extension ValueType.Kind {
    /// The tensor type when this is a dense tensor.
    var tensorTypeIfTensor: TensorType? {
        if case .tensor(let t) = self { return t }
        return nil
    }

    /// The name of an opaque type.
    var opaqueName: String? {
        if case .opaque(_, let name) = self { return name }
        return nil
    }
}
