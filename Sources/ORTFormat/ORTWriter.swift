import CFlatORT
import ModelFiles
import ModelIR
import OpSet

/// Writes IR models (ONNX ops) as ONNX Runtime `.ort` files that onnxruntime loads: every value
/// typed, node indices and argument counts, and the kernel type string resolver computed from the
/// op signatures. Atomic (temporary file + rename); the output is verified before it is renamed.
public struct ORTWriter: Sendable {
    public var protectedPaths: [String]
    public var operators: ONNXOperators

    public init(protectedPaths: [String] = [], operators: ONNXOperators = .standard) {
        self.protectedPaths = protectedPaths
        self.operators = operators
    }

    public func write(_ model: Model, to path: String) throws(ORTError) {
        let sources = model.sourceFiles + protectedPaths
        for source in Set(sources) where FileIdentity.same(source, path) { throw .refusingToOverwriteInput(path: path) }
        let context = try ORTWriteContext(path: path, model: model, operators: operators)
        try context.build()
        var data: UnsafePointer<UInt8>? = nil
        var size = 0
        try context.check(ort_builder_data(context.builder, &data, &size, &context.err, context.err.count))
        guard let data else { throw .writeFailed(path: path, reason: "the builder produced no data") }
        do {
            let out = try AtomicFile(destination: path)
            try out.write(UnsafeRawBufferPointer(start: data, count: size))
            try out.commit()
        } catch {
            throw .writeFailed(path: path, reason: error.description)
        }
    }
}

/// Builds one `.ort` flatbuffer through the C facade.
final class ORTWriteContext {
    let path: String
    let model: Model
    let operators: ONNXOperators
    let builder: OpaquePointer
    let arena = CArena()
    var err = [CChar](repeating: 0, count: 512)
    let opsets: [String: Int]
    /// Operator versions used, by op id, for the kernel type string resolver.
    var usedOps: [String: OperatorSignature] = [:]

    init(path: String, model: Model, operators: ONNXOperators) throws(ORTError) {
        self.path = path
        self.model = model
        self.operators = operators
        var o: [String: Int] = [:]
        for i in model.opsetImports { o[(i.domain ?? "") == "ai.onnx" ? "" : (i.domain ?? "")] = Int(i.version ?? 1) }
        self.opsets = o
        var e = [CChar](repeating: 0, count: 512)
        guard let b = ort_builder_create(&e, e.count) else { throw .writeFailed(path: path, reason: e.cMessage) }
        builder = b
    }

    deinit { ort_builder_free(builder) }

    func check(_ status: Int32) throws(ORTError) {
        if status < 0 { throw .writeFailed(path: path, reason: err.cMessage) }
    }

    func index(_ v: Int32) throws(ORTError) -> Int32 {
        if v < 0 { throw .writeFailed(path: path, reason: err.cMessage) }
        return v
    }

    func cstr(_ s: String?) -> UnsafePointer<CChar>? { arena.string(s).map { UnsafePointer($0) } }

    /// A string list the facade copies (present, possibly empty).
    func list(_ items: [String]) -> ort_strings {
        let (n, p) = arena.copy(items.map { cstr($0) })
        var s = ort_strings()
        s.items = UnsafePointer(p)
        s.count = n
        s.present = 1
        return s
    }

    /// A present numeric vector (non-nil even when empty).
    func present<T>(_ values: [T]) -> UnsafePointer<T> {
        let (_, p) = arena.copy(values)
        return UnsafePointer(p ?? arena.array(T.self, count: 1)!)
    }

    // MARK: Model

    func build() throws(ORTError) {
        guard opsets[""] != nil else {
            throw .unsupported(path: path, element: "model", reason: "onnxruntime needs an import of the default ONNX opset")
        }
        var info = ort_model_info()
        info.ort_version = cstr("6")
        info.ir_version = model.irVersion ?? 8
        info.producer_name = cstr(model.producerName)
        info.producer_version = cstr(model.producerVersion)
        info.domain = cstr(model.domain)
        info.model_version = model.modelVersion ?? 0
        info.doc_string = cstr(model.docString)
        info.graph_doc_string = cstr(model.graph.docString)
        info.has_opset_import = 1
        let metadata = model.metadata + ORTValueMetadata.entries(for: model.graph)
        info.has_metadata_props = metadata.isEmpty ? 0 : 1
        try check(ort_builder_set_model_info(builder, &info, &err, err.count))
        for i in model.opsetImports {
            var o = ort_opset_id(domain: cstr(i.domain ?? ""), version: i.version ?? 1)
            _ = try index(ort_builder_add_opset_import(builder, &o, &err, err.count))
        }
        for m in metadata {
            var p = ort_string_pair(key: cstr(m.key), value: cstr(m.value))
            _ = try index(ort_builder_add_metadata_prop(builder, &p, &err, err.count))
        }
        let types = ElementTypes(operators: operators).infer(model.graph, opsets: opsets)
        _ = try graph(model.graph, types: types)
        try resolver()
        try check(ort_builder_finish(builder, &err, err.count))
    }
}
