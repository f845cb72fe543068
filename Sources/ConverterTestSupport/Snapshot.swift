import Foundation

/// Golden-file comparison for text output. Set `MODELCONV_UPDATE_SNAPSHOTS=1` to rewrite the files.
public enum Snapshot {
    public struct Mismatch: Error, CustomStringConvertible {
        public let description: String
    }

    /// Compares `text` with `Tests/CLITests/Snapshots/<name>`.
    public static func assertMatches(_ text: String, named name: String) throws {
        let url = Fixtures.packageRoot.appendingPathComponent("Tests/CLITests/Snapshots").appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["MODELCONV_UPDATE_SNAPSHOTS"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            throw Mismatch(description: "snapshot \(name) is missing; run with MODELCONV_UPDATE_SNAPSHOTS=1 to record it")
        }
        guard expected == text else {
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let b = text.split(separator: "\n", omittingEmptySubsequences: false)
            let line = Array(zip(a, b)).firstIndex { $0.0 != $0.1 } ?? min(a.count, b.count)
            throw Mismatch(description: "snapshot \(name) differs at line \(line + 1):\n  expected: \(line < a.count ? a[line] : "<end>")\n  actual:   \(line < b.count ? b[line] : "<end>")")
        }
    }
}
