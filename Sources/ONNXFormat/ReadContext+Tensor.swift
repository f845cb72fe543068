import CProtobufONNX
import Foundation
import ModelFiles
import ModelIR

// MARK: Tensors

extension ReadContext {
    func tensor(_ t: Onnx__TensorProto) throws(ONNXError) -> Tensor {
        let name = cString(t.name)
        let label = name ?? "<unnamed>"
        let dims = Array(cArray(t.n_dims, t.dims))
        if let bad = dims.first(where: { $0 < 0 }) {
            throw .invalidTensor(path: path, tensor: label, reason: "has negative dim \(bad) in shape \(dims)")
        }
        guard let count = Tensor.elementCount(of: dims) else {
            throw .invalidTensor(path: path, tensor: label, reason: "shape \(dims) has more elements than can be addressed")
        }
        let dataType = DataType(rawValue: t.has_data_type != 0 ? t.data_type : 0)
        let contents: Tensor.Contents
        if t.has_data_location != 0 && t.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
            contents = .bytes(try externalData(t, label: label))
        } else if dataType == .string {
            contents = .strings(cArray(t.n_string_data, t.string_data).map { Array(cBytes($0)) })
        } else if t.has_raw_data != 0 {
            contents = .bytes(rawData(t.raw_data))
        } else {
            contents = .bytes(try typedData(t, dataType: dataType, count: count, label: label))
        }
        if dataType == .string {
            if case .strings(let s) = contents, s.count != count {
                throw .invalidTensor(path: path, tensor: label, reason: "holds \(s.count) strings but its shape \(dims) needs \(count)")
            }
        } else if case .bytes(let v) = contents {
            guard let expected = dataType.byteCount(elements: count) else {
                throw .invalidTensor(path: path, tensor: label, reason: "has unsupported data type \(dataType.rawValue)")
            }
            if v.count != expected {
                throw .invalidTensor(
                    path: path, tensor: label,
                    reason: "holds \(v.count) bytes of data but its shape \(dims) of \(dataType) needs \(expected)")
            }
        }
        var segment: Tensor.Segment? = nil
        if let s = t.segment {
            segment = Tensor.Segment(begin: s.pointee.has_begin != 0 ? s.pointee.begin : nil,
                                     end: s.pointee.has_end != 0 ? s.pointee.end : nil)
        }
        return Tensor(
            name: name, dataType: dataType, dims: dims, contents: contents, docString: cString(t.doc_string),
            segment: segment, metadata: entries(t.n_metadata_props, t.metadata_props))
    }

    func sparseTensor(_ s: Onnx__SparseTensorProto) throws(ONNXError) -> SparseTensor {
        guard let v = s.values, let i = s.indices else {
            throw .invalidField(path: path, element: "sparse tensor", reason: "needs both values and indices")
        }
        return SparseTensor(values: try tensor(v.pointee), indices: try tensor(i.pointee), dims: Array(cArray(s.n_dims, s.dims)))
    }

    // MARK: Storage forms

    /// raw_data: a view into the mapped file when the stripper left a marker, else a copy.
    private func rawData(_ b: ProtobufCBinaryData) -> ByteView {
        let bytes = cBytes(b)
        if let index = stripper.regionIndex(ofMarker: bytes) {
            let region = stripper.regions[index]
            if let view = ByteView(owner: file, offset: region.offset, count: region.count) { return view }
        }
        return ByteView(copying: bytes)
    }

    /// Typed fields (float_data, int32_data, …) packed into little-endian bytes.
    private func typedData(_ t: Onnx__TensorProto, dataType: DataType, count: Int, label: String) throws(ONNXError) -> ByteView {
        func mismatch(_ field: String, _ n: Int, _ need: Int) -> ONNXError {
            .invalidTensor(path: path, tensor: label,
                           reason: "\(field) holds \(n) values but its shape of \(count) \(dataType) elements needs \(need)")
        }
        switch dataType {
        case .float, .complex64:
            let need = dataType == .float ? count : 2 * count
            guard t.n_float_data == need || (t.n_float_data == 0 && need == 0) else { throw mismatch("float_data", t.n_float_data, need) }
            return pack(cArray(t.n_float_data, t.float_data))
        case .double, .complex128:
            let need = dataType == .double ? count : 2 * count
            guard t.n_double_data == need else { throw mismatch("double_data", t.n_double_data, need) }
            return pack(cArray(t.n_double_data, t.double_data))
        case .int64:
            guard t.n_int64_data == count else { throw mismatch("int64_data", t.n_int64_data, count) }
            return pack(cArray(t.n_int64_data, t.int64_data))
        case .uint64:
            guard t.n_uint64_data == count else { throw mismatch("uint64_data", t.n_uint64_data, count) }
            return pack(cArray(t.n_uint64_data, t.uint64_data))
        case .uint32:
            guard t.n_uint64_data == count else { throw mismatch("uint64_data", t.n_uint64_data, count) }
            return pack(cArray(t.n_uint64_data, t.uint64_data).map { UInt32(truncatingIfNeeded: $0) })
        case .int32:
            guard t.n_int32_data == count else { throw mismatch("int32_data", t.n_int32_data, count) }
            return pack(cArray(t.n_int32_data, t.int32_data))
        case .int16, .uint16, .float16, .bfloat16:
            guard t.n_int32_data == count else { throw mismatch("int32_data", t.n_int32_data, count) }
            return pack(cArray(t.n_int32_data, t.int32_data).map { UInt16(truncatingIfNeeded: $0) })
        case .int8, .uint8, .bool, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0:
            guard t.n_int32_data == count else { throw mismatch("int32_data", t.n_int32_data, count) }
            return pack(cArray(t.n_int32_data, t.int32_data).map { UInt8(truncatingIfNeeded: $0) })
        case .int4, .uint4, .float4e2m1, .int2, .uint2:
            // Sub-byte types keep one packed byte per int32_data entry.
            let need = dataType.byteCount(elements: count) ?? 0
            guard t.n_int32_data == need else { throw mismatch("int32_data", t.n_int32_data, need) }
            return pack(cArray(t.n_int32_data, t.int32_data).map { UInt8(truncatingIfNeeded: $0) })
        default:
            if count == 0 { return .empty }
            throw .invalidTensor(path: path, tensor: label, reason: "has data type \(dataType) whose typed storage is not supported")
        }
    }

    private func pack<T>(_ values: some Collection<T>) -> ByteView {
        let array = Array(values)
        return array.withUnsafeBytes { ByteView(copying: $0) }
    }

    // MARK: External data

    /// Maps the external file a tensor points to, checking that it stays inside the model's folder.
    private func externalData(_ t: Onnx__TensorProto, label: String) throws(ONNXError) -> ByteView {
        var location: String? = nil
        var offset = 0
        var length: Int? = nil
        for e in cMessages(t.n_external_data, t.external_data) {
            let key = cString(e.pointee.key) ?? ""
            let value = cString(e.pointee.value) ?? ""
            switch key {
            case "location": location = value
            case "offset":
                guard let v = Int(value), v >= 0 else { throw .externalData(path: path, tensor: label, reason: "has invalid offset '\(value)'") }
                offset = v
            case "length":
                guard let v = Int(value), v >= 0 else { throw .externalData(path: path, tensor: label, reason: "has invalid length '\(value)'") }
                length = v
            default: break
            }
        }
        guard let location, !location.isEmpty else {
            throw .externalData(path: path, tensor: label, reason: "has no location")
        }
        let resolved = try resolveExternal(location, label: label)
        let mapped: MappedFile
        if let cached = externalFiles[resolved] {
            mapped = cached
        } else {
            do { mapped = try MappedFile(path: resolved) } catch {
                throw .externalData(path: path, tensor: label, reason: "file '\(location)' cannot be read: \(error)")
            }
            externalFiles[resolved] = mapped
        }
        let count = length ?? (mapped.byteCount - offset)
        guard offset <= mapped.byteCount, count >= 0, count <= mapped.byteCount - offset,
              let view = ByteView(owner: mapped, offset: offset, count: count)
        else {
            throw .externalData(
                path: path, tensor: label,
                reason: "range offset \(offset) + length \(length ?? 0) runs past the end of '\(location)' (\(mapped.byteCount) bytes)")
        }
        return view
    }

    /// The absolute path of `location`, refusing absolute paths and paths that leave the model's folder.
    private func resolveExternal(_ location: String, label: String) throws(ONNXError) -> String {
        if location.hasPrefix("/") {
            throw .externalData(path: path, tensor: label, reason: "location '\(location)' is absolute; it must be relative to the model's folder")
        }
        let base = folder.resolvingSymlinksInPath().path
        let candidate = folder.appendingPathComponent(location).standardizedFileURL.resolvingSymlinksInPath().path
        guard candidate == base || candidate.hasPrefix(base.hasSuffix("/") ? base : base + "/") else {
            throw .externalData(path: path, tensor: label, reason: "location '\(location)' points outside the model's folder")
        }
        return candidate
    }
}
