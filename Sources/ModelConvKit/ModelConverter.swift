import Foundation
import ModelFiles
import ModelIR

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

    /// Summarizes the model at `path`.
    public func inspect(path: String, includeNodes: Bool = false) throws(ModelConvError) -> ModelSummary {
        let (model, format) = try read(path: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return ModelSummary(model: model, path: path, format: format, fileBytes: size ?? 0, includeNodes: includeNodes)
    }

    // MARK: Converting

    /// Reads `input`, writes it as the format of `output`'s extension, reads the result back and compares.
    public func convert(input: String, output: String) throws(ModelConvError) -> ConversionReport {
        let start = Date()
        let (model, sourceFormat) = try read(path: input)
        guard let targetFormat = ModelFormat.fromExtension(output) else {
            throw .input("\(output): cannot tell the output format from the extension; use .onnx, .tflite or .ort")
        }
        guard sourceFormat == targetFormat else {
            throw .unsupported("converting .\(sourceFormat.rawValue) to .\(targetFormat.rawValue) is not supported by this build yet")
        }
        if FileIdentity.same(input, output) {
            throw .input("\(output): refusing to overwrite the input model; choose another output path")
        }
        try registry.writer(for: targetFormat).write(model, to: output, protecting: [input])
        let (readBack, _) = try read(path: output)
        let identical = readBack == model
        let report = ConversionReport(
            input: input, output: output, sourceFormat: sourceFormat.rawValue, targetFormat: targetFormat.rawValue,
            nodesIn: model.graph.nodes.count, nodesOut: readBack.graph.nodes.count,
            readBackIdentical: identical, seconds: Date().timeIntervalSince(start))
        guard identical else {
            throw .mismatch("\(output): the written model does not read back equal to the source (\(model.firstDifference(from: readBack) ?? "?")); please report this as a bug")
        }
        return report
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
    /// The written file, read back, equals the source model (nodes, attributes, tensors bit for bit, metadata).
    public var readBackIdentical: Bool
    public var seconds: Double

    public func renderText() -> String {
        """
        converted \(input) (\(sourceFormat)) -> \(output) (\(targetFormat))
          nodes: \(nodesIn) -> \(nodesOut)
          read back: \(readBackIdentical ? "identical to the source" : "DIFFERS from the source")
          time: \(String(format: "%.3f", seconds)) s

        """
    }

    public func renderJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
