import ConverterTestSupport
import Foundation
import Testing

/// The committed generated code must match what the schemas generate today.
@Suite("Generated code is fresh")
struct GeneratedCodeTests {
    @Test("generated format code matches its schema", arguments: ["onnx", "tflite"])
    func generatedCodeIsFresh(format: String) throws {
        let script = Fixtures.packageRoot.appendingPathComponent("Formats/\(format)/check-generated.sh")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
    }
}
