import ConverterTestSupport
import Foundation
import ModelConvKit
import ModelIR
import ONNXFormat
import Testing

/// Inputs `run` and `validate` generate from declared shapes: refused with a message when the
/// shape is too large, whatever the dims (a damaged file's dims can overflow any product).
@Suite("Generated inputs")
struct GeneratedInputsTests {
    @Test("an input whose declared dims are too large is refused by name", arguments: [
        [Int64(1) << 40, Int64(1) << 40], [1, 3, 20_000, 20_000],
    ])
    func hugeDeclaredShape(dims: [Int64]) throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let type = ValueType(.tensor(TensorType(elementType: .float, shape: dims.map { Dim.fixed($0) })))
        let graph = Graph(inputs: [ValueInfo(name: "x", type: type)], outputs: [ValueInfo(name: "y", type: nil)],
                          nodes: [Node(opType: "Relu", inputs: ["x"], outputs: ["y"])])
        let path = folder.appendingPathComponent("huge.onnx").path
        try ONNXWriter().write(Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)], graph: graph), to: path)
        do {
            _ = try ModelConverter().run(path: path, inputs: InputOptions())
            Issue.record("generated an input of shape \(dims)")
        } catch {
            #expect(error.description.contains("input 'x' of shape"), "\(error)")
            #expect(error.exitCode == 1)
        }
    }

    @Test("an axis out of range is refused by the ONNX → TFLite raising, naming the node", arguments: ["Flatten", "Concat"])
    func axisOutOfRange(op: String) throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let type = ValueType(.tensor(TensorType(elementType: .float, shape: [.fixed(2), .fixed(3)])))
        let inputs = op == "Concat" ? ["x", "x"] : ["x"]
        let graph = Graph(inputs: [ValueInfo(name: "x", type: type)], outputs: [ValueInfo(name: "y", type: nil)],
                          nodes: [Node(name: "n", opType: op, inputs: inputs, outputs: ["y"], attributes: [Attribute(name: "axis", value: .int(9))])])
        let path = folder.appendingPathComponent("axis.onnx").path
        try ONNXWriter().write(Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)], graph: graph), to: path)
        do {
            _ = try ModelConverter().convert(input: path, output: folder.appendingPathComponent("axis.tflite").path, options: ConvertOptions())
            Issue.record("converted \(op) with axis 9 on a rank-2 input")
        } catch {
            #expect(error.description.contains("axis"), "\(error)")
        }
    }
}
