import CProtobufONNX
import ModelFiles
import ModelIR

extension ONNXReader {
    /// Reads a serialized `TensorProto` file (the ONNX test data `.pb` layout).
    public func readTensorFile(path: String) throws(ONNXError) -> Tensor {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw .cannotOpen(path: path, reason: error.description) }
        guard let base = file.baseAddress, file.byteCount > 0 else {
            // An empty message is a valid, empty tensor proto.
            return Tensor(name: nil, dataType: .undefined, dims: [], contents: .bytes(.empty))
        }
        guard let proto = onnxio_unpack_tensor(base.assumingMemoryBound(to: UInt8.self), file.byteCount) else {
            throw .unparsable(path: path)
        }
        defer { onnxio_free_tensor(proto) }
        let stripper = WeightStripper(base: base, count: file.byteCount, threshold: Int.max, nonce: 0)
        return try ReadContext(path: path, file: file, stripper: stripper).tensor(proto.pointee)
    }
}
