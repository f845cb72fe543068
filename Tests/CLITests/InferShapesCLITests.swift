import ConverterTestSupport
import Foundation
import ModelIR
import ONNXFormat
import Testing

/// End-to-end tests of `modelconv infer-shapes` and `inspect --infer`.
@Suite("CLI infer-shapes")
struct InferShapesCLITests {
    @Test("--help documents the options")
    func help() throws {
        let r = try CLIRunner.run(["infer-shapes", "--help"])
        #expect(r.status == 0)
        for option in ["--dim", "--input-shape", "--strict", "--json"] { #expect(r.stdout.contains(option)) }
        #expect(try CLIRunner.run(["--help"]).stdout.contains("infer-shapes"))
    }

    @Test("writes a value info for every intermediate value; --dim fixes a symbol everywhere")
    func writesValueInfos() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("vad.onnx").path
        let r = try CLIRunner.run(["infer-shapes", Fixtures.sample("silero_vad_16k_op15.onnx"), out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect((doc?["valueCount"] as? Int ?? 0) > 100)
        #expect(doc?["unknownRankCount"] as? Int == 0)
        let model = try ONNXReader().read(path: out)
        let produced = Set(model.graph.nodes.flatMap(\.outputs)).subtracting(model.graph.outputs.map(\.name))
        let typed = Set(model.graph.valueInfos.filter { $0.type?.tensorType?.shape != nil }.map(\.name))
        #expect(produced.subtracting(typed).isEmpty, "untyped: \(produced.subtracting(typed).prefix(5))")

        let fixed = folder.appendingPathComponent("logreg.onnx").path
        let f = try CLIRunner.run(["infer-shapes", Fixtures.sample("logreg_iris.onnx"), fixed, "--dim", "N=3"])
        #expect(f.status == 0, "\(f.stderr)")
        let m = try ONNXReader().read(path: fixed)
        #expect(m.graph.inputs[0].type?.description == "float32[3,4]")
        #expect(m.graph.outputs.map { $0.type?.description ?? "" } == ["float32[3,3]", "int64[3]"])
        #expect(m.graph.valueInfos.first { $0.name == "z0" }?.type?.description == "float32[3,3]")
    }

    @Test("--strict makes a conflict an error naming the node and value; without it, it is reported")
    func strict() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var model = GraphBuilder.addRelu(n: 4)
        model.graph.valueInfos = [ValueInfo(name: "sum", type: GraphBuilder.floatType([1, 5]))]
        let path = folder.appendingPathComponent("conflict.onnx").path
        try ONNXWriter().write(model, to: path)
        let out = folder.appendingPathComponent("out.onnx").path
        let lenient = try CLIRunner.run(["infer-shapes", path, out])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stdout.contains("conflict: value 'sum' of node 'add'"), "\(lenient.stdout)")
        let r = try CLIRunner.run(["infer-shapes", path, out, "--strict"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains("'sum'") && r.stderr.contains("'add'"), "\(r.stderr)")
    }

    @Test("a malformed graph fails with the node's name")
    func malformed() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var model = GraphBuilder.addRelu(n: 4)
        model.graph.initializers[0] = GraphBuilder.floatTensor("bias", dims: [1, 3], values: [0, 0, 0])
        let path = folder.appendingPathComponent("bad.onnx").path
        try ONNXWriter().write(model, to: path)
        let r = try CLIRunner.run(["infer-shapes", path, folder.appendingPathComponent("o.onnx").path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("node 'add'"), "\(r.stderr)")
    }

    @Test("TFLite: shapes and shape_signature follow --dim")
    func tflite() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("sine.tflite").path
        let r = try CLIRunner.run(["infer-shapes", Fixtures.sample("tflm_sine_float.tflite"), out, "--dim", "serving_default_dense_input_0_d0=1"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try CLIRunner.run(["inspect", out, "--json"])
        let doc = try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any]
        let inputs = doc?["inputs"] as? [[String: Any]]
        #expect(inputs?.first?["shape"] as? [String] == ["1", "1"], "\(summary.stdout)")
    }

    @Test("inspect --infer shows each node output's type; plain inspect is unchanged")
    func inspectInfer() throws {
        let r = try CLIRunner.run(["inspect", "SampleModels/logreg_iris.onnx", "--nodes", "--infer"], in: Fixtures.packageRoot)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("MatMul(features, W) -> z0: float32[N,3]"))
        #expect(r.stdout.contains("ArgMax(logits) -> label: int64[N]"))
        let plain = try CLIRunner.run(["inspect", "SampleModels/logreg_iris.onnx", "--nodes"], in: Fixtures.packageRoot)
        #expect(!plain.stdout.contains("z0: float32"))
    }
}
