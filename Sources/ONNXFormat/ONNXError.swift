import ModelIR

/// Everything that can go wrong reading or writing an ONNX file. Each case names the file and the element.
public enum ONNXError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case emptyFile(path: String)
    case malformed(path: String, offset: Int, reason: String)
    case unparsable(path: String)
    case missingGraph(path: String)
    case invalidTensor(path: String, tensor: String, reason: String)
    case externalData(path: String, tensor: String, reason: String)
    case invalidGraph(path: String, reason: String)
    case invalidField(path: String, element: String, reason: String)
    case refusingToOverwriteInput(path: String)
    case writeFailed(path: String, reason: String)
    case unsupported(path: String, element: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "\(path): \(reason)"
        case .emptyFile(let path):
            return "\(path): file is empty, expected an ONNX model"
        case .malformed(let path, let offset, let reason):
            return "\(path): not a valid ONNX protobuf (byte \(offset): \(reason)); the file may be truncated or not an ONNX model"
        case .unparsable(let path):
            return "\(path): protobuf-c could not parse the model (invalid field encoding); the file may be corrupt"
        case .missingGraph(let path):
            return "\(path): the model has no graph; is this an ONNX model file?"
        case .invalidTensor(let path, let tensor, let reason):
            return "\(path): tensor '\(tensor)': \(reason)"
        case .externalData(let path, let tensor, let reason):
            return "\(path): tensor '\(tensor)': external data \(reason)"
        case .invalidGraph(let path, let reason):
            return "\(path): \(reason)"
        case .invalidField(let path, let element, let reason):
            return "\(path): \(element): \(reason)"
        case .refusingToOverwriteInput(let path):
            return "\(path): refusing to overwrite the input model; choose another output path"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .unsupported(let path, let element, let reason):
            return "\(path): \(element): \(reason)"
        }
    }
}
