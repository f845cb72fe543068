import ModelIR

/// Cast and CastLike between every numeric type, bool and string.
enum CastKernels {
    static var table: [String: Kernel] {
        [
            "Cast": { call throws(InterpreterError) in
                [.tensor(try cast(call, try call.tensor(0), to: try targetType(call)))]
            },
            "CastLike": { call throws(InterpreterError) in
                [.tensor(try cast(call, try call.tensor(0), to: try call.tensor(1).dataType))]
            },
        ]
    }

    /// The `to` attribute: a DataType code, or (opset 1–5) its TensorProto name such as "FLOAT".
    static func targetType(_ call: KernelCall) throws(InterpreterError) -> DataType {
        if let code = call.int("to") { return DataType(rawValue: Int32(truncatingIfNeeded: code)) }
        let names: [String: DataType] = [
            "FLOAT": .float, "UINT8": .uint8, "INT8": .int8, "UINT16": .uint16, "INT16": .int16, "INT32": .int32,
            "INT64": .int64, "STRING": .string, "BOOL": .bool, "FLOAT16": .float16, "DOUBLE": .double,
            "UINT32": .uint32, "UINT64": .uint64, "BFLOAT16": .bfloat16,
        ]
        let name = call.string("to", default: "")
        guard let type = names[name.uppercased()] else {
            throw .invalidAttribute(node: call.label, attribute: "to", reason: "unknown type '\(name)'")
        }
        return type
    }

    /// `x` converted to `target` following ONNX Cast rules (`saturate` applies to float8 targets).
    static func cast(_ call: KernelCall, _ x: NDArray, to target: DataType) throws(InterpreterError) -> NDArray {
        guard CastTarget.supports(target) else { throw call.unsupported(target) }
        if x.dataType == target { return x }
        if target == .string, let text = CastTarget.describe(x.storage) {
            return NDArray(dataType: .string, shape: x.shape, storage: .string(text))
        }
        // float ⇄ float16, the casts around half-precision models, converted in bulk (same values).
        switch (x.storage, target) {
        case (.float(let a), .float16): return NDArray(dataType: target, shape: x.shape, storage: .float16(HalfConversion.halves(a)))
        case (.float16(let a), .float): return NDArray(dataType: target, shape: x.shape, storage: .float(HalfConversion.floats(a)))
        default: break
        }
        let conv = CastTarget(type: target, saturate: call.int("saturate", default: 1) != 0)
        let storage: NDArray.Storage
        switch x.storage {
        case .float(let a): storage = conv.fromReal(a) { Double($0) }
        case .double(let a): storage = conv.fromReal(a) { $0 }
        case .float16(let a): storage = conv.fromReal(a) { Double($0) }
        case .bfloat16(let a): storage = conv.fromReal(a) { Double(BFloat16.float($0)) }
        case .int8(let a): storage = conv.fromInteger(a)
        case .int16(let a): storage = conv.fromInteger(a)
        case .int32(let a): storage = conv.fromInteger(a)
        case .int64(let a): storage = conv.fromInteger(a)
        case .uint8(let a): storage = conv.fromInteger(a)
        case .uint16(let a): storage = conv.fromInteger(a)
        case .uint32(let a): storage = conv.fromInteger(a)
        case .uint64(let a): storage = conv.fromInteger(a)
        case .bool(let a): storage = conv.fromBool(a)
        case .string(let a): storage = try conv.fromStrings(a, call)
        }
        return NDArray(dataType: target, shape: x.shape, storage: storage)
    }
}

/// Conversions into one target type.
struct CastTarget {
    let type: DataType
    let saturate: Bool

    static let float8Types: [DataType] = [.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz]

    /// Whether `type` can be produced.
    static func supports(_ type: DataType) -> Bool {
        type.isPlainNumeric || type == .bool || type == .string || type == .int4 || type == .uint4 || float8Types.contains(type)
    }

    // MARK: From floating point

    /// Storage of `a` (a real type read through `value`) converted to the target type.
    @inline(__always)
    func fromReal<S>(_ a: [S], _ value: (S) -> Double) -> NDArray.Storage {
        func int<T: FixedWidthInteger>(_: T.Type) -> [T] { mapElements(a) { ArithmeticKernels.truncatingInteger(value($0)) } }
        switch type {
        case .float: return .float(mapElements(a) { Float(value($0)) })
        case .double: return .double(mapElements(a) { value($0) })
        case .float16: return .float16(mapElements(a) { Float16(value($0)) })
        case .bfloat16: return .bfloat16(mapElements(a) { CastTarget.bfloat16(Float(value($0))) })
        case .int8: return .int8(int(Int8.self))
        case .int16: return .int16(int(Int16.self))
        case .int32: return .int32(int(Int32.self))
        case .int64: return .int64(int(Int64.self))
        case .uint8: return .uint8(int(UInt8.self))
        case .uint16: return .uint16(int(UInt16.self))
        case .uint32: return .uint32(int(UInt32.self))
        case .uint64: return .uint64(int(UInt64.self))
        case .int4: return .int8(mapElements(a) { CastTarget.int4(ArithmeticKernels.truncatingInteger(value($0)) as Int64) })
        case .uint4: return .uint8(mapElements(a) { CastTarget.uint4(ArithmeticKernels.truncatingInteger(value($0)) as UInt64) })
        case .bool: return .bool(mapElements(a) { value($0) != 0 })
        case .string: return .string(mapElements(a) { value($0).description })
        default: return .float(mapElements(a) { Float8Rounding.round(Float(value($0)), type, saturate: saturate) })
        }
    }

