import ConverterTestSupport
import ModelConvKit
import ModelIR
import Testing

/// ONNX → TFLite of sequence models (a voice-activity detector's ops): 1-D convolutions and
/// pools run as 2-D ones over a height of 1, Gather becomes GATHER on the stored layout, LSTM is
/// unrolled into builtins. Each graph converts and matches the source in the reference
/// interpreter (the conversion's own validation); LiteRT judges the same ops in the interop tiers.
@Suite("ONNX → TFLite: 1-D windows, Gather, LSTM")
struct ONNXToTFLiteSequenceTests {
    typealias T = ONNXToTFLiteMoreOpsTests

    static func input(_ name: String, _ dims: [Int64]) -> ValueInfo { ValueInfo(name: name, type: GraphBuilder.floatType(dims)) }

    // MARK: 1-D windows

    @Test("Conv1d → Relu → MaxPool1d → Conv1d: CONV_2D and MAX_POOL_2D, transposes only at the NCL boundary")
    func oneDimensionalWindows() throws {
        let m = T.model([
            Node(opType: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"],
                 attributes: [T.attr("kernel_shape", [3]), T.attr("pads", [1, 1]), T.attr("strides", [2])]),
            Node(opType: "Relu", inputs: ["c1"], outputs: ["r"]),
            Node(opType: "MaxPool", inputs: ["r"], outputs: ["p"], attributes: [T.attr("kernel_shape", [2]), T.attr("strides", [2])]),
            Node(opType: "Conv", inputs: ["p", "w2"], outputs: ["y"], attributes: [T.attr("kernel_shape", [1])]),
        ], inputs: [Self.input("x", [1, 2, 16])], outputs: ["y"],
           initializers: [T.weights("w1", [4, 2, 3]), T.weights("b1", [4]), T.weights("w2", [3, 4, 1])])
        let (report, written) = try T.convert(m)
        #expect(report.validation?.passed == true)
        #expect(T.ops(report).isSuperset(of: ["CONV_2D", "MAX_POOL_2D"]))
        #expect(report.transposesLeft == 2)
        let output = try #require(written.graph.outputs.first?.type?.tensorType?.shape)
        #expect(output.map(\.fixedValue) == [1, 3, 4])
    }

    // MARK: Gather

    @Test("Gather of channels after a convolution: GATHER on the NHWC channel axis with wrapped constant indices")
    func gatherChannels() throws {
        let m = T.model([T.conv("x", "c", "w"), Node(opType: "Gather", inputs: ["c", "idx"], outputs: ["g"], attributes: [T.attr("axis", 1)]),
                         T.conv("g", "y", "w2")],
                        inputs: [Self.input("x", [1, 2, 3, 3])], outputs: ["y"],
                        initializers: [T.weights("w", [3, 2, 1, 1]), T.int64s("idx", [-1, 0]), T.weights("w2", [2, 2, 1, 1])])
        let (report, written) = try T.convert(m)
        #expect(report.validation?.passed == true)
        #expect(report.transposesLeft == 2)
        #expect(T.constantInput(written, "GATHER", 1) == [2, 0])
        let gather = try #require(written.graph.nodes.first { $0.opType == "GATHER" })
        #expect(gather.attribute("axis")?.value == .int(3))
    }

    @Test("Gather by run-time indices counts negative ones from the end (SELECT_V2 before GATHER)")
    func gatherRuntimeIndices() throws {
        let m = T.model([Node(opType: "Gather", inputs: ["x", "idx"], outputs: ["y"], attributes: [T.attr("axis", 1)])],
                        inputs: [Self.input("x", [2, 5]), T.int64Input("idx", 3)], outputs: ["y"], initializers: [])
        let (report, _) = try T.convert(m, given: ["idx": [-1, 0, -5]])
        #expect(report.validation?.passed == true)
        #expect(T.ops(report).isSuperset(of: ["GATHER", "SELECT_V2", "CAST"]))
    }

    // MARK: LSTM

    /// An LSTM over [3, 2, 4] with hidden size 5 whose state comes from graph inputs.
    static func lstm(direction: String, peepholes: Bool, extra: [Attribute] = [], weightsInput: Bool = false) -> Model {
        let d: Int64 = direction == "bidirectional" ? 2 : 1
        var inputs = ["x", "W", "R", "B", "", "h0", "c0"]
        var initializers = [T.weights("R", [d, 20, 5], 0.04), T.weights("B", [d, 40], 0.03)]
        var graphInputs = [Self.input("x", [3, 2, 4]), Self.input("h0", [d, 2, 5]), Self.input("c0", [d, 2, 5])]
        if weightsInput { graphInputs.append(Self.input("W", [d, 20, 4])) } else { initializers.append(T.weights("W", [d, 20, 4], 0.06)) }
        if peepholes {
            inputs.append("P")
            initializers.append(T.weights("P", [d, 15], 0.07))
        }
        let node = Node(opType: "LSTM", inputs: inputs, outputs: ["Y", "Y_h", "Y_c"],
                        attributes: [T.attr("hidden_size", 5), T.attr("direction", direction)] + extra)
        return T.model([node], inputs: graphInputs, outputs: ["Y", "Y_h", "Y_c"], initializers: initializers)
    }

    @Test("LSTM unrolls into builtins and matches, with the state read from and written to the graph",
          arguments: [("forward", false), ("reverse", true), ("bidirectional", false), ("bidirectional", true)])
    func lstmUnrolled(direction: String, peepholes: Bool) throws {
        let (report, written) = try T.convert(Self.lstm(direction: direction, peepholes: peepholes))
        #expect(report.validation?.passed == true)
        #expect(T.ops(report).isSuperset(of: ["FULLY_CONNECTED", "SPLIT", "LOGISTIC", "TANH", "MUL", "ADD"]))
        #expect(!T.ops(report).contains("UNIDIRECTIONAL_SEQUENCE_LSTM"))
        let shapes = written.graph.outputs.map { $0.type?.tensorType?.shape?.map(\.fixedValue) ?? [] }
        let d: Int64 = direction == "bidirectional" ? 2 : 1
        #expect(shapes == [[3, d, 2, 5], [d, 2, 5], [d, 2, 5]])
    }

    @Test("LSTM variants with no unrolled form are refused up front with the reason")
    func lstmRefusals() throws {
        #expect(try T.blockers(Self.lstm(direction: "forward", peepholes: false, extra: [Attribute(name: "clip", value: .float(3))]))
            .contains { $0.contains("clip") })
        #expect(try T.blockers(Self.lstm(direction: "forward", peepholes: false, weightsInput: true)).contains { $0.contains("W must be a constant") })
        let relu = Attribute(name: "activations", value: .strings(["Relu", "Tanh", "Tanh"].map { Array($0.utf8) }))
        #expect(try T.blockers(Self.lstm(direction: "forward", peepholes: false, extra: [relu])).contains { $0.contains("activations") })
    }
}
