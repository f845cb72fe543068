import Foundation
import ModelFiles

/// The file formats modelconv knows.
public enum ModelFormat: String, CaseIterable, Sendable, Codable {
    case onnx, tflite, ort

    /// The format a path's extension names, if any.
    public static func fromExtension(_ path: String) -> ModelFormat? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "onnx": return .onnx
        case "tflite": return .tflite
        case "ort": return .ort
        default: return nil
        }
    }

    /// The format of an existing file: FlatBuffer identifiers first, then the extension.
    public static func detect(path: String) throws(ModelConvError) -> ModelFormat {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw .input(error.description) }
        if file.byteCount >= 8, let base = file.baseAddress {
            let ident = String(decoding: UnsafeRawBufferPointer(start: base + 4, count: 4), as: UTF8.self)
            if ident == "TFL3" { return .tflite }
            if ident == "ORTM" { return .ort }
        }
        if let f = fromExtension(path) { return f }
        if file.byteCount == 0 { throw .input("\(path): file is empty, expected a model") }
        return .onnx
    }
}
