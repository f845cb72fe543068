import ConverterTestSupport
import Foundation
import ModelConvKit
import ModelIR
import ONNXFormat
import Testing

/// Acceptance 3 of the ONNX → TFLite conversion: a conv → elementwise → pool → concat → conv chain
/// converts with no TRANSPOSE inside the graph (only at the boundary when NCHW I/O is kept), and the
/// written model matches the source numerically in the reference interpreter.
@Suite("ONNX → TFLite layout")
struct ONNXToTFLiteLayoutTests {
    // MARK: Model

    /// x[1,3,8,8] → Conv(4, 3x3, pad 1) → Add(bias[4,1,1]) → Relu → MaxPool(2x2) ─┐
    ///                                     └─ Conv(2, 1x1) → AveragePool(2x2) ──┴→ Concat(axis 1) → Conv(5, 3x3) → y
    static func chain() -> Model {
        func values(_ n: Int, _ scale: Float) -> [Float] { (0..<n).map { Float(($0 * 37) % 23 - 11) * scale } }
        let t = GraphBuilder.floatTensor
        let nodes = [
            Node(name: "conv1", opType: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"],
                 attributes: [Attribute(name: "kernel_shape", value: .ints([3, 3])), Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
            Node(name: "add", opType: "Add", inputs: ["c1", "bias"], outputs: ["a1"]),
            Node(name: "relu", opType: "Relu", inputs: ["a1"], outputs: ["r1"]),
            Node(name: "pool", opType: "MaxPool", inputs: ["r1"], outputs: ["p1"],
                 attributes: [Attribute(name: "kernel_shape", value: .ints([2, 2])), Attribute(name: "strides", value: .ints([2, 2]))]),
            Node(name: "conv2", opType: "Conv", inputs: ["r1", "w2"], outputs: ["c2"],
                 attributes: [Attribute(name: "kernel_shape", value: .ints([1, 1]))]),
            Node(name: "avg", opType: "AveragePool", inputs: ["c2"], outputs: ["p2"],
                 attributes: [Attribute(name: "kernel_shape", value: .ints([2, 2])), Attribute(name: "strides", value: .ints([2, 2]))]),
            Node(name: "concat", opType: "Concat", inputs: ["p1", "p2"], outputs: ["cat"], attributes: [Attribute(name: "axis", value: .int(1))]),
            Node(name: "conv3", opType: "Conv", inputs: ["cat", "w3", "b3"], outputs: ["y"],
                 attributes: [Attribute(name: "kernel_shape", value: .ints([3, 3])), Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
        ]
        let graph = Graph(
            name: "layout_chain",
            inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 3, 8, 8]))],
            outputs: [ValueInfo(name: "y", type: GraphBuilder.floatType([1, 5, 4, 4]))],
            initializers: [
                t("w1", [4, 3, 3, 3], values(108, 0.05)), t("b1", [4], values(4, 0.1)), t("bias", [4, 1, 1], values(4, 0.07)),
                t("w2", [2, 4, 1, 1], values(8, 0.1)), t("w3", [5, 6, 3, 3], values(270, 0.03)), t("b3", [5], values(5, 0.1)),
            ],
            nodes: nodes)
        return Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)], producerName: "modelconv-tests", graph: graph)
    }

    func convert(nhwcIO: Bool) throws -> ConversionReport {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("chain.onnx").path
        try ONNXWriter().write(Self.chain(), to: source)
        return try ModelConverter().convert(input: source, output: folder.appendingPathComponent("chain.tflite").path,
                                            options: ConvertOptions(nhwcIO: nhwcIO))
    }

    // MARK: Tests

    @Test("NCHW I/O: one TRANSPOSE at the input boundary, none inside, validation passes")
    func nchwBoundary() throws {
        let report = try convert(nhwcIO: false)
        #expect(report.validation?.passed == true)
        // The input needs NHWC (one TRANSPOSE); the [1,5,4,4] output goes back to NCHW (one TRANSPOSE).
        #expect(report.transposesLeft == 2)
        let ops = Set(report.opsOut.map(\.op))
        #expect(ops.isSuperset(of: ["CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "CONCATENATION", "ADD"]))
    }

    @Test("NHWC I/O: zero TRANSPOSE ops, validation passes")
    func nhwcNoTransposes() throws {
        let report = try convert(nhwcIO: true)
        #expect(report.validation?.passed == true)
        #expect(report.transposesLeft == 0)
        #expect(report.opsOut.allSatisfy { $0.op != "TRANSPOSE" })
    }

    @Test("an unsupported op is refused before anything is written")
    func preflightRefuses() throws {
        var model = Self.chain()
        model.graph.nodes.append(Node(name: "odd", opType: "Einsum", inputs: ["y"], outputs: ["z"]))
        model.graph.outputs = [ValueInfo(name: "z", type: nil)]
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("bad.onnx").path
        try ONNXWriter().write(model, to: source)
        let output = folder.appendingPathComponent("bad.tflite").path
        #expect(throws: ModelConvError.self) {
            _ = try ModelConverter().convert(input: source, output: output, options: ConvertOptions())
        }
        #expect(!FileManager.default.fileExists(atPath: output))
        let ops = try ModelConverter().ops(target: .tflite, model: source)
        #expect(ops.blockers.count == 1 && ops.blockers[0].contains("Einsum"))
    }
}
