import ArgumentParser
import ModelConvKit

/// `modelconv inspect MODEL`.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize a model: inputs, outputs, ops, parameters, quantization, subgraphs and metadata.",
        discussion: """
            Text by default; --json (or --format json) prints the document described in the README; \
            --format dot prints the main graph for Graphviz (`modelconv inspect m.onnx --format dot | dot -Tsvg`).
            """)

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, dot
    }

    @Argument(help: "The model file (.onnx or .tflite).")
    var model: String

    @Option(help: "Output format: text, json or dot.")
    var format: OutputFormat = .text

    @Flag(help: "Same as --format json.")
    var json = false

    @Flag(help: "List every node of the main graph with its inputs, outputs and attributes.")
    var nodes = false

    @Flag(help: "Infer shapes first: inputs, outputs and (with --nodes) every node output show inferred types.")
    var infer = false

    func run() throws {
        try runReportingErrors { () throws(ModelConvError) in
            let converter = ModelConverter()
            let chosen = json ? .json : format
            if chosen == .dot {
                let (m, _) = try converter.read(path: model)
                FileHandleWriter.writeStdout(GraphvizRenderer.render(m))
                return
            }
            let summary = try converter.inspect(path: model, includeNodes: nodes, inferShapes: infer)
            FileHandleWriter.writeStdout(chosen == .json ? summary.renderJSON() : summary.renderText())
        }
    }
}
