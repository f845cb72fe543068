import ArgumentParser
import ModelConvKit
import ShapeInference

/// `modelconv infer-shapes IN OUT`.
struct InferShapes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer-shapes",
        abstract: "Infer the type and shape of every value and write them into a copy of the model.",
        discussion: """
            ONNX: a value_info for every intermediate value, typed graph outputs (symbolic dims as \
            expressions such as seq+1 or floor((h+1)/2)). TFLite: tensor shapes and shape_signature. \
            Unnamed dynamic input dims are named <input>_d<axis>; --dim NAME=VALUE fixes a symbol \
            everywhere. A declared type that disagrees with the inferred one is reported (an error \
            with --strict); a malformed node is an error naming the node.
            """)

    @Argument(help: "The model to read (.onnx or .tflite).")
    var input: String

    @Argument(help: "Where to write the model with inferred shapes (same format).")
    var output: String

    @Option(name: .customLong("dim"), help: ArgumentHelp("Fix a symbolic dim, NAME=VALUE; repeatable.", valueName: "name=value"))
    var dims: [String] = []

    @Option(name: .customLong("input-shape"), help: ArgumentHelp("Fix an input's shape, NAME=D0,D1,…; repeatable.", valueName: "name=dims"))
    var inputShapes: [String] = []

    @Flag(help: "Make a declared type that disagrees with the inferred one an error.")
    var strict = false

    @Flag(help: "Print the report as JSON (every value's type, counts, conflicts).")
    var json = false

    func run() throws {
        var options = ShapeInferenceOptions(strict: strict)
        for item in dims {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let v = Int64(parts[1]), v >= 0 else {
                throw ValidationError("--dim expects NAME=VALUE with a non-negative integer, got '\(item)'")
            }
            options.dims[String(parts[0])] = v
        }
        for item in inputShapes {
            guard let eq = item.lastIndex(of: "="), eq != item.startIndex else {
                throw ValidationError("--input-shape expects NAME=D0,D1,…, got '\(item)'")
            }
            let text = item[item.index(after: eq)...]
            let values = text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map { Int64($0) }
            guard values.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw ValidationError("--input-shape expects non-negative integer dims, got '\(item)'")
            }
            options.inputShapes[String(item[..<eq])] = values.compactMap { $0 }
        }
        try runReportingErrors { () throws(ModelConvError) in
            let report = try ModelConverter().inferShapes(input: input, output: output, options: options)
            FileHandleWriter.writeStdout(json ? report.renderJSON() : "wrote \(output)\n" + report.renderText())
        }
    }
}
