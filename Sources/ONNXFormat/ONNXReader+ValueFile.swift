import CProtobufONNX
import ModelFiles
import ModelIR

/// A value stored in an ONNX test data file: a tensor, a sequence or an optional.
public indirect enum DataValue: Sendable, Equatable {
    case tensor(Tensor)
    case sequence([DataValue])
    /// nil when the optional holds no value.
    case optional(DataValue?)
}

extension ONNXReader {
    /// Reads a test data `.pb` file holding a value of the `expected` kind: a `TensorProto`,
    /// a `SequenceProto` or an `OptionalProto` (maps and sparse tensors are not supported).
    public func readValueFile(path: String, expected: ValueType?) throws(ONNXError) -> DataValue {
        switch expected?.kind {
        case .sequence?, .optional?: break
        case .map?, .sparseTensor?, .opaque?:
            throw .unsupported(path: path, element: "test value", reason: "values of type \(expected!) are not supported")
        default:
            return .tensor(try readTensorFile(path: path))
        }
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw .cannotOpen(path: path, reason: error.description) }
        let isSequence: Bool
        if case .sequence? = expected?.kind { isSequence = true } else { isSequence = false }
        guard let base = file.baseAddress, file.byteCount > 0 else {
            // An empty message: an empty sequence, or an optional without a value.
            return isSequence ? .sequence([]) : .optional(nil)
        }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        let stripper = WeightStripper(base: base, count: file.byteCount, threshold: Int.max, nonce: 0)
        let context = ReadContext(path: path, file: file, stripper: stripper)
        if isSequence {
            guard let proto = onnxio_unpack_sequence(bytes, file.byteCount) else { throw .unparsable(path: path) }
            defer { onnxio_free_sequence(proto) }
            return try context.sequenceValue(proto.pointee)
        }
        guard let proto = onnxio_unpack_optional(bytes, file.byteCount) else { throw .unparsable(path: path) }
        defer { onnxio_free_optional(proto) }
        return try context.optionalValue(proto.pointee)
    }
}

// MARK: Decoding sequence and optional messages

extension ReadContext {
    /// Element kinds of SequenceProto / OptionalProto (their DataType enums share the numbering).
    private enum ElementKind: Int32 {
        case undefined = 0, tensor = 1, sparseTensor = 2, sequence = 3, map = 4, optional = 5
    }

    func sequenceValue(_ s: Onnx__SequenceProto) throws(ONNXError) -> DataValue {
        let kind = ElementKind(rawValue: s.has_elem_type != 0 ? s.elem_type : 0) ?? .undefined
        var out: [DataValue] = []
        for t in cMessages(s.n_tensor_values, s.tensor_values) { out.append(.tensor(try tensor(t.pointee))) }
        for q in cMessages(s.n_sequence_values, s.sequence_values) { out.append(try sequenceValue(q.pointee)) }
        for o in cMessages(s.n_optional_values, s.optional_values) { out.append(try optionalValue(o.pointee)) }
        if kind == .map || kind == .sparseTensor || s.n_map_values > 0 || s.n_sparse_tensor_values > 0 {
            throw .unsupported(path: path, element: "sequence", reason: "sequences of maps or sparse tensors are not supported")
        }
        return .sequence(out)
    }

    func optionalValue(_ o: Onnx__OptionalProto) throws(ONNXError) -> DataValue {
        if let t = o.tensor_value { return .optional(.tensor(try tensor(t.pointee))) }
        if let s = o.sequence_value { return .optional(try sequenceValue(s.pointee)) }
        if let inner = o.optional_value { return .optional(try optionalValue(inner.pointee)) }
        if o.map_value != nil || o.sparse_tensor_value != nil {
            throw .unsupported(path: path, element: "optional", reason: "optional maps or sparse tensors are not supported")
        }
        return .optional(nil)
    }
}
