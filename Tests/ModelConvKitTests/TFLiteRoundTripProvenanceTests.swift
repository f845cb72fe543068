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

    /// A running sum in a resource variable: y = acc + x, acc ← y; acc starts at [0.5, -1, 2, 0].
    static func accumulator() -> Model {
        let resource = { (name: String) in ValueInfo(name: name, type: ValueType(.opaque(domain: TFLiteDialect.domain, name: "resource"))) }
        let handle = { (output: String) in
            Node(name: output, opType: "VAR_HANDLE", domain: TFLiteDialect.domain, inputs: [], outputs: [output],
                 attributes: [Attribute(name: TFLiteDialect.versionAttribute, value: .int(1)),
                              Attribute(name: TFLiteDialect.optionsAttribute, value: .string(Array("VarHandleOptions".utf8))),
                              Attribute(name: "container", value: .string([])), Attribute(name: "shared_name", value: .string(Array("acc".utf8)))])
        }
        let assign = { (h: String, v: String) in
            Node(opType: "ASSIGN_VARIABLE", domain: TFLiteDialect.domain, inputs: [h, v], outputs: [],
                 attributes: [Attribute(name: TFLiteDialect.versionAttribute, value: .int(1))])
        }
        let initGraph = Graph(name: "NoOp", inputs: [], outputs: [], valueInfos: [resource("h0"), info("start", .float, [1, 4])],
                              initializers: [floats("start", [1, 4], [0.5, -1, 2, 0])], nodes: [handle("h0"), assign("h0", "start")])
        let nodes = [
            op("CALL_ONCE", [], "", options: "CallOnceOptions", [("init_subgraph_index", 1)]).with(outputs: []),
            handle("h"),
            op("READ_VARIABLE", ["h"], "r"),
            op("ADD", ["r", "x"], "y", options: "AddOptions", [("fused_activation_function", 0)]),
            assign("h", "y"),
        ]
        let graph = Graph(name: "main", inputs: [info("x", .float, [1, 4])], outputs: [info("y", .float, [1, 4])],
                          valueInfos: [resource("h"), info("r", .float, [1, 4]), info("x", .float, [1, 4]), info("y", .float, [1, 4])],
                          nodes: nodes)
        return Model(opsetImports: [OpsetImport(domain: "tflite", version: 3)], graph: graph, subgraphs: [initGraph])
    }

    /// SPLIT_V of [1, 4, 2] into sizes [2, 2] along axis 1.
    static func splitV() -> Model {
        let node = Node(name: "split", opType: "SPLIT_V", domain: TFLiteDialect.domain, inputs: ["x", "sizes", "axis"], outputs: ["a", "b"],
                        attributes: [Attribute(name: TFLiteDialect.versionAttribute, value: .int(2)),
                                     Attribute(name: TFLiteDialect.optionsAttribute, value: .string(Array("SplitVOptions".utf8))),
                                     Attribute(name: "num_splits", value: .int(2))])
        let int32s = { (name: String, values: [Int32]) in
            Tensor(name: name, dataType: .int32, dims: name == "axis" ? [] : [Int64(values.count)], contents: .bytes(values.withUnsafeBytes { ByteView(copying: $0) }))
        }
        let graph = Graph(name: "main", inputs: [info("x", .float, [1, 4, 2])], outputs: [info("a", .float, [1, 2, 2]), info("b", .float, [1, 2, 2])],
                          valueInfos: [info("x", .float, [1, 4, 2]), info("a", .float, [1, 2, 2]), info("b", .float, [1, 2, 2]),
                                       info("sizes", .int32, [2]), info("axis", .int32, [])],
                          initializers: [int32s("sizes", [2, 2]), int32s("axis", [1])], nodes: [node])
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

    @Test("custom options survive base64; text that is not base64 gives no options")
    func base64() {
        for bytes: [UInt8] in [[], [0], [1, 2], [1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0], Array(0...255)] {
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode([1, 0, 0, 0, 2]) == "AQAAAAI=")
        for bad in ["AQAAAAI", "AQ=AAAI=", "A===", "AQAA*AI="] { #expect(Base64.decode(bad) == nil, "\(bad)") }
    }

    @Test("SPLIT_V into equal parts comes back as SPLIT_V; an unrecorded Split of equal parts as SPLIT")
    func splitIntoEqualParts() throws {
        let (_, back) = try Self.roundTrip(Self.splitV())
        #expect(Self.histogram(back.graph) == ["SPLIT_V": 1])
        let (_, plain) = try Self.roundTrip(Self.splitV()) { m in
            for i in m.graph.nodes.indices { m.graph.nodes[i].metadata = [] }
        }
        #expect(Self.histogram(plain.graph) == ["SPLIT": 1])
    }

    // MARK: Resource variables

    @Test("state inputs and outputs come back as resource variables with a CALL_ONCE init subgraph")
    func resourceVariables() throws {
        let (onnx, back) = try Self.roundTrip(Self.accumulator())
        #expect(onnx.graph.inputs.map(\.name) == ["x", "state:acc"] && onnx.graph.outputs.map(\.name) == ["y", "state:acc:next"])
        let g = back.graph
        #expect(Self.histogram(g) == ["CALL_ONCE": 1, "VAR_HANDLE": 1, "READ_VARIABLE": 1, "ADD": 1, "ASSIGN_VARIABLE": 1])
        #expect(g.inputs.map(\.name) == ["x"] && g.outputs.map(\.name) == ["y"])
        // The READ comes before the ADD that reads it, the ASSIGN of the sum after it, on one handle.
        let order = g.nodes.map(\.opType)
        #expect(order.firstIndex(of: "READ_VARIABLE")! < order.firstIndex(of: "ADD")! && order.firstIndex(of: "ADD")! < order.firstIndex(of: "ASSIGN_VARIABLE")!)
        let read = try #require(g.nodes.first { $0.opType == "READ_VARIABLE" }), assign = try #require(g.nodes.first { $0.opType == "ASSIGN_VARIABLE" })
        #expect(read.inputs == [assign.inputs[0]] && assign.inputs[1] == "y")
        let handle = try #require(g.nodes.first { $0.opType == "VAR_HANDLE" })
        #expect(handle.attribute("shared_name")?.value == .string(Array("acc".utf8)))
        // The init subgraph assigns the initial value to the same shared name.
        let sub = try #require(back.subgraphs.first)
        #expect(Self.histogram(sub) == ["VAR_HANDLE": 1, "ASSIGN_VARIABLE": 1])
        #expect(sub.nodes.first { $0.opType == "VAR_HANDLE" }?.attribute("shared_name")?.value == .string(Array("acc".utf8)))
        #expect(ConstantData.floats(try #require(sub.initializers.first)) == [0.5, -1, 2, 0])
        #expect(g.nodes.first { $0.opType == "CALL_ONCE" }?.option("init_subgraph_index") == 1)
    }

    @Test("inputs not marked as state stay graph inputs (folded defaults), their outputs graph outputs")
    func unmarkedStateStaysPlain() throws {
        let (_, back) = try Self.roundTrip(Self.accumulator()) { m in
            for i in m.graph.inputs.indices { m.graph.inputs[i].metadata = [] }
        }
        #expect(!back.graph.nodes.contains { ["VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE"].contains($0.opType) })
        #expect(back.graph.outputs.map(\.name) == ["y", "state:acc:next"] && back.subgraphs.isEmpty)
    }

    @Test("a state pair whose input and output disagree in shape stays plain")
    func disagreeingStatePair() {
        var g = Self.accumulator().graph
        g.inputs = [Self.info("x", .float, [1, 4]), Self.info("state:acc", .float, [1, 4])]
        g.inputs[1].metadata = [MetadataEntry(key: VariableState.roleKey, value: "state")]
        g.initializers = [Self.floats("state:acc", [1, 4], [0, 0, 0, 0])]
        g.outputs = [Self.info("y", .float, [1, 4]), Self.info("state:acc:next", .float, [4])]
        g.outputs[1].metadata = g.inputs[1].metadata
        #expect(StateRaisings.variables(in: g).isEmpty)
        g.outputs[1] = Self.info("state:acc:next", .float, [1, 4])
        g.outputs[1].metadata = g.inputs[1].metadata
        #expect(StateRaisings.variables(in: g).map(\.key) == ["acc"])
        g.initializers = []  // no default: not a variable
        #expect(StateRaisings.variables(in: g).isEmpty)
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

extension Node {
    /// The node with other outputs.
    func with(outputs: [String]) -> Node {
        var n = self
        n.outputs = outputs
        return n
    }
}
