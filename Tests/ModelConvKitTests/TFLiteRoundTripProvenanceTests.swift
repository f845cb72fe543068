import ConverterTestSupport
import Foundation
import ModelConvKit
import ModelIR
import ONNXFormat
import Testing
@testable import TFLiteFormat

/// TFLite → ONNX → TFLite gives back the source's form where the ONNX graph alone is ambiguous:
/// the lowering records provenance in node metadata and the raising uses it only where the node
/// still computes what the recorded TFLite operator computes (issue 8, point 2).
@Suite("TFLite → ONNX → TFLite provenance")
struct TFLiteRoundTripProvenanceTests {
    // MARK: Building TFLite models

    static func info(_ name: String, _ type: DataType, _ dims: [Int64]) -> ValueInfo {
        ValueInfo(name: name, type: ValueType(.tensor(TensorType(elementType: type, shape: dims.map { .fixed($0) }))))
    }

    static func floats(_ name: String, _ dims: [Int64], _ values: [Float]) -> Tensor {
        Tensor(name: name, dataType: .float, dims: dims, contents: .bytes(values.withUnsafeBytes { ByteView(copying: $0) }))
    }

    static func halves(_ name: String, _ dims: [Int64], _ values: [Float]) -> Tensor {
        let bits = values.map { Float16($0).bitPattern }
        return Tensor(name: name, dataType: .float16, dims: dims, contents: .bytes(bits.withUnsafeBytes { ByteView(copying: $0) }))
    }

    static func op(_ type: String, _ inputs: [String], _ output: String, options: String? = nil, _ fields: [(String, Int64)] = []) -> Node {
        var attrs = [Attribute(name: TFLiteDialect.versionAttribute, value: .int(1))]
        if let options { attrs.append(Attribute(name: TFLiteDialect.optionsAttribute, value: .string(Array(options.utf8)))) }
        attrs += fields.map { Attribute(name: $0.0, value: .int($0.1)) }
        return Node(name: output, opType: type, domain: TFLiteDialect.domain, inputs: inputs, outputs: [output], attributes: attrs)
    }

    /// ADD → standalone RELU, ADD with a fused RELU, MUL → RELU6, SUB → RELU_N1_TO_1.
    static func activations() -> Model {
        let dims: [Int64] = [1, 4, 4, 2]
        let names = ["x", "a", "y1", "y2", "m", "y3", "s", "y4"]
        let nodes = [
            op("ADD", ["x", "c"], "a", options: "AddOptions", [("fused_activation_function", 0)]),
            op("RELU", ["a"], "y1"),
            op("ADD", ["x", "c"], "y2", options: "AddOptions", [("fused_activation_function", 1)]),
            op("MUL", ["x", "c"], "m", options: "MulOptions", [("fused_activation_function", 0)]),
            op("RELU6", ["m"], "y3"),
            op("SUB", ["x", "c"], "s", options: "SubOptions", [("fused_activation_function", 0)]),
            op("RELU_N1_TO_1", ["s"], "y4"),
        ]
        let graph = Graph(name: "main", inputs: [info("x", .float, dims)], outputs: ["y1", "y2", "y3", "y4"].map { info($0, .float, dims) },
                          valueInfos: names.map { info($0, .float, dims) } + [info("c", .float, [2])],
                          initializers: [floats("c", [2], [0.25, -0.5])], nodes: nodes)
        return Model(opsetImports: [OpsetImport(domain: "tflite", version: 3)], graph: graph)
    }

    /// MediaPipe's Convolution2DTransposeBias (SAME, stride 2) on float16 weights and a float16 bias
    /// of one channel, both behind DEQUANTIZE.
    static func transposeConvolution() -> Model {
        var bytes: [UInt8] = []
        for v: Int32 in [1, 2, 2] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        let custom = Node(name: "segment", opType: "Convolution2DTransposeBias", domain: TFLiteDialect.customDomain, inputs: ["x", "wf", "bf"],
                          outputs: ["y"], attributes: [Attribute(name: TFLiteDialect.versionAttribute, value: .int(1)),
                                                       Attribute(name: TFLiteDialect.customOptionsAttribute, value: .string(bytes)),
                                                       Attribute(name: TFLiteDialect.customOptionsFormatAttribute, value: .int(0))])
        let weights = (0..<36).map { Float($0 % 7) * 0.125 - 0.375 }
        let graph = Graph(
            name: "main", inputs: [info("x", .float, [1, 3, 3, 4])], outputs: [info("y", .float, [1, 6, 6, 1])],
            valueInfos: [info("x", .float, [1, 3, 3, 4]), info("w", .float16, [1, 3, 3, 4]), info("wf", .float, [1, 3, 3, 4]),
                         info("b", .float16, [1]), info("bf", .float, [1]), info("y", .float, [1, 6, 6, 1])],
            initializers: [halves("w", [1, 3, 3, 4], weights), halves("b", [1], [0.75])],
            nodes: [op("DEQUANTIZE", ["w"], "wf"), op("DEQUANTIZE", ["b"], "bf"), custom])
        return Model(opsetImports: [OpsetImport(domain: "tflite", version: 3)], graph: graph)
    }

    // MARK: Converting

