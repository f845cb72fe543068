import Foundation

/// Paths to the test data the suites use: the package root, sample models, the corpus and ONNX test data.
public enum Fixtures {
    /// The package root (found from this source file's location).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `SampleModels/<name>`.
    public static func sample(_ name: String) -> String {
        packageRoot.appendingPathComponent("SampleModels").appendingPathComponent(name).path
    }

    /// The shared corpus folder: `MODELCONV_CORPUS` or `../shared/corpus`.
    public static var corpus: URL {
        if let env = ProcessInfo.processInfo.environment["MODELCONV_CORPUS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }

    /// The folder of Debian's libonnx-testdata.
    public static let onnxTestData = URL(fileURLWithPath: "/usr/share/libonnx-testdata/data")

    /// A fresh temporary folder, removed by the caller.
    public static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("modelconv-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Files under `folder` (recursively) whose name ends with `suffix`, sorted.
    public static func files(under folder: URL, suffix: String) -> [URL] {
        guard let e = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { $0.lastPathComponent.hasSuffix(suffix) }.sorted { $0.path < $1.path }
    }

    /// The allow-list at `relativePath` under the package root (`test_name  reason` per line, `#` starts
    /// a comment) as test name → reason; a missing file allows nothing.
    public static func allowList(_ relativePath: String) -> [String: String] {
        let url = packageRoot.appendingPathComponent(relativePath)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 1)
            out[String(parts[0])] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        }
        return out
    }
}

extension Fixtures {
    /// The node-test folders of libonnx-testdata, sorted and narrowed by `MODELCONV_NODE_FILTER` when set.
    public static func nodeTests() -> (root: URL, names: [String], filtered: Bool) {
        let root = onnxTestData.appendingPathComponent("node")
        var names = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.sorted() ?? []
        let filter = ProcessInfo.processInfo.environment["MODELCONV_NODE_FILTER"] ?? ""
        if !filter.isEmpty { names = names.filter { $0.contains(filter) } }
        return (root, names, !filter.isEmpty)
    }
}
