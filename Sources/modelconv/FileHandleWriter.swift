import Foundation

/// Writes text to the standard streams.
enum FileHandleWriter {
    static func writeStderr(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
    static func writeStdout(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }
}