    /// Writes `model` as a .tflite, converts it to .onnx, lets `edit` change the ONNX model, converts
    /// that back to .tflite (validated against the ONNX model) and returns (ONNX model, result).
    static func roundTrip(_ model: Model, edit: (inout Model) -> Void = { _ in }) throws -> (onnx: Model, back: Model) {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("m.tflite").path, onnx = folder.appendingPathComponent("m.onnx").path
        let edited = folder.appendingPathComponent("e.onnx").path, back = folder.appendingPathComponent("back.tflite").path
        try TFLiteWriter().write(model, to: source)
        _ = try ModelConverter().convert(input: source, output: onnx)
        var lowered = try ONNXReader().read(path: onnx)
        edit(&lowered)
        try ONNXWriter().write(lowered, to: edited)
        _ = try ModelConverter().convert(input: edited, output: back)
        return (lowered, try ModelConverter().read(path: back).0)
    }

    static func histogram(_ g: Graph) -> [String: Int] { g.nodes.reduce(into: [:]) { $0[$1.opType, default: 0] += 1 } }

    static func fused(_ g: Graph, _ op: String) -> [Int64] {
        g.nodes.filter { $0.opType == op }.map { $0.option("fused_activation_function") }.sorted()
    }

    // MARK: Activations

    @Test("standalone RELU, RELU6 and RELU_N1_TO_1 come back standalone; a fused RELU comes back fused")
    func standaloneActivations() throws {
        let (onnx, back) = try Self.roundTrip(Self.activations())
        #expect(onnx.irVersion == 10)  // node metadata_props
        let marked = onnx.graph.nodes.filter { TFLiteProvenance.isRecorded(on: $0) }
        #expect(marked.map(\.opType).sorted() == ["Clip", "Clip", "Relu"])
        let ops = Self.histogram(back.graph)
        #expect(ops == ["ADD": 2, "RELU": 1, "MUL": 1, "RELU6": 1, "SUB": 1, "RELU_N1_TO_1": 1])
        #expect(Self.fused(back.graph, "ADD") == [0, 1])
        #expect(Self.fused(back.graph, "MUL") == [0] && Self.fused(back.graph, "SUB") == [0])
    }

    @Test("without provenance (an ONNX file from elsewhere) the activations are fused as before")
    func fusionStaysTheDefault() throws {
        let (_, back) = try Self.roundTrip(Self.activations()) { m in
            for i in m.graph.nodes.indices { m.graph.nodes[i].metadata = [] }
        }
        #expect(Self.histogram(back.graph) == ["ADD": 2, "MUL": 1, "SUB": 1])
        #expect(Self.fused(back.graph, "ADD") == [1, 1])
        #expect(Self.fused(back.graph, "MUL") == [3] && Self.fused(back.graph, "SUB") == [2])
    }

    @Test("a recorded operator that is not what the node computes is ignored")
    func mismatchedActivationIsFused() throws {
        let (_, back) = try Self.roundTrip(Self.activations()) { m in
            // Claim the RELU6 Clip came from a RELU: it cannot have, so the hint is not used.
            for i in m.graph.nodes.indices where m.graph.nodes[i].opType == "Clip" && TFLiteProvenance.sourceOperator(of: m.graph.nodes[i]) == "RELU6" {
                m.graph.nodes[i].metadata = TFLiteProvenance.entries(operator: "RELU")
            }
        }
        #expect(Self.histogram(back.graph) == ["ADD": 2, "RELU": 1, "MUL": 1, "SUB": 1, "RELU_N1_TO_1": 1])
        #expect(Self.fused(back.graph, "MUL") == [3])
    }

    // MARK: Custom transposed convolution

    @Test("Convolution2DTransposeBias comes back as the custom op with its options and float16 weights")
    func customTransposeConvolution() throws {
        let source = Self.transposeConvolution()
        let (onnx, back) = try Self.roundTrip(source)
        let lowered = try #require(onnx.graph.nodes.first { $0.opType == "ConvTranspose" })
        #expect(TFLiteProvenance.customCode(of: lowered) == "Convolution2DTransposeBias")
        let custom = try #require(back.graph.nodes.first { $0.opType == "Convolution2DTransposeBias" })
        #expect(custom.normalizedDomain == TFLiteDialect.customDomain)
        #expect(custom.attribute(TFLiteDialect.customOptionsAttribute) == source.graph.nodes[2].attribute(TFLiteDialect.customOptionsAttribute))
        #expect(!back.graph.nodes.contains { $0.opType == "TRANSPOSE_CONV" })
        // Both operands reach it through a DEQUANTIZE of float16 data, the one-element bias included.
        for input in custom.inputs.dropFirst() {
            let dq = try #require(back.graph.nodes.first { $0.opType == "DEQUANTIZE" && $0.outputs == [input] })
            #expect(back.graph.initializers.first { $0.name == dq.inputs[0] }?.dataType == .float16)
        }
        #expect(back.graph.initializers.contains { $0.dataType == .float16 && $0.dims == [1] })
    }

    @Test("custom options that disagree with the node's attributes give the builtin TRANSPOSE_CONV")
    func disagreeingCustomOptions() throws {
        let (_, back) = try Self.roundTrip(Self.transposeConvolution()) { m in
            var bytes: [UInt8] = []
            for v: Int32 in [1, 1, 1] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }  // stride 1, the node says 2
            for i in m.graph.nodes.indices where m.graph.nodes[i].opType == "ConvTranspose" {
                m.graph.nodes[i].metadata = TFLiteProvenance.entries(operator: "CUSTOM:Convolution2DTransposeBias", customOptions: bytes)
            }
        }
        #expect(back.graph.nodes.contains { $0.opType == "TRANSPOSE_CONV" })
        #expect(!back.graph.nodes.contains { $0.opType == "Convolution2DTransposeBias" })
    }
}
