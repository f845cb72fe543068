import CFlatTFLite
import ModelFiles
import ModelIR

/// Reads `.tflite` files into the IR. The FlatBuffers verifier runs before any field is read;
/// constant buffers stay views into the mapped file.
///
/// Operators import as nodes of the `tflite` dialect (op type = builtin name, options as named
/// attributes), tensors as values with their quantization, so a read/write round trip is exact.
public struct TFLiteReader: Sendable {
    public init() {}

    public func read(path: String) throws(TFLiteError) -> Model {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch {
            switch error {
            case .isDirectory: throw .cannotOpen(path: path, reason: "is a folder, expected a .tflite model file")
            default: throw .cannotOpen(path: path, reason: error.description.replacingOccurrences(of: "\(path): ", with: ""))
            }
        }
        guard let base = file.baseAddress, file.byteCount > 0 else { throw .invalid(path: path, reason: "file is empty") }
        var err = [CChar](repeating: 0, count: 512)
        guard let handle = tfl_model_open(base.assumingMemoryBound(to: UInt8.self), file.byteCount, &err, err.count) else {
            throw .invalid(path: path, reason: err.cMessage)
        }
        defer { tfl_model_close(handle) }
        let context = TFLiteReadContext(path: path, file: file, handle: handle)
        return try context.model()
    }
}

/// State for converting one opened model.
final class TFLiteReadContext {
    let path: String
    let file: MappedFile
    let handle: OpaquePointer
    var err = [CChar](repeating: 0, count: 512)
    var info = tfl_model_info()
    /// Operator codes: (builtin code, custom code, version).
    var codes: [tfl_operator_code] = []
    /// For each subgraph, the subgraphs its operators call (from subgraph-index option fields, defaults included).
    var calls: [Int: [Int]] = [:]

    init(path: String, file: MappedFile, handle: OpaquePointer) {
        self.path = path
        self.file = file
        self.handle = handle
    }

    /// Turns a facade status into an error carrying its message.
    func check(_ status: Int32) throws(TFLiteError) {
        if status != 0 { throw .invalid(path: path, reason: err.cMessage) }
    }

    func model() throws(TFLiteError) -> Model {
        try check(tfl_model_get_info(handle, &info, &err, err.count))
        guard info.subgraph_count > 0 else { throw .invalid(path: path, reason: "the model has no subgraphs") }
        if info.external_buffer_count > 0 {
            throw .unsupported(path: path, element: "model", reason: "external buffer files (ExternalBuffer) are not supported")
        }
        for i in 0..<info.operator_code_count {
            var code = tfl_operator_code()
            try check(tfl_model_operator_code(handle, i, &code, &err, err.count))
            codes.append(code)
        }
        var graphs: [Graph] = []
        for s in 0..<info.subgraph_count { graphs.append(try subgraph(s)) }
        try checkSubgraphCalls(count: graphs.count)
        var model = Model(graph: graphs[0])
        model.subgraphs = Array(graphs.dropFirst())
        model.docString = info.description.map { String(cString: $0) }
        model.signatures = try signatures(graphs)
        model.binaryMetadata = try metadata()
        if let appended = appendedData() {
            model.binaryMetadata.append(BinaryMetadata(name: TFLiteDialect.appendedDataName, bytes: appended))
        }
        model.opsetImports = [OpsetImport(domain: TFLiteDialect.domain, version: Int64(info.version))]
        return model
    }

    /// Bytes appended after the flatbuffer, without the flatbuffer's own zero padding (at most 16 bytes).
    func appendedData() -> ByteView? {
        guard let trailing = info.trailing_data, info.trailing_size > 0 else { return nil }
        var skip = 0
        while skip < min(16, info.trailing_size) && trailing[skip] == 0 { skip += 1 }
        guard skip < info.trailing_size else { return nil }
        let offset = UnsafeRawPointer(trailing) - file.baseAddress! + skip
        return ByteView(owner: file, offset: offset, count: info.trailing_size - skip)
    }

    // MARK: Buffers

    /// The bytes of buffer `index` as a view into the file; nil when it holds no data.
    func buffer(_ index: UInt32, element: String) throws(TFLiteError) -> ByteView? {
        guard index != 0 else { return nil }
        var b = tfl_buffer()
        try check(tfl_model_buffer(handle, Int(index), &b, &err, err.count))
        guard let data = b.data, b.size > 0 else { return nil }
        let offset = UnsafeRawPointer(data) - file.baseAddress!
        guard let view = ByteView(owner: file, offset: offset, count: Int(b.size)) else {
            throw .invalid(path: path, reason: "\(element): buffer \(index) lies outside the file")
        }
        return view
    }

    // MARK: Signatures and metadata

    func signatures(_ graphs: [Graph]) throws(TFLiteError) -> [Signature] {
        var out: [Signature] = []
        for i in 0..<info.signature_def_count {
            var def = tfl_signature_def()
            try check(tfl_model_signature_def(handle, i, &def, &err, err.count))
            let g = Int(def.subgraph_index)
            guard g < graphs.count else {
                throw .invalid(path: path, reason: "signature \(i): subgraph index \(g) out of range (\(graphs.count) subgraphs)")
            }
            let names = graphs[g].valueInfos.map(\.name)
            func bindings(_ isOutput: Int32, _ count: Int) throws(TFLiteError) -> [Signature.Binding] {
                var result: [Signature.Binding] = []
                for e in 0..<count {
                    var map = tfl_tensor_map()
                    try check(tfl_model_signature_tensor(handle, i, isOutput, e, &map, &err, err.count))
                    guard Int(map.tensor_index) < names.count else {
                        throw .invalid(path: path, reason: "signature \(i): tensor index \(map.tensor_index) out of range")
                    }
                    result.append(.init(name: map.name.map { String(cString: $0) } ?? "", value: names[Int(map.tensor_index)]))
                }
                return result
            }
            out.append(Signature(
                key: def.signature_key.map { String(cString: $0) }, graphIndex: g,
                inputs: try bindings(0, def.input_count), outputs: try bindings(1, def.output_count)))
        }
        return out
    }

    func metadata() throws(TFLiteError) -> [BinaryMetadata] {
        var out: [BinaryMetadata] = []
        for i in 0..<info.metadata_count {
            var m = tfl_metadata()
            try check(tfl_model_metadata(handle, i, &m, &err, err.count))
            let name = m.name.map { String(cString: $0) } ?? ""
            out.append(BinaryMetadata(name: name, bytes: try buffer(m.buffer, element: "metadata '\(name)'") ?? .empty))
        }
        return out
    }

    /// Subgraph indices in options must name existing subgraphs and must not call back into a caller.
    func checkSubgraphCalls(count: Int) throws(TFLiteError) {
        for (i, targets) in calls {
            for t in targets where t < 0 || t >= count {
                throw .invalid(path: path, reason: "subgraph \(i) calls subgraph \(t), which does not exist")
            }
        }
        var state = [Int](repeating: 0, count: count)  // 0 new, 1 on the call path, 2 done
        func visit(_ g: Int, _ trail: [Int]) throws(TFLiteError) {
            if state[g] == 2 { return }
            if state[g] == 1 {
                throw .invalid(path: path, reason: "subgraphs call each other in a cycle: \((trail + [g]).map(String.init).joined(separator: " -> "))")
            }
            state[g] = 1
            for t in calls[g] ?? [] { try visit(t, trail + [g]) }
            state[g] = 2
        }
        for g in 0..<count { try visit(g, []) }
    }
}
