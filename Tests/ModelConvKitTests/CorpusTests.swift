import ConverterTestSupport
import Foundation
import ModelConvKit
import Testing

/// The corpus tier: every ONNX model of the shared corpus (`MODELCONV_CORPUS`, default `../shared/corpus`).
@Suite("Corpus (ONNX)")
struct CorpusTests {
    static var onnxModels: [URL] {
        Fixtures.files(under: Fixtures.corpus.appendingPathComponent("models/onnx"), suffix: ".onnx")
    }

    /// Says loudly when the corpus is missing; in CI that is a failure.
    static func corpusPresent() -> Bool {
        if !onnxModels.isEmpty { return true }
        print("""
            ************************************************************
            CORPUS NOT FOUND at \(Fixtures.corpus.path)
            set MODELCONV_CORPUS to the corpus folder to run this tier
            ************************************************************
            """)
        if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("corpus missing in CI at \(Fixtures.corpus.path)") }
        return false
    }

    @Test("every corpus ONNX model converts to ONNX and reads back equal")
    func roundTrip() throws {
        guard Self.corpusPresent() else { return }
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var passed = 0
        for url in Self.onnxModels {
            let out = folder.appendingPathComponent(url.lastPathComponent).path
            let before = try Data(contentsOf: url)
            let report = try ModelConverter().convert(input: url.path, output: out)
            #expect(report.readBackIdentical, "\(url.lastPathComponent)")
            #expect(try Data(contentsOf: url) == before, "input modified: \(url.lastPathComponent)")
            passed += 1
        }
        print("corpus ONNX round trip: \(passed) / \(Self.onnxModels.count)")
    }

    @Test("inspect summarizes every corpus ONNX model and its JSON parses")
    func inspectEveryModel() throws {
        guard Self.corpusPresent() else { return }
        for url in Self.onnxModels {
            let summary = try ModelConverter().inspect(path: url.path, includeNodes: true)
            #expect(summary.nodeCount > 0)
            #expect(!summary.renderText().isEmpty)
            let json = summary.renderJSON()
            let decoded = try JSONDecoder().decode(ModelSummary.self, from: Data(json.utf8))
            #expect(decoded == summary)
        }
    }
}
