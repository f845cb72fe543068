import CProtobufONNX
import Foundation
import ModelFiles
import ModelIR

/// Reads `.onnx` files into the IR through protobuf-c.
///
/// Large `raw_data` weights are not copied: they stay views into the memory-mapped file
/// (and external data files are mapped the same way).
public struct ONNXReader: Sendable {
    /// `raw_data` payloads of at least this many bytes stay views into the mapped file.
    public var viewThreshold: Int

    public init(viewThreshold: Int = 256) {
        self.viewThreshold = viewThreshold
    }

    /// Reads the model at `path` and checks that every node input names a value.
    public func read(path: String) throws(ONNXError) -> Model {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw .cannotOpen(path: path, reason: Self.reason(error)) }
        guard file.byteCount > 0, let base = file.baseAddress else { throw .emptyFile(path: path) }

        var stripper = WeightStripper(
            base: base, count: file.byteCount, threshold: max(viewThreshold, WeightStripper.markerSize + 1),
            nonce: UInt64.random(in: 1...UInt64.max))
        stripper.release = { [file] offset, count in file.releasePages(offset: offset, count: count) }
        let stripped: [UInt8]?
        do { stripped = try stripper.run() } catch { throw .malformed(path: path, offset: error.offset, reason: error.reason) }
        // The walk touched (and the kernel mapped around) the field headers; give those pages back.
        if stripped != nil { file.releaseAllPages() }

        let proto: UnsafeMutablePointer<Onnx__ModelProto>?
        if let stripped {
            proto = stripped.withUnsafeBufferPointer { onnxio_unpack_model($0.baseAddress, $0.count) }
        } else {
            proto = onnxio_unpack_model(base.assumingMemoryBound(to: UInt8.self), file.byteCount)
        }
        guard let proto else { throw .unparsable(path: path) }
        defer { onnxio_free_model(proto) }

        let context = ReadContext(path: path, file: file, stripper: stripper)
        let model = try context.model(proto.pointee)
        do {
            try model.graph.validateReferences()
            for f in model.functions { try f.validateReferences() }
        } catch {
            throw .invalidGraph(path: path, reason: error.description)
        }
        return model
    }

    private static func reason(_ error: MappedFileError) -> String {
        switch error {
        case .cannotOpen(_, let reason): return reason
        case .isDirectory: return "is a folder, expected an ONNX model file"
        case .notRegularFile: return "not a regular file"
        }
    }
}

/// State shared while converting one parsed file: where it lives and the mapped bytes.
final class ReadContext {
    let path: String
    let file: MappedFile
    let stripper: WeightStripper
    /// The folder external data locations are relative to.
    let folder: URL
    /// External data files mapped so far, by resolved path.
    var externalFiles: [String: MappedFile] = [:]

    init(path: String, file: MappedFile, stripper: WeightStripper) {
        self.path = path
        self.file = file
        self.stripper = stripper
        self.folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL
    }
}