    /// Real values as text with the shortest digits that round-trip in their own type (like numpy).
    static func describe(_ storage: NDArray.Storage) -> [String]? {
        switch storage {
        case .float(let a): a.map(\.description)
        case .double(let a): a.map(\.description)
        case .float16(let a): a.map(\.description)
        case .bfloat16(let a): a.map { BFloat16.float($0).description }
        default: nil
        }
    }

    // MARK: From integers and bools

    /// Storage of the integers `a` converted to the target type (integers wrap, like two's complement).
    @inline(__always)
    func fromInteger<S: FixedWidthInteger>(_ a: [S]) -> NDArray.Storage {
        func int<T: FixedWidthInteger>(_: T.Type) -> [T] { mapElements(a) { T(truncatingIfNeeded: $0) } }
        switch type {
        case .float: return .float(mapElements(a) { Float($0) })
        case .double: return .double(mapElements(a) { Double($0) })
        case .float16: return .float16(mapElements(a) { Float16(Float($0)) })
        case .bfloat16: return .bfloat16(mapElements(a) { CastTarget.bfloat16(Float($0)) })
        case .int8: return .int8(int(Int8.self))
        case .int16: return .int16(int(Int16.self))
        case .int32: return .int32(int(Int32.self))
        case .int64: return .int64(int(Int64.self))
        case .uint8: return .uint8(int(UInt8.self))
        case .uint16: return .uint16(int(UInt16.self))
        case .uint32: return .uint32(int(UInt32.self))
        case .uint64: return .uint64(int(UInt64.self))
        case .int4: return .int8(mapElements(a) { CastTarget.int4(Int64(truncatingIfNeeded: $0)) })
        case .uint4: return .uint8(mapElements(a) { CastTarget.uint4(UInt64(truncatingIfNeeded: $0)) })
        case .bool: return .bool(mapElements(a) { $0 != 0 })
        case .string: return .string(mapElements(a) { String($0) })
        default: return .float(mapElements(a) { Float8Rounding.round(Float($0), type, saturate: saturate) })
        }
    }

    /// Bools as 1/0 (strings "True"/"False").
    func fromBool(_ a: [Bool]) -> NDArray.Storage {
        if type == .string { return .string(a.map { $0 ? "True" : "False" }) }
        return fromInteger(mapElements(a) { $0 ? UInt8(1) : 0 })
    }

    // MARK: From strings

    /// Parsed numeric strings ("1e-5", "INF", "-inf", "NaN"...) converted to the target type.
    func fromStrings(_ a: [String], _ call: KernelCall) throws(InterpreterError) -> NDArray.Storage {
        if type == .string { return .string(a) }
        if type.isInteger {
            var ints: [Int64] = []
            ints.reserveCapacity(a.count)
            var allIntegral = true
            for s in a {
                guard let v = Int64(s.trimmingSpaces) else { allIntegral = false; break }
                ints.append(v)
            }
            if allIntegral { return fromInteger(ints) }
        }
        var values: [Double] = []
        values.reserveCapacity(a.count)
        for s in a {
            guard let v = CastTarget.parse(s) else { throw call.invalid("cannot cast string '\(s)' to \(type)") }
            values.append(v)
        }
        return fromReal(values) { $0 }
    }

    /// A number from its text; the special values are matched case-insensitively.
    static func parse(_ text: String) -> Double? {
        let s = text.trimmingSpaces
        switch s.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: return Double(s)
        }
    }

    // MARK: Narrow targets

    /// bfloat16 bits of `f` by truncation (as the ONNX 1.12 reference and its test data do).
    @inline(__always)
    static func bfloat16(_ f: Float) -> UInt16 {
        if f.isNaN { return 0x7fc0 }
        return UInt16(truncatingIfNeeded: f.bitPattern >> 16)
    }

    /// The low 4 bits of `v`, sign-extended.
    @inline(__always)
    static func int4(_ v: Int64) -> Int8 {
        let n = Int8(truncatingIfNeeded: v & 0xf)
        return n >= 8 ? n - 16 : n
    }

    /// The low 4 bits of `v`.
    @inline(__always)
    static func uint4(_ v: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: v & 0xf) }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

// MARK: Float8

/// Rounding of Float values to the float8 formats, held decoded as Float.
enum Float8Rounding {
    /// The largest finite value of a float8 format.
    static func maxFinite(_ t: DataType) -> Float {
        switch t {
        case .float8e4m3fn: 448
        case .float8e4m3fnuz: 240
        default: 57344
        }
    }

    /// `x` rounded to nearest-even in format `t`; out-of-range values saturate to ±max when
    /// `saturate`, else become infinity (E5M2) or NaN (the other formats).
    static func round(_ x: Float, _ t: DataType, saturate: Bool) -> Float {
        if x.isNaN { return .nan }
        let (exponentBits, bias, fnuz, _) = Float8.parameters(t)
        let mantissaBits = 7 - exponentBits
        let largest = maxFinite(t)
        let overflow: Float = saturate ? largest : (t == .float8e5m2 ? .infinity : .nan)
        let magnitude = x.magnitude
        var r: Float
        if magnitude.isInfinite {
            r = overflow
        } else if magnitude == 0 {
            r = 0
        } else {
            let e = Swift.max(Int(magnitude.exponent), 1 - bias)
            let quantum = Float(pow2: e - mantissaBits)
            r = (magnitude / quantum).rounded(.toNearestOrEven) * quantum
            if r > largest { r = overflow }
        }
        if r == 0 && fnuz { return 0 }
        return x.sign == .minus ? -r : r
    }
}
