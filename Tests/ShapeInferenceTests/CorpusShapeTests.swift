import ConverterTestSupport
import Foundation
import Interpreter
import ModelIR
import ONNXFormat
import OpSet
import ShapeInference
import TFLiteFormat
import Testing
import Validation

/// Acceptance 2: every corpus model (TFLite after lowering to ONNX ops) gets a known rank for every
/// value; with the reference inputs' shapes fixed, every inferred shape equals the run-time shape.
@Suite("Shape inference on the corpus")
struct CorpusShapeTests {
    /// Every corpus ONNX and TFLite model.
    static var models: [URL] {
        let root = Fixtures.corpus.appendingPathComponent("models")
        return Fixtures.files(under: root.appendingPathComponent("onnx"), suffix: ".onnx")
            + Fixtures.files(under: root.appendingPathComponent("tflite"), suffix: ".tflite")
    }

    /// The model in ONNX ops (TFLite models lowered).
    static func load(_ url: URL) throws -> Model {
        if url.pathExtension == "tflite" {
            var m = try TFLiteReader().read(path: url.path)
            _ = try TFLiteLowering().run(&m)
            return m
        }
        return try ONNXReader().read(path: url.path)
    }

    @Test("every value gets a rank, and with the inputs' shapes fixed every shape equals the run-time one")
    func corpus() throws {
        let models = Self.models
        if models.isEmpty {
            print("CORPUS MISSING: \(Fixtures.corpus.path) has no models; the corpus shape tier did not run")
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "the corpus is required in CI")
            return
        }
        var checked = 0, equal = 0, dtypeEqual = 0, values = 0
        for url in models {
            let model = try Self.load(url)
            let id = url.deletingPathExtension().lastPathComponent
            // Without any fixed dims: a rank for every value.
            let (freeModel, free) = try ShapeInferencer().infer(model)
            let rankless = free.values.filter { $0.shape == nil }.map(\.name)
            #expect(rankless.isEmpty, "\(id): values without a rank: \(rankless.prefix(10))")
            #expect(free.opsWithoutRule.isEmpty, "\(id): ops without a shape rule: \(free.opsWithoutRule)")
            values += free.values.count

            // With the reference inputs' shapes: every main-graph value against the interpreter's.
            let refs = Fixtures.corpus.appendingPathComponent("refs/\(id).npz").path
            let archive = try InputSet.readArchive(path: refs)
            let inputs = try InputSet.resolve(for: model, given: [:], archive: archive, generator: InputGenerator(seed: 0, dims: [:]))
            let (_, fixed) = try ShapeInferencer(options: ShapeInferenceOptions(inputShapes: inputs.mapValues { $0.shape.map(Int64.init) })).infer(model)
            let inferred = Dictionary(fixed.values.filter { $0.graph == "main" }.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let run = try Interpreter(model: model).run(inputs: inputs.mapValues { .tensor($0) }, keepIntermediates: true)
            var modelChecked = 0, modelEqual = 0
            var differing: [String] = []
            // The symbolic shapes (no dims fixed), evaluated at the run's input sizes, must agree too.
            var bindings: [String: DimExpr] = [:]
            for info in freeModel.graph.inputs {
                guard let dims = info.type?.tensorType?.shape, let actual = inputs[info.name]?.shape, dims.count == actual.count else { continue }
                for (d, n) in zip(dims, actual) { if case .symbolic(let s) = d.value { bindings[s] = DimExpr(Int64(n)) } }
            }
            let symbolic = Dictionary(free.values.filter { $0.graph == "main" }.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for name in run.order {
                guard let actual = run.intermediates[name]?.tensor, let dims = symbolic[name]?.shape, !(symbolic[name]?.unknown ?? true) else { continue }
                let evaluated = dims.map { DimExpr(dimName: $0).substituting(bindings).constantValue.map(String.init) ?? $0 }
                if evaluated != actual.shape.map(String.init) {
                    differing.append("\(name): symbolic \(dims) evaluates to \(evaluated), ran \(actual.shape)")
                }
            }
            for name in run.order {
                guard let actual = run.intermediates[name]?.tensor else { continue }
                modelChecked += 1
                let got = inferred[name]
                if got?.shape == actual.shape.map(String.init) {
                    modelEqual += 1
                } else {
                    differing.append("\(name): inferred \(got?.shape?.description ?? "nothing"), ran \(actual.shape)")
                }
                if got?.dtype == actual.dataType.name { dtypeEqual += 1 }
            }
            print("shape inference \(id): \(modelEqual)/\(modelChecked) shapes equal at run time, \(free.values.count) values, \(free.unknownCount) with unknown dims before fixing inputs")
            #expect(differing.isEmpty, "\(id): \(differing.count) shapes differ from the run:\n\(differing.prefix(15).joined(separator: "\n"))")
            checked += modelChecked
            equal += modelEqual
        }
        print("shape inference, corpus: \(models.count) models, \(values) values typed; \(checked) values checked at run time, \(equal) shapes equal, \(dtypeEqual) dtypes equal")
        #expect(dtypeEqual == checked, "some dtypes differ from the run")
    }
}
