import CFlatORT
import ModelFiles
import ModelIR

/// Reads ONNX Runtime `.ort` files into the IR. The FlatBuffers verifier runs before any field is
/// read; initializer data stays a view into the mapped file.
public struct ORTReader: Sendable {
    public init() {}

    public func read(path: String) throws(ORTError) -> Model {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch {
            switch error {
            case .isDirectory: throw .cannotOpen(path: path, reason: "is a folder, expected an .ort model file")
            default: throw .cannotOpen(path: path, reason: error.description.replacingOccurrences(of: "\(path): ", with: ""))
            }
        }
        guard let base = file.baseAddress, file.byteCount > 0 else { throw .invalid(path: path, reason: "file is empty") }
        var err = [CChar](repeating: 0, count: 512)
        guard let handle = ort_model_open(base.assumingMemoryBound(to: UInt8.self), file.byteCount, &err, err.count) else {
            throw .invalid(path: path, reason: err.cMessage)
        }
        defer { ort_model_close(handle) }
        return try ORTReadContext(path: path, file: file, handle: handle).model()
    }
}

/// State for converting one opened `.ort` model.
final class ORTReadContext {
    let path: String
    let file: MappedFile
    let handle: OpaquePointer
    var err = [CChar](repeating: 0, count: 512)

    init(path: String, file: MappedFile, handle: OpaquePointer) {
        self.path = path
        self.file = file
        self.handle = handle
    }

    func check(_ status: Int32) throws(ORTError) {
        if status != 0 { throw .invalid(path: path, reason: err.cMessage) }
    }

    func text(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }

    /// The strings of a list read from the model.
    func strings(_ list: ort_strings) throws(ORTError) -> [String] {
        var out: [String] = []
        var copy = list
        for i in 0..<list.count {
            var s: UnsafePointer<CChar>? = nil
            var n = 0
            try check(ort_strings_get(&copy, i, &s, &n, &err, err.count))
            out.append(s.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: n), as: UTF8.self) } ?? "")
        }
        return out
    }

    // MARK: Model

    func model() throws(ORTError) -> Model {
        var info = ort_model_info()
        try check(ort_model_get_info(handle, &info, &err, err.count))
        guard info.has_model != 0, info.graph_count > 0 else { throw .invalid(path: path, reason: "the file holds no model graph") }
        var model = Model(graph: Graph())
        model.irVersion = info.ir_version
        model.producerName = text(info.producer_name)
        model.producerVersion = text(info.producer_version)
        model.domain = text(info.domain)
        model.modelVersion = info.model_version
        model.docString = text(info.doc_string)
        for i in 0..<info.opset_import_count {
            var o = ort_opset_id()
            try check(ort_model_opset_import(handle, i, &o, &err, err.count))
            model.opsetImports.append(OpsetImport(domain: text(o.domain) ?? "", version: o.version))
        }
        for i in 0..<info.metadata_prop_count {
            var p = ort_string_pair()
            try check(ort_model_metadata_prop(handle, i, &p, &err, err.count))
            model.metadata.append(MetadataEntry(key: text(p.key) ?? "", value: text(p.value) ?? ""))
        }
        model.graph = try graph(0, depth: 0)
        model.graph.docString = text(info.graph_doc_string)
        ORTValueMetadata.restore(&model)
        return model
    }
}
