import ConverterTestSupport
import Foundation
import ModelConvKit
import ModelIR
import ONNXFormat
import Testing

/// float16 in ONNX → TFLite: float16 sources compute in float32 with float16 weights behind
/// DEQUANTIZE, and `--float16` stores a float32 model's weights that way.
@Suite("ONNX → TFLite float16")
struct ONNXToTFLiteFloat16Tests {
    static func half(_ name: String, _ dims: [Int64], _ values: [Float]) -> Tensor {
        let bits = values.map { Float16($0).bitPattern }
        return Tensor(name: name, dataType: .float16, dims: dims, contents: .bytes(bits.withUnsafeBytes { ByteView(copying: $0) }))
    }

    /// x: float16[2,4] → MatMul(float16 w[4,3]) → Add(float16 b[3]) → y: float16[2,3].
    static func halfModel() -> Model {
        let type = { (dims: [Int64]) in ValueType(.tensor(TensorType(elementType: .float16, shape: dims.map { .fixed($0) }))) }
        let graph = Graph(
            name: "half", inputs: [ValueInfo(name: "x", type: type([2, 4]))], outputs: [ValueInfo(name: "y", type: type([2, 3]))],
            initializers: [half("w", [4, 3], (0..<12).map { Float($0 % 5) * 0.25 - 0.5 }), half("b", [3], [0.5, -1, 0.125])],
            nodes: [Node(name: "mm", opType: "MatMul", inputs: ["x", "w"], outputs: ["m"]),
                    Node(name: "add", opType: "Add", inputs: ["m", "b"], outputs: ["y"])])
        return Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)], producerName: "modelconv-tests", graph: graph)
    }

    func convert(_ model: Model, float16: Bool) throws -> (ConversionReport, Model) {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("m.onnx").path, output = folder.appendingPathComponent("m.tflite").path
        try ONNXWriter().write(model, to: source)
        var options = ConvertOptions()
        options.float16 = float16
        let report = try ModelConverter().convert(input: source, output: output, options: options)
        return (report, try ModelConverter().read(path: output).0)
    }

    @Test("a float16 model keeps float16 I/O and weights, computes in float32")
    func float16Source() throws {
        let (report, written) = try convert(Self.halfModel(), float16: false)
        #expect(report.validation?.passed == true)
        #expect(report.passes.contains { $0.hasPrefix("float16-weights") })
        let g = written.graph
        #expect(g.inputs.first?.type?.tensorType?.elementType == .float16)
        #expect(g.outputs.first?.type?.tensorType?.elementType == .float16)
        let fc = try #require(g.nodes.first { $0.opType == "FULLY_CONNECTED" })
        // The weights reach the float32 FULLY_CONNECTED through a DEQUANTIZE of a float16 tensor.
        let dq = try #require(g.nodes.first { $0.opType == "DEQUANTIZE" && $0.outputs == [fc.inputs[1]] })
        #expect(g.initializers.first { $0.name == dq.inputs[0] }?.dataType == .float16)
        #expect(g.nodes.contains { $0.opType == "CAST" })
        #expect(!g.initializers.contains { $0.dataType == .float && $0.dims.reduce(1, *) > 1 })
    }

    @Test("--float16 stores a float32 model's weights as float16 behind DEQUANTIZE")
    func float16Flag() throws {
        let (plain, plainModel) = try convert(ONNXToTFLiteLayoutTests.chain(), float16: false)
        #expect(!plain.passes.contains { $0.hasPrefix("float16-weights") })
        #expect(!plainModel.graph.initializers.contains { $0.dataType == .float16 })
        let (report, written) = try convert(ONNXToTFLiteLayoutTests.chain(), float16: true)
        #expect(report.validation?.passed == true)
        let g = written.graph
        let convs = g.nodes.filter { $0.opType == "CONV_2D" }
        #expect(convs.count == 3)
        for conv in convs {
            let dq = g.nodes.first { $0.opType == "DEQUANTIZE" && $0.outputs == [conv.inputs[1]] }
            #expect(dq != nil)
            #expect(g.initializers.first { $0.name == dq?.inputs[0] }?.dataType == .float16)
        }
        #expect(g.inputs.first?.type?.tensorType?.elementType == .float)
    }
}

/// Slice on a computed NHWC-stored value (axes remapped, negative step) becomes STRIDED_SLICE and validates.
@Suite("ONNX → TFLite Slice")
struct ONNXToTFLiteSliceTests {
    @Test("Slice after a Conv: channel range and reversed width")
    func sliceAfterConv() throws {
        var model = ONNXToTFLiteLayoutTests.chain()
        let ints = { (name: String, v: [Int64]) in Tensor(name: name, dataType: .int64, dims: [Int64(v.count)], contents: .bytes(v.withUnsafeBytes { ByteView(copying: $0) })) }
        model.graph.initializers += [ints("st", [1, -1]), ints("en", [4, -100]), ints("ax", [1, 3]), ints("sp", [1, -2])]
        model.graph.nodes.append(Node(name: "slice", opType: "Slice", inputs: ["y", "st", "en", "ax", "sp"], outputs: ["z"]))
        model.graph.outputs = [ValueInfo(name: "z", type: GraphBuilder.floatType([1, 3, 4, 2]))]
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("s.onnx").path
        try ONNXWriter().write(model, to: source)
        let report = try ModelConverter().convert(input: source, output: folder.appendingPathComponent("s.tflite").path, options: ConvertOptions())
        #expect(report.validation?.passed == true)
        #expect(report.opsOut.contains { $0.op == "STRIDED_SLICE" })
        #expect(report.validation?.outputs.first?.shape == [1, 3, 4, 2])
    }
}
