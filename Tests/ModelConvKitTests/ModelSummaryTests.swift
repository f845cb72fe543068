import ConverterTestSupport
import ModelConvKit
import Testing

@Suite("Model summary")
struct ModelSummaryTests {
    @Test("a sample model's summary counts ops, parameters and subgraphs")
    func sileroSummary() throws {
        let s = try ModelConverter().inspect(path: Fixtures.sample("silero_vad_16k_op15.onnx"))
        #expect(s.format == "onnx")
        #expect(s.inputs.map(\.name) == ["input", "state", "sr"])
        #expect(s.inputs[0].shape == ["batch", "sequence"])
        #expect(s.ops.first { $0.op == "If" }?.count ?? 0 > 0)
        #expect(!s.subgraphs.isEmpty)
        #expect(s.parameterBytes > 1_000_000)
        #expect(s.parameters.reduce(0) { $0 + $1.bytes } == s.parameterBytes)
    }

    @Test("the DOT rendering names every op node")
    func dot() throws {
        let (model, _) = try ModelConverter().read(path: Fixtures.sample("logreg_iris.onnx"))
        let dot = GraphvizRenderer.render(model)
        #expect(dot.hasPrefix("digraph model {"))
        for op in ["MatMul", "Add", "Softmax", "ArgMax"] { #expect(dot.contains("label=\"\(op)")) }
    }
}
