import ModelIR

// MARK: IR tensor <-> runtime array

extension NDArray {
    /// Decodes an IR constant tensor.
    public init(tensor: Tensor) throws(InterpreterError) {
        let shape = tensor.dims.map { Int($0) }
        let count = NDArray.count(of: shape)
        let label = tensor.name ?? "<constant>"
        switch tensor.contents {
        case .strings(let s):
            self.init(dataType: .string, shape: shape, storage: .string(s.map { String(decoding: $0, as: UTF8.self) }))
            return
        case .bytes(let view):
            let storage: Storage? = view.withUnsafeBytes { raw in NDArray.decode(raw, dataType: tensor.dataType, count: count) }
            guard let storage else {
                throw .invalidModel(reason: "tensor '\(label)': cannot decode \(tensor.dataType) data of \(view.count) bytes for shape \(shape)")
            }
            self.init(dataType: tensor.dataType, shape: shape, storage: storage)
        }
    }

    /// Little-endian packed bytes → typed storage.
    static func decode(_ raw: UnsafeRawBufferPointer, dataType: DataType, count: Int) -> Storage? {
        func load<T>(_: T.Type) -> [T]? {
            guard raw.count == count * MemoryLayout<T>.size else { return nil }
            return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw) }
                initialized = count
            }
        }
        switch dataType {
        case .float: return load(Float.self).map { .float($0) }
        case .double: return load(Double.self).map { .double($0) }
        case .float16: return load(UInt16.self).map { .float16($0.map { Float16(bitPattern: $0) }) }
        case .bfloat16: return load(UInt16.self).map { .bfloat16($0) }
        case .int8: return load(Int8.self).map { .int8($0) }
        case .int16: return load(Int16.self).map { .int16($0) }
        case .int32: return load(Int32.self).map { .int32($0) }
        case .int64: return load(Int64.self).map { .int64($0) }
        case .uint8: return load(UInt8.self).map { .uint8($0) }
        case .uint16: return load(UInt16.self).map { .uint16($0) }
        case .uint32: return load(UInt32.self).map { .uint32($0) }
        case .uint64: return load(UInt64.self).map { .uint64($0) }
        case .bool: return load(UInt8.self).map { .bool($0.map { $0 != 0 }) }
        case .int4, .uint4:
            guard raw.count == (count + 1) / 2 else { return nil }
            let signed = dataType == .int4
            var out = [Int8](repeating: 0, count: count)
            for i in 0..<count {
                let byte = raw[i / 2]
                var nibble = Int8(i % 2 == 0 ? byte & 0x0f : byte >> 4)
                if signed && nibble >= 8 { nibble -= 16 }
                out[i] = nibble
            }
            return signed ? .int8(out) : .uint8(out.map { UInt8($0) })
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz:
            guard raw.count == count else { return nil }
            return .float((0..<count).map { Float8.decode(raw[$0], dataType) })
        default: return nil
        }
    }

    /// Encodes as an IR tensor (for writing outputs and comparing).
    public func toTensor(name: String?) -> Tensor {
        let dims = shape.map { Int64($0) }
        if case .string(let s) = storage {
            return Tensor(name: name, dataType: .string, dims: dims, contents: .strings(s.map { Array($0.utf8) }))
        }
        return Tensor(name: name, dataType: dataType, dims: dims, contents: .bytes(ByteView(copying: encodedBytes())))
    }

    /// Little-endian packed bytes of the elements in `dataType`.
    public func encodedBytes() -> [UInt8] {
        func bytes<T>(_ a: [T]) -> [UInt8] { a.withUnsafeBytes { Array($0) } }
        switch storage {
        case .float(let a):
            if [DataType.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz].contains(dataType) {
                return a.map { Float8.encode($0, dataType) }
            }
            return bytes(a)
        case .double(let a): return bytes(a)
        case .float16(let a): return bytes(a.map(\.bitPattern))
        case .bfloat16(let a): return bytes(a)
        case .int8(let a):
            if dataType == .int4 { return Self.packNibbles(a.map { UInt8(bitPattern: $0) & 0x0f }) }
            return bytes(a)
        case .uint8(let a):
            if dataType == .uint4 { return Self.packNibbles(a.map { $0 & 0x0f }) }
            return bytes(a)
        case .int16(let a): return bytes(a)
        case .int32(let a): return bytes(a)
        case .int64(let a): return bytes(a)
        case .uint16(let a): return bytes(a)
        case .uint32(let a): return bytes(a)
        case .uint64(let a): return bytes(a)
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        case .string: return []
        }
    }

    private static func packNibbles(_ n: [UInt8]) -> [UInt8] {
        stride(from: 0, to: n.count, by: 2).map { i in n[i] | (i + 1 < n.count ? n[i + 1] << 4 : 0) }
    }
}

/// 8-bit float formats (ONNX FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ).
enum Float8 {
    static func parameters(_ t: DataType) -> (exponentBits: Int, bias: Int, fnuz: Bool, finiteOnly: Bool) {
        switch t {
        case .float8e4m3fn: return (4, 7, false, true)
        case .float8e4m3fnuz: return (4, 8, true, true)
        case .float8e5m2: return (5, 15, false, false)
        default: return (5, 16, true, true)
        }
    }

    static func decode(_ byte: UInt8, _ t: DataType) -> Float {
        let (eb, bias, fnuz, _) = parameters(t)
        let mb = 7 - eb
        let sign: Float = byte & 0x80 != 0 ? -1 : 1
        let e = Int((byte >> mb) & UInt8((1 << eb) - 1))
        let m = Int(byte & UInt8((1 << mb) - 1))
        if fnuz {
            if byte == 0x80 { return .nan }
        } else if t == .float8e4m3fn {
            if e == 15 && m == 7 { return .nan }
        } else if e == 31 {
            return m == 0 ? sign * .infinity : .nan
        }
        if e == 0 { return sign * Float(m) * Float(pow2: 1 - bias - mb) }
        return sign * (1 + Float(m) / Float(1 << mb)) * Float(pow2: e - bias)
    }

    /// Round-to-nearest-even encoding with saturation to the largest finite value.
    static func encode(_ value: Float, _ t: DataType) -> UInt8 {
        var best: UInt8 = 0
        var bestErr = Float.infinity
        if value.isNaN { return t == .float8e4m3fn ? 0x7f : (t == .float8e5m2 ? 0x7f : 0x80) }
        for b in 0...255 {
            let d = decode(UInt8(b), t)
            guard d.isFinite else { continue }
            let err = abs(d - value)
            if err < bestErr || (err == bestErr && (b & 1) == 0) {
                bestErr = err
                best = UInt8(b)
            }
        }
        return best
    }
}

extension Float {
    /// 2^n.
    init(pow2 n: Int) { self = Float(sign: .plus, exponent: n, significand: 1) }
}
