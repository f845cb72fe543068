import CFlatTFLite
import ModelFiles
import ModelIR

/// Writes IR models of the `tflite` dialect as `.tflite` files (atomic: temporary file + rename).
/// Buffers are 16-byte aligned; every written file is verified before it is renamed into place.
public struct TFLiteWriter: Sendable {
    /// Files the writer must never replace (the conversion's inputs).
    public var protectedPaths: [String]
    /// Models whose buffers exceed this many bytes keep them after the flatbuffer, addressed by
    /// `Buffer.offset`/`size` (a flatbuffer cannot address more than 2 GiB).
    public var offsetBuffersAbove: Int

    public init(protectedPaths: [String] = [], offsetBuffersAbove: Int = (1 << 31) - (64 << 20)) {
        self.protectedPaths = protectedPaths
        self.offsetBuffersAbove = offsetBuffersAbove
    }

    public func write(_ model: Model, to path: String) throws(TFLiteError) {
        for source in Set(protectedPaths + model.sourceFiles) where FileIdentity.same(source, path) {
            throw .refusingToOverwriteInput(path: path)
        }
        let external = model.tfliteBufferBytes > offsetBuffersAbove
        let context = try TFLiteWriteContext(path: path, externalBuffers: external)
        if !external { try context.reserve(for: model) }
        try context.build(model)
        let out: AtomicFile
        do { out = try AtomicFile(destination: path) } catch { throw .writeFailed(path: path, reason: error.description) }
        var data: UnsafePointer<UInt8>? = nil
        var size = 0
        try context.check(tfl_builder_data(context.builder, &data, &size, &context.err, context.err.count))
        guard let data else { throw .writeFailed(path: path, reason: "the builder produced no data") }
        do {
            try out.write(UnsafeRawBufferPointer(start: data, count: size))
            if external { try context.writeOffsetBuffers(to: out, after: size) }
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
    /// Bytes of constant data the TFLite file will hold.
    var tfliteBufferBytes: Int {
        ([graph] + subgraphs).reduce(0) { sum, g in sum + g.initializers.reduce(0) { $0 + $1.byteCount } }
            + binaryMetadata.reduce(0) { $0 + $1.bytes.count }
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

    /// Buffer views by buffer index, for writing offset-addressed buffers after the flatbuffer.
    var bufferViews: [Int32: ByteView] = [:]
    let externalBuffers: Bool

    init(path: String, externalBuffers: Bool = false) throws(TFLiteError) {
        self.path = path
        self.externalBuffers = externalBuffers
        var e = [CChar](repeating: 0, count: 512)
        guard let b = tfl_builder_create(externalBuffers ? TFL_BUILDER_EXTERNAL_BUFFERS : 0, &e, e.count) else {
            throw .writeFailed(path: path, reason: e.cMessage)
        }
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
        if externalBuffers && view.count > 0 {
            let b = try index(tfl_builder_add_buffer(builder, nil, UInt64(view.count), &err, err.count))
            buffers[key] = b
            bufferViews[b] = view
            return b
        }
        let b = try view.withUnsafeBytes { raw in
            Result { () throws(TFLiteError) in
                try index(tfl_builder_add_buffer(builder, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 16), UInt64(raw.count), &err, err.count))
            }
        }.get()
        buffers[key] = b
        view.owner.releasePages(offset: view.offset, count: view.count)  // copied into the builder
        return b
    }

    /// Writes every offset-addressed buffer at its placement (zero-filling the gaps), streaming from the views.
    func writeOffsetBuffers(to out: AtomicFile, after flatbufferSize: Int) throws(FileWriteError) {
        var position = UInt64(flatbufferSize)
        for index in bufferViews.keys.sorted() {
            guard let view = bufferViews[index] else { continue }
            var offset: UInt64 = 0, size: UInt64 = 0
            guard tfl_builder_buffer_placement(builder, index, &offset, &size, &err, err.count) == 0, size == UInt64(view.count) else {
                throw .cannotWrite(path: path, reason: "buffer \(index) has no placement: \(err.cMessage)")
            }
            if offset > position { try out.write([UInt8](repeating: 0, count: Int(offset - position))) }
            try out.write(view)
            view.owner.releasePages(offset: view.offset, count: view.count)
            position = offset + size
        }
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
