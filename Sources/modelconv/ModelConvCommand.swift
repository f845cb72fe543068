import ArgumentParser
import ModelConvKit

@main
struct ModelConvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelconv",
        abstract: "Convert, validate and inspect ONNX, TensorFlow Lite and ONNX Runtime models.",
        discussion: """
            Exit codes: 0 success, 1 bad input or usage, 2 unsupported model feature, \
            3 the converted model does not match the source.
            """,
        version: "0.1.0",
        subcommands: [Convert.self, Inspect.self, InferShapes.self, Run.self, Validate.self, Ops.self])
}

/// Runs `body`, printing a kit error as one `error:` line on stderr and exiting with its code.
func runReportingErrors(_ body: () throws(ModelConvError) -> Void) throws {
    do {
        try body()
    } catch {
        var stderr = StandardError()
        print("error: \(error.description)", to: &stderr)
        throw ExitCode(error.exitCode)
    }
}

/// A text stream on standard error.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleWriter.writeStderr(string)
    }
}
