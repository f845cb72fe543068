import Foundation
import ModelFiles
import ModelIR
import Validation

/// The library API behind the CLI: convert and inspect models.
public struct ModelConverter: Sendable {
    public var registry: FormatRegistry

    public init(registry: FormatRegistry = .standard()) {
        self.registry = registry
    }

    // MARK: Reading

    /// Reads a model, detecting its format.
    public func read(path: String) throws(ModelConvError) -> (Model, ModelFormat) {
        try checkReadable(path)
        let format = try ModelFormat.detect(path: path)
        return (try registry.reader(for: format).read(path: path), format)
    }

    /// Summarizes the model at `path`; with `inferShapes`, inputs, outputs and node outputs show inferred types.
    public func inspect(path: String, includeNodes: Bool = false, inferShapes: Bool = false) throws(ModelConvError) -> ModelSummary {
        var (model, format) = try read(path: path)
        if inferShapes { model = try self.inferShapes(model).0 }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        var summary = ModelSummary(model: model, path: path, format: format, fileBytes: size, includeNodes: includeNodes)
        if inferShapes, let nodes = summary.nodes {
            var types: [String: String] = [:]
            for v in model.graph.inputs + model.graph.valueInfos + model.graph.outputs {
                if let t = v.type { types[v.name] = t.description }
            }
            summary.nodes = nodes.map { n in
                var n = n
                n.outputTypes = n.outputs.map { types[$0] ?? "" }
                return n
            }
        }
        return summary
    }

    // MARK: Converting

    /// Converts `input` to the format of `output`'s extension: read, run the conversion passes, write,
    /// read the written file back, and (unless disabled) validate it numerically against the source.
    public func convert(input: String, output: String, options: ConvertOptions = ConvertOptions()) throws(ModelConvError) -> ConversionReport {
        let start = Date()
        let (model, sourceFormat) = try read(path: input)
        guard let targetFormat = ModelFormat.fromExtension(output) else {
            throw .input("\(output): cannot tell the output format from the extension; use .onnx, .tflite or .ort")
        }
        if FileIdentity.same(input, output) {
            throw .input("\(output): refusing to overwrite the input model; choose another output path")
        }
        guard (13...21).contains(options.opset) else { throw .input("--opset must be between 13 and 21, got \(options.opset)") }
        let sourceShapes = shapeSummary(of: model)
        var converted = model
        var plan = ConversionPlan(source: sourceFormat, target: targetFormat, opset: options.opset)
        plan.nhwcIO = options.nhwcIO
        plan.float16 = options.float16
        plan.int8Form = options.int8Form
        if sourceFormat == .onnx, targetFormat == .tflite {
            // TFLite shapes are static: dynamic input dims take the shapes of the validation inputs.
            try plan.refuseBlockers(model)
            let (inputs, sources) = try resolveInputs(for: model, options: options.inputs)
            plan.inputShapes = inputs.mapValues { $0.shape.map { Int64($0) } }
            // Given (not generated) small vectors can fix shapes that depend on input values.
            for (name, array) in inputs where sources[name] != "generated" && array.rank <= 1 && array.count <= 64 {
                plan.inputValues[name] = array.toTensor(name: name)
            }
        }
        var applied: [String]
        do { applied = try plan.run(&converted) } catch { throw error.reworded("\(input): \(error)") }
        if sourceFormat == .onnx, targetFormat == .tflite, options.keepDynamicDims {
            let dims = Self.dynamicDims(of: model, fixed: options.inputs.dims)
            if !dims.isEmpty { applied.append(Self.keepDynamicDims(&converted, source: model, plan: plan, dims: dims)) }
        }
        try registry.writer(for: targetFormat).write(converted, to: output, protecting: [input])
        let (readBack, _) = try read(path: output)
        let (expected, actual) = (Self.comparable(converted, for: targetFormat), Self.comparable(readBack, for: targetFormat))
        // A TFLite file read back names every tensor and op, so a raised model compares by structure.
        let identical = expected == actual
            || (targetFormat == .tflite && sourceFormat != .tflite && Self.sameStructure(readBack, converted))
        guard identical else {
            throw .mismatch("\(output): the written model does not read back equal to what was written (\(expected.firstDifference(from: actual) ?? "?")); please report this as a bug")
        }
        var report = ConversionReport(
            input: input, output: output, sourceFormat: sourceFormat.rawValue, targetFormat: targetFormat.rawValue,
            nodesIn: model.graph.nodes.count, nodesOut: readBack.graph.nodes.count,
            readBackIdentical: identical, seconds: 0)
        report.passes = applied
        report.opsIn = ModelSummary.histogram(model)
        report.opsOut = ModelSummary.histogram(readBack)
        report.shapes = [sourceShapes, shapeSummary(of: readBack)]
        report.transposesLeft = readBack.graph.nodes.filter {
            ($0.opType == "Transpose" && $0.normalizedDomain.isEmpty) || ($0.opType == "TRANSPOSE" && $0.normalizedDomain == "tflite")
        }.count
        if options.validate && !applied.isEmpty {
            // With --nhwc-io the result takes NHWC inputs: validate it wrapped back to the source's NCHW.
            let candidate = options.nhwcIO && targetFormat == .tflite ? readBack.nchwAdapted() : readBack
            let validation: ValidationReport
            do {
                validation = try validate(reference: model, referenceName: input, candidate: candidate, candidateName: output,
                                          inputs: options.inputs, quantizedSteps: options.quantizedSteps,
                                          float16Weights: options.float16 && targetFormat == .tflite)
            } catch {
                throw error.reworded("\(error) (\(output) was written but could not be validated)")
            }
            report.validation = validation
            report.seconds = Date().timeIntervalSince(start)
            guard validation.passed else {
                throw .mismatch("\(output): the converted model does not match the source numerically:\n\(validation.renderText())")
            }
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// The parts of a model a read-back check compares: for `.ort` everything but what the format adds
    /// by design (a typed node arg for every value, recomputed node indices and kernel details).
    static func comparable(_ model: Model, for format: ModelFormat) -> Model {
        guard format == .ort else { return model }
        var m = model
        func clean(_ g: inout Graph) {
            g.valueInfos = []
            g.name = nil
            g.inputs = g.inputs.map { ValueInfo(name: $0.name, type: nil) }
            g.outputs = g.outputs.map { ValueInfo(name: $0.name, type: nil) }
            for i in g.nodes.indices {
                // ORT keeps its node details in fields (read back as `ort.` metadata) and has no place for other node metadata.
                g.nodes[i].metadata = []
                if g.nodes[i].name == "" { g.nodes[i].name = nil }
                if g.nodes[i].normalizedDomain.isEmpty { g.nodes[i].domain = nil }
                if g.nodes[i].docString == "" { g.nodes[i].docString = nil }
                g.nodes[i].updateSubgraphs { sub, _, _ in clean(&sub) }
            }
        }
        clean(&m.graph)
        if m.modelVersion == 0 { m.modelVersion = nil }
        for k in [\Model.producerName, \Model.producerVersion, \Model.domain, \Model.docString] where m[keyPath: k] == "" {
            m[keyPath: k] = nil
        }
        m.opsetImports = m.opsetImports.map { OpsetImport(domain: ($0.domain ?? "") == "ai.onnx" ? "" : ($0.domain ?? ""), version: $0.version) }
        m.functions = []
        m.trainingInfo = []
        return m
    }

    /// Same ops in the same order, same graph inputs and outputs.
    static func sameStructure(_ a: Model, _ b: Model) -> Bool {
        a.graph.nodes.map(\.opType) == b.graph.nodes.map(\.opType)
            && a.graph.inputs.map(\.name) == b.graph.inputs.map(\.name)
            && a.graph.outputs.map(\.name) == b.graph.outputs.map(\.name)
    }

    /// A short account of shape inference on a model (never fails the conversion; problems become notes).
    func shapeSummary(of model: Model) -> ShapeSummary {
        do {
            let (_, report) = try inferShapes(model)
            return ShapeSummary(values: report.values.count, unknownRank: report.unknownRankCount,
                                unknownDims: report.unknownCount, conflicts: report.conflicts.map(\.description), note: nil)
        } catch {
            return ShapeSummary(values: 0, unknownRank: 0, unknownDims: 0, conflicts: [], note: error.description)
        }
    }

    private func checkReadable(_ path: String) throws(ModelConvError) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw .input("\(path): no such file")
        }
        if isDir.boolValue { throw .input("\(path): is a folder, expected a model file") }
    }
}

