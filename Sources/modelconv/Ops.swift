import ArgumentParser
import ModelConvKit

/// `modelconv ops --target FORMAT [MODEL]`.
struct Ops: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the ops a conversion supports, or the nodes of a model it cannot convert.",
        discussion: """
            Without a model: the source ops that convert to --target (for --target onnx: the TFLite \
            builtins, and custom ops as CUSTOM:<code>; for --target tflite: the ONNX ops with their \
            constraints). With a model: every node that cannot be \
            converted, with the reason; exit code 2 when there is one, 0 when the model converts.
            """)

    @Option(help: "The target format: onnx or tflite.")
    var target: String

    @Argument(help: "A model to check before converting.")
    var model: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        guard let format = ModelFormat(rawValue: target) else {
            throw ValidationError("--target must be onnx, tflite or ort")
        }
        try runReportingErrors { () throws(ModelConvError) in
            let report = try ModelConverter().ops(target: format, model: model)
            if json {
                let list = (model == nil ? report.supported : report.blockers).map { "\"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"" }
                FileHandleWriter.writeStdout("{\"target\": \"\(format.rawValue)\", \"\(model == nil ? "supported" : "unsupported")\": [\(list.joined(separator: ", "))]}\n")
            } else if model == nil {
                FileHandleWriter.writeStdout("ops that convert to .\(format.rawValue) (\(report.supported.count)):\n")
                for op in report.supported { FileHandleWriter.writeStdout("  \(op)\n") }
            } else if report.blockers.isEmpty {
                FileHandleWriter.writeStdout("every node of \(model!) converts to .\(format.rawValue)\n")
            } else {
                for b in report.blockers { FileHandleWriter.writeStdout("  \(b)\n") }
            }
            if !report.blockers.isEmpty {
                throw ModelConvError.unsupported("\(report.blockers.count) node(s) of \(model ?? "") cannot be converted to .\(format.rawValue)")
            }
        }
    }
}
