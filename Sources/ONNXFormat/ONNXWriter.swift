import CProtobufONNX
import Foundation
import ModelFiles
import ModelIR

/// Writes the IR as an `.onnx` file through protobuf-c, atomically (temporary file + rename).
public struct ONNXWriter: Sendable {
    public var options: ONNXWriteOptions

    public init(options: ONNXWriteOptions = ONNXWriteOptions()) {
        self.options = options
    }

    /// Writes `model` to `path`; refuses to replace any protected path or any file the model's weights come from.
    public func write(_ model: Model, to path: String) throws(ONNXError) {
        try checkRepresentable(model, path: path)
        let sources = Set(model.sourceFiles).union(options.protectedPaths)
        try refuseOverwrite(path, sources: sources)

        let url = URL(fileURLWithPath: path)
        let inlineBytes = model.initializerBytes
        let useExternal = options.externalData || inlineBytes > options.automaticExternalDataLimit
        var sink: ExternalDataSink? = nil
        if useExternal {
            let name = options.externalDataFileName ?? url.lastPathComponent + ".data"
            let dataPath = url.deletingLastPathComponent().appendingPathComponent(name).path
            try refuseOverwrite(dataPath, sources: sources)
            let threshold = options.externalData ? options.externalDataThreshold : min(options.externalDataThreshold, 1024)
            sink = ExternalDataSink(location: name, destination: dataPath, threshold: threshold)
        }

        let context = WriteContext(path: path, external: sink)
        let proto = try context.model(model)
        let out: AtomicFile
        do { out = try AtomicFile(destination: path) } catch { throw .writeFailed(path: path, reason: error.description) }
        var err = [CChar](repeating: 0, count: 256)
        // Pages of mapped input files are dropped once written, so memory stays near one copy of the graph.
        let mapped = model.mappedOwners
        var bases: [UnsafePointer<UInt8>?] = mapped.map { $0.baseAddress?.assumingMemoryBound(to: UInt8.self) }
        var sizes: [Int] = mapped.map(\.byteCount)
        let rc = onnxio_pack_model_to_fd_releasing(proto, out.descriptor, &bases, &sizes, mapped.count, &err, err.count)
        guard rc == 0 else { throw .writeFailed(path: path, reason: err.cMessage) }
        do {
            try sink?.commit()
            try out.commit()
        } catch {
            throw .writeFailed(path: path, reason: error.description)
        }
    }

    /// Refuses IR content that ONNX cannot hold, instead of dropping it silently.
    private func checkRepresentable(_ model: Model, path: String) throws(ONNXError) {
        if !model.subgraphs.isEmpty {
            throw .unsupported(path: path, element: "model",
                               reason: "\(model.subgraphs.count) graphs are called by index (TFLite subgraphs); ONNX needs them as If/Loop bodies")
        }
        if !model.signatures.isEmpty {
            throw .unsupported(path: path, element: "model", reason: "signature defs have no ONNX equivalent")
        }
        if let m = model.binaryMetadata.first {
            throw .unsupported(path: path, element: "metadata '\(m.name)'", reason: "binary metadata has no ONNX equivalent")
        }
        func check(_ g: Graph) throws(ONNXError) {
            for v in g.inputs + g.outputs + g.valueInfos where v.quantization != nil {
                throw .unsupported(path: path, element: "value '\(v.name)'",
                                   reason: "quantization parameters on values must be expressed as QuantizeLinear/DequantizeLinear first")
            }
        }
        try check(model.graph)
    }

    private func refuseOverwrite(_ path: String, sources: Set<String>) throws(ONNXError) {
        for source in sources where FileIdentity.same(source, path) {
            throw .refusingToOverwriteInput(path: path)
        }
    }
}

// MARK: Model facts the writer needs

extension Model {
    /// Total bytes of tensor data.
    public var initializerBytes: Int { allTensors.reduce(0) { $0 + $1.byteCount } }
}
