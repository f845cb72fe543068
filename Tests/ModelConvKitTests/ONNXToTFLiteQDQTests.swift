import ConverterTestSupport
import Foundation
import ModelConvKit
import ModelIR
import ONNXFormat
import Testing

/// QDQ ONNX → int8 TFLite (issue 7, acceptance 1 for the QDQ models): the int8 ops carry the ONNX
/// scales and zero points (uint8 shifted to int8), ops without an int8 form stay explicit
/// DEQUANTIZE → float op → QUANTIZE and the report says so.
@Suite("ONNX QDQ → int8 TFLite")
struct ONNXToTFLiteQDQTests {
    static let weightScales: [Float] = [0.01, 0.02, 0.03]

    static func writeModel(_ model: Model = model(), in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("qdq.onnx").path
        try ONNXWriter().write(model, to: path)
        return path
    }

    static func tensor<T>(_ name: String, _ type: DataType, _ dims: [Int64], _ values: [T]) -> Tensor {
        Tensor(name: name, dataType: type, dims: dims, contents: .bytes(values.withUnsafeBytes { ByteView(copying: $0) }))
    }

    /// x → Q/DQ → Conv(int8 per-channel weights, int32 bias) → Q/DQ → MaxPool → Q/DQ → HardSigmoid → Q/DQ → y.
    static func model(weightScales: [Float] = weightScales) -> Model {
        func qdq(_ x: String, _ s: String, _ z: String, _ out: String) -> [Node] {
            [Node(name: "\(x)_q", opType: "QuantizeLinear", inputs: [x, s, z], outputs: ["\(x)_q"]),
             Node(name: "\(x)_dq", opType: "DequantizeLinear", inputs: ["\(x)_q", s, z], outputs: [out])]
        }
        let weights: [Int8] = (0..<54).map { Int8(($0 * 37) % 61 - 30) }
        let bias: [Int32] = [40, -25, 7]
        let biasScales = weightScales.map { $0 * 0.02 }
        var nodes = qdq("x", "xs", "xz", "xd")
        nodes.append(Node(name: "wdq", opType: "DequantizeLinear", inputs: ["wq", "ws", "wz"], outputs: ["w"], attributes: [Attribute(name: "axis", value: .int(0))]))
        nodes.append(Node(name: "bdq", opType: "DequantizeLinear", inputs: ["bq", "bs", "bz"], outputs: ["b"], attributes: [Attribute(name: "axis", value: .int(0))]))
        nodes.append(Node(name: "conv", opType: "Conv", inputs: ["xd", "w", "b"], outputs: ["c"],
                          attributes: [Attribute(name: "kernel_shape", value: .ints([3, 3])), Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]))
        nodes += qdq("c", "cs", "cz", "cd")
        nodes.append(Node(name: "pool", opType: "MaxPool", inputs: ["cd"], outputs: ["p"],
                          attributes: [Attribute(name: "kernel_shape", value: .ints([2, 2])), Attribute(name: "strides", value: .ints([2, 2]))]))
        nodes += qdq("p", "cs", "cz", "pd")
        nodes.append(Node(name: "hsig", opType: "HardSigmoid", inputs: ["pd"], outputs: ["h"]))
        nodes += qdq("h", "hs", "hz", "y")
        let graph = Graph(
            name: "qdq", inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 2, 6, 6]))],
            outputs: [ValueInfo(name: "y", type: GraphBuilder.floatType([1, 3, 3, 3]))],
            initializers: [
                tensor("xs", .float, [], [Float(0.02)]), tensor("xz", .uint8, [], [UInt8(128)]),
                tensor("wq", .int8, [3, 2, 3, 3], weights), tensor("ws", .float, [3], weightScales), tensor("wz", .int8, [3], [Int8](repeating: 0, count: 3)),
                tensor("bq", .int32, [3], bias), tensor("bs", .float, [3], biasScales), tensor("bz", .int32, [3], [Int32](repeating: 0, count: 3)),
                tensor("cs", .float, [], [Float(0.05)]), tensor("cz", .uint8, [], [UInt8(100)]),
                tensor("hs", .float, [], [Float(1.0 / 255)]), tensor("hz", .uint8, [], [UInt8(0)]),
            ],
            nodes: nodes)
        return Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 13)], producerName: "modelconv-tests", graph: graph)
    }

    @Test("Conv and MaxPool become int8 ops with the ONNX scales; HardSigmoid stays float between DEQUANTIZE and QUANTIZE")
    func qdqToInt8() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("qdq.onnx").path, output = folder.appendingPathComponent("qdq.tflite").path
        try ONNXWriter().write(Self.model(), to: source)
        let report = try ModelConverter().convert(input: source, output: output, options: ConvertOptions())
        #expect(report.validation?.passed == true)
        let note = try #require(report.passes.first { $0.hasPrefix("qdq-fusion") })
        #expect(note.contains("Conv 1") && note.contains("MaxPool 1") && note.contains("HardSigmoid 1"))

        let (written, _) = try ModelConverter().read(path: output)
        let g = written.graph
        let infos = Dictionary(g.valueInfos.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let conv = try #require(g.nodes.first { $0.opType == "CONV_2D" })
        let filter = try #require(infos[conv.inputs[1]])
        #expect(filter.type?.tensorType?.elementType == .int8)
        #expect(filter.quantization?.scales == Self.weightScales)
        #expect(filter.quantization?.zeroPoints == [0, 0, 0])
        let bias = try #require(infos[conv.inputs[2]])
        #expect(bias.type?.tensorType?.elementType == .int32)
        let expectedBias = Self.weightScales.map { $0 * 0.02 }
        #expect(zip(bias.quantization?.scales ?? [], expectedBias).allSatisfy { abs($0 - $1) <= 1e-9 })
        // uint8 activations become int8 with the zero point shifted by −128.
        let input = try #require(infos[conv.inputs[0]])
        #expect(input.type?.tensorType?.elementType == .int8 && input.quantization?.zeroPoints == [0])
        let convOut = try #require(infos[conv.outputs[0]])
        #expect(convOut.quantization?.scales == [0.05] && convOut.quantization?.zeroPoints == [-28])
        let pool = try #require(g.nodes.first { $0.opType == "MAX_POOL_2D" })
        #expect(infos[pool.outputs[0]]?.type?.tensorType?.elementType == .int8)
        // The float island: DEQUANTIZE before HardSigmoid's float ops, QUANTIZE after, DEQUANTIZE at the output.
        let ops = g.nodes.map(\.opType)
        #expect(ops.filter { $0 == "DEQUANTIZE" }.count == 2)
        #expect(ops.filter { $0 == "QUANTIZE" }.count == 2)
        #expect(ops.contains("MINIMUM"))
    }

    @Test("a weight scale that is not a positive finite number is refused, naming the node and the channel")
    func damagedWeightScale() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try Self.writeModel(Self.model(weightScales: [0.01, .nan, 0.03]), in: folder)
        do {
            _ = try ModelConverter().convert(input: source, output: folder.appendingPathComponent("qdq.tflite").path, options: ConvertOptions())
            Issue.record("converted a model with a NaN weight scale")
        } catch {
            #expect(error.description.hasPrefix(source), "\(error)")
            #expect(error.description.contains("channel 1"), "\(error)")
        }
    }
}
