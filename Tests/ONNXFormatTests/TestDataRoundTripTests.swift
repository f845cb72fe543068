import ConverterTestSupport
import Foundation
import ModelIR
import ONNXFormat
import Testing

/// Acceptance: every model of Debian's libonnx-testdata reads, writes and reads back equal.
@Suite("ONNX test data round trip")
struct TestDataRoundTripTests {
    /// Models that may not round-trip, each with its reason. Printed by the test; may only shrink.
    static let allowList: [String: String] = [:]

    @Test("every libonnx-testdata model reads, writes and reads back equal")
    func everyModelRoundTrips() throws {
        let folders = ["node", "simple", "pytorch-converted", "pytorch-operator"]
        let models = folders.flatMap { Fixtures.files(under: Fixtures.onnxTestData.appendingPathComponent($0), suffix: "model.onnx") }
        #expect(models.count > 1000, "libonnx-testdata is missing or incomplete: install it (apt-get install libonnx-testdata)")
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.onnx").path

        var read = 0, roundTripped = 0, allowListed = 0
        var failures: [String] = []
        for url in models {
            let id = url.deletingLastPathComponent().path.replacingOccurrences(of: Fixtures.onnxTestData.path + "/", with: "")
            do {
                let model = try ONNXReader().read(path: url.path)
                read += 1
                try ONNXWriter().write(model, to: output)
                let back = try ONNXReader().read(path: output)
                if back == model { roundTripped += 1 } else { failures.append("\(id): read back differs") }
            } catch {
                if let reason = Self.allowList[id] {
                    allowListed += 1
                    print("allow-listed \(id): \(reason)")
                } else {
                    failures.append("\(id): \(error)")
                }
            }
        }
        print("libonnx-testdata: \(read) read / \(roundTripped) round-tripped out of \(models.count) (\(allowListed) allow-listed)")
        #expect(failures.isEmpty, "\(failures.count) models failed:\n\(failures.prefix(20).joined(separator: "\n"))")
        #expect(roundTripped + allowListed == models.count)
    }
}