/// What a conversion did, printed by `convert` (text or JSON).
public struct ConversionReport: Codable, Equatable, Sendable {
    public var input: String
    public var output: String
    public var sourceFormat: String
    public var targetFormat: String
    public var nodesIn: Int
    public var nodesOut: Int
    /// The written file, read back, equals the model that was written (nodes, attributes, tensors bit for bit, metadata).
    public var readBackIdentical: Bool
    public var seconds: Double
    /// Conversion passes that changed the model, in order.
    public var passes: [String] = []
    public var opsIn: [ModelSummary.OpCount] = []
    public var opsOut: [ModelSummary.OpCount] = []
    /// Transpose ops in the written model.
    public var transposesLeft: Int = 0
    /// Shape inference on the source and on the result, in that order.
    public var shapes: [ShapeSummary] = []
    /// The numeric comparison of source and result (absent for same-format rewrites and with --no-validate).
    public var validation: ValidationReport?

    public func renderText() -> String {
        var lines = [
            "converted \(input) (\(sourceFormat)) -> \(output) (\(targetFormat))",
            "  passes: \(passes.isEmpty ? "none (re-serialization)" : passes.joined(separator: ", "))",
            "  nodes: \(nodesIn) -> \(nodesOut)",
            "  ops out: \(opsOut.map { "\($0.op) \($0.count)" }.joined(separator: ", "))",
            "  transposes left: \(transposesLeft)",
            "  read back: \(readBackIdentical ? "identical to what was written" : "DIFFERS")",
        ]
        if shapes.count == 2 {
            lines.append("  shapes: source \(shapes[0].text), result \(shapes[1].text)")
        }
        if let v = validation {
            let worst = v.outputs.map { "\($0.name): max abs \(ValidationReport.format($0.maxAbsError)) (\($0.tolerance.summary))" }
            lines.append("  validation: \(v.passed ? "PASS" : "FAIL") — \(worst.joined(separator: "; "))")
        }
        lines.append("  time: \(String(format: "%.3f", seconds)) s")
        return lines.joined(separator: "\n") + "\n"
    }

    public func renderJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Shape inference results in a conversion report.
public struct ShapeSummary: Codable, Equatable, Sendable {
    public var values: Int
    public var unknownRank: Int
    public var unknownDims: Int
    public var conflicts: [String]
    /// Why inference could not run, if it could not.
    public var note: String?

    var text: String {
        if let note { return "not inferred (\(note))" }
        return "\(values) values, \(unknownDims) with unknown dims\(conflicts.isEmpty ? "" : ", \(conflicts.count) conflicts")"
    }
}
