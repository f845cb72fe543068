import ConverterTestSupport
import Foundation
import ModelConvKit
import Testing
import Validation

/// Corpus tier for the interpreter: every corpus model runs and matches its reference outputs.
@Suite("Interpreter on the corpus")
struct InterpreterCorpusTests {
    static func models(_ format: String) -> [URL] {
        Fixtures.files(under: Fixtures.corpus.appendingPathComponent("models/\(format)"), suffix: ".\(format)")
    }

    static func refs(_ model: URL) -> String {
        Fixtures.corpus.appendingPathComponent("refs/\(model.deletingPathExtension().lastPathComponent).npz").path
    }

    @Test("every corpus ONNX model matches onnxruntime's outputs in its tier")
    func onnxModels() throws {
        let models = Self.models("onnx")
        guard !models.isEmpty else { return }
        for url in models {
            let report = try ModelConverter().validate(model: url.path, referenceArchive: Self.refs(url), inputs: InputOptions())
            for o in report.outputs {
                print("interpreter \(url.lastPathComponent) \(o.name): max abs \(o.maxAbsError) tier \(o.tolerance.summary)")
            }
            #expect(report.passed, "\(url.lastPathComponent):\n\(report.renderText())")
            #expect(!report.outputs.isEmpty)
        }
    }

    @Test("a changed weight is found: validate fails and names the node that reads it")
    func mutation() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Fixtures.sample("logreg_iris.onnx")
        let (model, _) = try ModelConverter().read(path: source)
        var mutated = model
        let weight = mutated.graph.initializers[0]
        var bytes = weight.byteView!.bytes
        bytes[3] ^= 0x01  // flip an exponent bit of the first float: it grows or shrinks 4x
        mutated.graph.initializers[0].contents = .bytes(.init(copying: bytes))
        let path = folder.appendingPathComponent("mutated.onnx").path
        try ModelConverter().registry.writer(for: .onnx).write(mutated, to: path, protecting: [source])
        let reader = model.graph.nodes.first { $0.inputs.contains(weight.name ?? "") }!

        let report = try ModelConverter().validate(reference: source, candidate: path, inputs: InputOptions(dims: ["N": 3]))
        #expect(!report.passed)
        #expect(report.firstDivergence?.node == reader.label, "\(report.renderText())")
    }
}
