import CFlatTFLite
import ModelFiles
import ModelIR

/// Writes IR models of the `tflite` dialect as `.tflite` files (atomic: temporary file + rename).
/// Buffers are 16-byte aligned; every written file is verified before it is renamed into place.
public struct TFLiteWriter: Sendable {
    /// Files the writer must never replace (the conversion's inputs).
    public var protectedPaths: [String]

    public init(protectedPaths: [String] = []) {
        self.protectedPaths = protectedPaths
    }

    public func write(_ model: Model, to path: String) throws(TFLiteError) {
        for source in Set(protectedPaths + model.tfliteSourceFiles) where FileIdentity.same(source, path) {
            throw .refusingToOverwriteInput(path: path)
        }
        let context = try TFLiteWriteContext(path: path)
        try context.reserve(for: model)
        try context.build(model)
        let out: AtomicFile
        do { out = try AtomicFile(destination: path) } catch { throw .writeFailed(path: path, reason: error.description) }
        var data: UnsafePointer<UInt8>? = nil
        var size = 0
        try context.check(tfl_builder_data(context.builder, &data, &size, &context.err, context.err.count))
        guard let data else { throw .writeFailed(path: path, reason: "the builder produced no data") }
        do {
            try out.write(UnsafeRawBufferPointer(start: data, count: size))
            for appended in model.binaryMetadata where appended.name == TFLiteDialect.appendedDataName {
                try out.write(appended.bytes)
            }
            try out.commit()
        } catch {
            throw .writeFailed(path: path, reason: error.description)
        }
    }
}

extension Model {
    /// Files whose mapped bytes the model's constants and metadata view.
    var tfliteSourceFiles: [String] {
        let graphs = [graph] + subgraphs
        let owners = graphs.flatMap { $0.initializers.compactMap { $0.byteView?.owner.filePath } }
            + binaryMetadata.compactMap { $0.bytes.owner.filePath }
        return Array(Set(owners))
    }
}

/// Builds one `.tflite` flatbuffer through the C facade.
final class TFLiteWriteContext {
    let path: String
    let builder: OpaquePointer
    let arena = CArena()
    var err = [CChar](repeating: 0, count: 512)
    /// Buffers already added, by the identity of the bytes they hold.
    var buffers: [BufferKey: Int32] = [:]
    /// Operator codes already added.
    var codes: [CodeKey: UInt32] = [:]
    /// Builtin operator codes by name.
    let builtinCodes: [String: Int32]

    struct BufferKey: Hashable {
        let owner: ObjectIdentifier
        let offset: Int
        let count: Int
    }
    struct CodeKey: Hashable {
        let builtin: Int32
        let custom: String?
        let version: Int32
    }

    init(path: String) throws(TFLiteError) {
        self.path = path
        var e = [CChar](repeating: 0, count: 512)
        guard let b = tfl_builder_create(0, &e, e.count) else { throw .writeFailed(path: path, reason: e.cMessage) }
        builder = b
        var names: [String: Int32] = [:]
        for code in Int32(0)..<Int32(512) {
            if let n = tfl_builtin_operator_name(code) { names[String(cString: n)] = code }
        }
        builtinCodes = names
    }

    deinit { tfl_builder_free(builder) }

    func check(_ status: Int32) throws(TFLiteError) {
        if status < 0 { throw .writeFailed(path: path, reason: err.cMessage) }
    }

    func index(_ value: Int32) throws(TFLiteError) -> Int32 {
        if value < 0 { throw .writeFailed(path: path, reason: err.cMessage) }
        return value
    }

    // MARK: Model

    /// Sizes the builder for the model's buffers so it never regrows while they are copied in.
    func reserve(for model: Model) throws(TFLiteError) {
        let graphs = [model.graph] + model.subgraphs
        var bytes = graphs.reduce(0) { sum, g in sum + g.initializers.reduce(0) { $0 + $1.byteCount + 16 } }
        bytes += model.binaryMetadata.reduce(0) { $0 + $1.bytes.count + 16 }
        let nodes = graphs.reduce(0) { $0 + $1.nodes.count + $1.valueInfos.count }
        try check(tfl_builder_reserve(builder, UInt64(bytes + nodes * 512 + (1 << 20)), &err, err.count))
    }

    func build(_ model: Model) throws(TFLiteError) {
        let version = UInt32(model.opsetVersion(for: TFLiteDialect.domain) ?? 3)
        try check(tfl_builder_set_model_info(builder, version, arena.string(model.docString), nil, 0, &err, err.count))
        _ = try index(tfl_builder_add_buffer(builder, nil, 0, &err, err.count))  // buffer 0: the empty sentinel
        var tensorIndices: [[String: Int32]] = []
        for g in [model.graph] + model.subgraphs { tensorIndices.append(try subgraph(g)) }
        for s in model.signatures { try signature(s, tensorIndices: tensorIndices) }
        for m in model.binaryMetadata where m.name != TFLiteDialect.appendedDataName {
            let b = try buffer(m.bytes)
            _ = try index(tfl_builder_add_metadata(builder, arena.string(m.name), UInt32(b), &err, err.count))
        }
        try check(tfl_builder_finish(builder, &err, err.count))
    }

    /// Adds a buffer holding `view`, reusing one added before for the same bytes.
    func buffer(_ view: ByteView) throws(TFLiteError) -> Int32 {
        let key = BufferKey(owner: ObjectIdentifier(view.owner), offset: view.offset, count: view.count)
        if let b = buffers[key] { return b }
        let b = try view.withUnsafeBytes { raw in
            Result { () throws(TFLiteError) in
                try index(tfl_builder_add_buffer(builder, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 16), UInt64(raw.count), &err, err.count))
            }
        }.get()
        buffers[key] = b
        view.owner.releasePages(offset: view.offset, count: view.count)  // copied into the builder
        return b
    }

    func signature(_ s: Signature, tensorIndices: [[String: Int32]]) throws(TFLiteError) {
        guard s.graphIndex >= 0, s.graphIndex < tensorIndices.count else {
            throw .notRepresentable(path: path, element: "signature \(s.key ?? "")", reason: "graph index \(s.graphIndex) does not exist")
        }
        let names = tensorIndices[s.graphIndex]
        func maps(_ b: [Signature.Binding]) throws(TFLiteError) -> [tfl_tensor_map] {
            var out: [tfl_tensor_map] = []
            for x in b {
                guard let t = names[x.value] else {
                    throw .notRepresentable(path: path, element: "signature \(s.key ?? "")", reason: "value '\(x.value)' is not a tensor of its graph")
                }
                out.append(tfl_tensor_map(name: UnsafePointer(arena.string(x.name)), tensor_index: UInt32(t)))
            }
            return out
        }
        let inputs = try maps(s.inputs), outputs = try maps(s.outputs)
        _ = try index(tfl_builder_add_signature_def(builder, arena.string(s.key), UInt32(s.graphIndex),
                                                    inputs, inputs.count, outputs, outputs.count, &err, err.count))
    }
}
