import Foundation
import ModelFiles
import ModelIR
import Passes
import ShapeInference
import TFLiteFormat

/// Shape inference as library API: on a model in memory (any format) and file to file (`infer-shapes`).
extension ModelConverter {
    // MARK: Models in memory

    /// Infers the type of every value. ONNX-op models are inferred directly; TFLite-dialect models
    /// are lowered to ONNX ops on a copy, inferred there, and the shapes copied back by tensor name
    /// (TFLite keeps fixed dims; symbolic ones stay dynamic, -1 in `shape_signature`).
    public func inferShapes(_ model: Model, options: ShapeInferenceOptions = ShapeInferenceOptions()) throws(ModelConvError) -> (Model, ShapeReport) {
        let isTFLite = ([model.graph] + model.subgraphs).contains { g in g.nodes.contains { $0.normalizedDomain.hasPrefix("tflite") } }
        guard isTFLite else { return try Self.runInference(model, options: options) }
        var lowered = model
        do { _ = try TFLiteLowering().run(&lowered) } catch {
            throw error.isUnsupported ? .unsupported("cannot infer shapes: \(error)") : .input("cannot infer shapes: \(error)")
        }
        let (inferred, report) = try Self.runInference(lowered, options: options)
        var out = model
        Self.copyShapes(from: inferred.graph, into: &out.graph)
        return (out, report)
    }

    static func runInference(_ model: Model, options: ShapeInferenceOptions) throws(ModelConvError) -> (Model, ShapeReport) {
        do {
            return try ShapeInferencer(options: options).infer(model)
        } catch {
            if case .badOption(let why) = error { throw .input(why) }
            throw .input("shape inference failed: \(error)")
        }
    }

    /// Copies inferred fixed dims onto the values of a TFLite-dialect graph with the same names.
    static func copyShapes(from inferred: Graph, into g: inout Graph) {
        var types: [String: TensorType] = [:]
        for v in inferred.inputs + inferred.valueInfos + inferred.outputs {
            if let t = v.type?.tensorType { types[v.name] = t }
        }
        func update(_ info: inout ValueInfo) {
            guard case .tensor(var old)? = info.type?.kind, let oldShape = old.shape,
                  let new = types[info.name]?.shape, new.count == oldShape.count else { return }
            let merged = zip(oldShape, new).map { o, n in n.fixedValue != nil ? n : o }
            guard merged != oldShape else { return }
            old.shape = merged
            info.type?.kind = .tensor(old)
            // A recorded placeholder shape no longer applies once the dims are fixed.
            if merged.allSatisfy({ $0.fixedValue != nil }) { info.metadata.removeAll { $0.key == TFLiteDialect.shapeKey } }
        }
        for i in g.valueInfos.indices { update(&g.valueInfos[i]) }
        for i in g.inputs.indices { update(&g.inputs[i]) }
        for i in g.outputs.indices { update(&g.outputs[i]) }
    }

    // MARK: Files

    /// Reads `input`, infers every value's type, writes the result to `output` (same format).
    public func inferShapes(input: String, output: String, options: ShapeInferenceOptions = ShapeInferenceOptions()) throws(ModelConvError) -> ShapeReport {
        let (model, format) = try read(path: input)
        guard ModelFormat.fromExtension(output) ?? format == format else {
            throw .input("\(output): infer-shapes writes the input's format (.\(format.rawValue)); use convert to change formats")
        }
        if FileIdentity.same(input, output) {
            throw .input("\(output): refusing to overwrite the input model; choose another output path")
        }
        let (inferred, report) = try inferShapes(model, options: options)
        try registry.writer(for: format).write(inferred, to: output, protecting: [input])
        return report
    }
}

// MARK: Report as JSON

extension ShapeReport {
    /// The report as a JSON document: counts first, then every value, conflict and note.
    public func renderJSON() -> String {
        struct Document: Encodable {
            var valueCount: Int
            var staticCount: Int
            var unknownCount: Int
            var unknownRankCount: Int
            var report: ShapeReport
        }
        let doc = Document(valueCount: values.count, staticCount: staticCount, unknownCount: unknownCount,
                           unknownRankCount: unknownRankCount, report: self)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(doc) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
