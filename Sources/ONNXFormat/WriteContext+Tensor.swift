import CProtobufONNX
import ModelFiles
import ModelIR

// MARK: Tensors

extension WriteContext {
    /// A TensorProto whose raw_data points at the IR tensor's bytes (no copy), or at external data.
    func tensor(_ t: Tensor, mayGoExternal: Bool) throws(ONNXError) -> UnsafeMutablePointer<Onnx__TensorProto> {
        let p = arena.message(onnxio_init_tensor)
        (p.pointee.n_dims, p.pointee.dims) = arena.copy(t.dims)
        if t.dataType != .undefined { p.pointee.has_data_type = 1; p.pointee.data_type = t.dataType.rawValue }
        if let s = t.segment {
            let sp = arena.message(onnxio_init_tensor_segment)
            if let b = s.begin { sp.pointee.has_begin = 1; sp.pointee.begin = b }
            if let e = s.end { sp.pointee.has_end = 1; sp.pointee.end = e }
            p.pointee.segment = sp
        }
        p.pointee.name = arena.string(t.name)
        p.pointee.doc_string = arena.string(t.docString)
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = entries(t.metadata)
        switch t.contents {
        case .strings(let s):
            (p.pointee.n_string_data, p.pointee.string_data) = arena.copy(s.map { arena.bytes($0) })
        case .bytes(let view):
            if mayGoExternal, let external, view.count >= external.threshold {
                let offset = try external.append(view)
                p.pointee.has_data_location = 1
                p.pointee.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL
                (p.pointee.n_external_data, p.pointee.external_data) = entries([
                    MetadataEntry(key: "location", value: external.location),
                    MetadataEntry(key: "offset", value: String(offset)),
                    MetadataEntry(key: "length", value: String(view.count)),
                ])
            } else {
                p.pointee.has_raw_data = 1
                p.pointee.raw_data = view.withUnsafeBytes { bytes in
                    ProtobufCBinaryData(
                        len: bytes.count,
                        data: bytes.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: UInt8.self)) })
                }
            }
        }
        return p
    }

    func sparseTensor(_ s: SparseTensor) throws(ONNXError) -> UnsafeMutablePointer<Onnx__SparseTensorProto> {
        let p = arena.message(onnxio_init_sparse_tensor)
        p.pointee.values = try tensor(s.values, mayGoExternal: false)
        p.pointee.indices = try tensor(s.indices, mayGoExternal: false)
        (p.pointee.n_dims, p.pointee.dims) = arena.copy(s.dims)
        return p
    }
}
