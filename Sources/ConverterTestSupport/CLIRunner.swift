import Foundation

/// Runs the built `modelconv` executable and captures its output, for end-to-end CLI tests.
public enum CLIRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The `modelconv` binary next to the test bundle (or in `.build/debug`).
    public static var executable: URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [besideTests, besideTests.deletingLastPathComponent(), Fixtures.packageRoot.appendingPathComponent(".build/debug")] {
            let candidate = folder.appendingPathComponent("modelconv")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return Fixtures.packageRoot.appendingPathComponent(".build/debug/modelconv")
    }

    /// Runs `modelconv` with `arguments`.
    public static func run(_ arguments: [String], in folder: URL? = nil) throws -> Result {
        let process = Process()
        if let folder { process.currentDirectoryURL = folder }
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
