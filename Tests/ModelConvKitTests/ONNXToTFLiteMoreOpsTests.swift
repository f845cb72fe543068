import ConverterTestSupport
import Foundation
import ModelConvKit
import ModelIR
import ONNXFormat
import Testing

/// ONNX → TFLite of Pad, PRelu, Split and If: each small graph converts, runs in the reference
/// interpreter within tolerance of the ONNX source (the conversion's validation), keeps NHWC
/// between convolutions, and uses the expected TFLite ops; what cannot be raised exactly is
/// refused by the pre-flight.
@Suite("ONNX → TFLite: Pad, PRelu, Split, If")
struct ONNXToTFLiteMoreOpsTests {
    // MARK: Building

    static func values(_ n: Int, _ scale: Float) -> [Float] { (0..<n).map { Float(($0 * 37) % 23 - 11) * scale } }

    static func weights(_ name: String, _ dims: [Int64], _ scale: Float = 0.05) -> Tensor {
        GraphBuilder.floatTensor(name, dims: dims, values: values(Int(dims.reduce(1, *)), scale))
    }

    static func int64s(_ name: String, _ v: [Int64]) -> Tensor {
        Tensor(name: name, dataType: .int64, dims: [Int64(v.count)], contents: .bytes(v.withUnsafeBytes { ByteView(copying: $0) }))
    }

    static func attr(_ name: String, _ v: [Int64]) -> Attribute { Attribute(name: name, value: .ints(v)) }
    static func attr(_ name: String, _ v: Int64) -> Attribute { Attribute(name: name, value: .int(v)) }
    static func attr(_ name: String, _ v: String) -> Attribute { Attribute(name: name, value: .string(Array(v.utf8))) }

    /// A 1x1 Conv from `x` (c channels) to `out` (k channels): makes the value NHWC inside.
    static func conv(_ x: String, _ out: String, _ w: String) -> Node {
        Node(name: out, opType: "Conv", inputs: [x, w], outputs: [out], attributes: [attr("kernel_shape", [1, 1])])
    }

    static func model(_ nodes: [Node], inputs: [ValueInfo], outputs: [String], initializers: [Tensor], opset: Int64 = 17) -> Model {
        let graph = Graph(name: "t", inputs: inputs, outputs: outputs.map { ValueInfo(name: $0, type: nil) },
                          initializers: initializers, nodes: nodes)
        return Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: opset)], producerName: "modelconv-tests", graph: graph)
    }

    static func int64Input(_ name: String, _ n: Int64) -> ValueInfo {
        ValueInfo(name: name, type: ValueType(.tensor(TensorType(elementType: .int64, shape: [.fixed(n)]))))
    }

    /// An .npy file of a 1-D int64 array.
    static func npy(_ values: [Int64], at path: String) throws {
        var header = "{'descr': '<i8', 'fortran_order': False, 'shape': (\(values.count),), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        values.withUnsafeBytes { bytes += $0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    // MARK: Converting

    /// Converts `model` (validated against the source); `given` are int64 inputs written as .npy.
    static func convert(_ model: Model, given: [String: [Int64]] = [:]) throws -> (ConversionReport, Model) {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("m.onnx").path, output = folder.appendingPathComponent("m.tflite").path
        try ONNXWriter().write(model, to: source)
        var options = ConvertOptions()
        for (name, v) in given {
            let path = folder.appendingPathComponent(name + ".npy").path
            try npy(v, at: path)
            options.inputs.files[name] = path
        }
        let report = try ModelConverter().convert(input: source, output: output, options: options)
        return (report, try ModelConverter().read(path: output).0)
    }

    /// The pre-flight's blockers for `model`.
    static func blockers(_ model: Model) throws -> [String] {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("m.onnx").path
        try ONNXWriter().write(model, to: source)
        return try ModelConverter().ops(target: .tflite, model: source).blockers
    }

    static func ops(_ report: ConversionReport) -> Set<String> { Set(report.opsOut.map(\.op)) }

    /// Integer values of the initializer feeding input `i` of the first `op` node.
    static func constantInput(_ m: Model, _ op: String, _ i: Int) -> [Int32]? {
        guard let n = m.graph.nodes.first(where: { $0.opType == op }), i < n.inputs.count,
              let t = m.graph.initializers.first(where: { $0.name == n.inputs[i] }), let v = t.byteView else { return nil }
        return v.withUnsafeBytes { raw in (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) } }
    }

    // MARK: PRelu

    @Test("PRelu between convolutions is PRELU in NHWC (boundary transposes only)")
    func prelu() throws {
        let m = Self.model([Self.conv("x", "c", "w1"), Node(opType: "PRelu", inputs: ["c", "slope"], outputs: ["p"]), Self.conv("p", "y", "w2")],
                           inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 3, 5, 5]))], outputs: ["y"],
                           initializers: [Self.weights("w1", [4, 3, 1, 1]), Self.weights("w2", [2, 4, 1, 1]),
                                          GraphBuilder.floatTensor("slope", dims: [4, 1, 1], values: [0.1, -0.2, 0.3, 0.05])])
        let (report, _) = try Self.convert(m)
        #expect(report.validation?.passed == true)
        #expect(Self.ops(report).contains("PRELU"))
        #expect(report.transposesLeft == 2)
    }

    // MARK: Split

    @Test("Split with sizes → SPLIT_V on the stored channel axis; equal parts → SPLIT")
    func split() throws {
        let sized = Self.model([Self.conv("x", "c", "w"), Node(opType: "Split", inputs: ["c", "sizes"], outputs: ["a", "b"], attributes: [Self.attr("axis", 1)])],
                               inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 3, 4, 4]))], outputs: ["a", "b"],
                               initializers: [Self.weights("w", [6, 3, 1, 1]), Self.int64s("sizes", [2, 4])])
        let (report, written) = try Self.convert(sized)
        #expect(report.validation?.passed == true)
        #expect(Self.ops(report).contains("SPLIT_V"))
        #expect(Self.constantInput(written, "SPLIT_V", 2) == [3])  // NCHW axis 1 is NHWC axis 3
        let equal = Self.model([Self.conv("x", "c", "w"), Node(opType: "Split", inputs: ["c"], outputs: ["a", "b", "d"], attributes: [Self.attr("axis", -3)])],
                               inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 3, 4, 4]))], outputs: ["a", "b", "d"],
                               initializers: [Self.weights("w", [6, 3, 1, 1])])
        let (r2, _) = try Self.convert(equal)
        #expect(r2.validation?.passed == true)
        #expect(Self.ops(r2).contains("SPLIT"))
    }

    @Test("Split sizes from a given graph input stay a run-time SPLIT_V operand; empty parts are refused up front")
    func splitRuntime() throws {
        let m = Self.model([Node(opType: "Split", inputs: ["x", "sizes"], outputs: ["a", "b"], attributes: [Self.attr("axis", 1)])],
                           inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([2, 6])), Self.int64Input("sizes", 2)], outputs: ["a", "b"],
                           initializers: [])
        let (report, written) = try Self.convert(m, given: ["sizes": [1, 5]])
        #expect(report.validation?.passed == true)
        #expect(report.passes.contains { $0.hasPrefix("shapes-from-input-values") })
        let splitV = try #require(written.graph.nodes.first { $0.opType == "SPLIT_V" })
        #expect(!written.graph.initializers.contains { $0.name == splitV.inputs[1] })
        var empty = Self.model([Node(opType: "Split", inputs: ["x"], outputs: ["a", "b"], attributes: [Self.attr("split", [0, 6]), Self.attr("axis", 1)])],
                               inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([2, 6]))], outputs: ["a", "b"], initializers: [])
        empty.opsetImports = [OpsetImport(domain: "", version: 11)]
        #expect(try Self.blockers(empty).contains { $0.contains("empty parts") })
    }

    // MARK: Pad

    @Test("constant Pad with a value after a convolution: PADV2 with NHWC-ordered paddings")
    func padConstant() throws {
        let m = Self.model([Self.conv("x", "c", "w"), Node(opType: "Pad", inputs: ["c", "pads", "value"], outputs: ["p"]), Self.conv("p", "y", "w2")],
                           inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 2, 5, 5]))], outputs: ["y"],
                           initializers: [Self.weights("w", [3, 2, 1, 1]), Self.weights("w2", [2, 3, 1, 1]),
                                          Self.int64s("pads", [0, 0, 1, 2, 0, 0, 2, 1]), GraphBuilder.floatTensor("value", dims: [], values: [0.5])])
        let (report, written) = try Self.convert(m)
        #expect(report.validation?.passed == true)
        #expect(report.transposesLeft == 2)
        // [[N], [H], [W], [C]] begin/end pairs.
        #expect(Self.constantInput(written, "PADV2", 1) == [0, 0, 1, 2, 2, 1, 0, 0])
    }

    @Test("reflect → MIRROR_PAD, edge and wrap → GATHER, negative pads → STRIDED_SLICE", arguments: [
        ("reflect", [0, 0, 1, 2, 0, 0, 2, 1] as [Int64], "MIRROR_PAD"), ("edge", [0, 0, 3, 1, 0, 1, 0, 2], "GATHER"),
        ("wrap", [0, 0, 2, 0, 0, 0, 1, 3], "GATHER"), ("constant", [0, 0, -1, 2, 0, 0, 1, -2], "STRIDED_SLICE"),
        ("reflect", [0, 0, -1, 1, 0, 0, 1, -1], "GATHER"),
    ])
    func padModes(mode: String, pads: [Int64], op: String) throws {
        let m = Self.model([Self.conv("x", "c", "w"), Node(opType: "Pad", inputs: ["c", "pads"], outputs: ["y"], attributes: [Self.attr("mode", mode)])],
                           inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 2, 4, 5]))], outputs: ["y"],
                           initializers: [Self.weights("w", [3, 2, 1, 1]), Self.int64s("pads", pads)], opset: 19)
        let (report, _) = try Self.convert(m)
        #expect(report.validation?.passed == true)
        #expect(Self.ops(report).contains(op))
    }

    @Test("Pad by a given graph input: CAST → GATHER builds the run-time paddings", arguments: ["constant", "reflect"])
    func padRuntime(mode: String) throws {
        let m = Self.model([Self.conv("x", "c", "w"), Node(opType: "Pad", inputs: ["c", "pads"], outputs: ["y"], attributes: [Self.attr("mode", mode)])],
                           inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 2, 4, 5])), Self.int64Input("pads", 8)], outputs: ["y"],
                           initializers: [Self.weights("w", [3, 2, 1, 1])])
        let (report, written) = try Self.convert(m, given: ["pads": [0, 0, 1, 2, 0, 1, 2, 3]])
        #expect(report.validation?.passed == true)
        #expect(Self.ops(report).isSuperset(of: ["CAST", "GATHER", mode == "reflect" ? "MIRROR_PAD" : "PAD"]))
        #expect(report.passes.contains { $0.hasPrefix("shapes-from-input-values") })
        // The pads input is read at run time: the gather order maps NHWC axes to ONNX's [begins, ends].
        #expect(Self.constantInput(written, "GATHER", 1) == [0, 4, 2, 6, 3, 7, 1, 5])
    }

    @Test("edge Pad with run-time pads and a computed pads vector are refused up front")
    func padRefusals() throws {
        let edge = Self.model([Node(opType: "Pad", inputs: ["x", "pads"], outputs: ["y"], attributes: [Self.attr("mode", "edge")])],
                              inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 2, 4, 5])), Self.int64Input("pads", 8)],
                              outputs: ["y"], initializers: [])
        #expect(try Self.blockers(edge).contains { $0.contains("'edge' needs constant pads") })
        let computed = Self.model([Node(opType: "Cast", inputs: ["f"], outputs: ["pads"], attributes: [Self.attr("to", 7)]),
                                   Node(opType: "Pad", inputs: ["x", "pads"], outputs: ["y"])],
                                  inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 2, 4, 5])),
                                           ValueInfo(name: "f", type: GraphBuilder.floatType([8]))],
                                  outputs: ["y"], initializers: [])
        #expect(try Self.blockers(computed).contains { $0.contains("pads computed at run time") })
    }

    // MARK: If

    /// y = If(x.shape[1] == channels) then Relu(x) else Neg(x).
    static func shapeIf(condition: Bool) -> Model {
        let type = GraphBuilder.floatType([1, 3, 4, 4])
        let thenBranch = Graph(name: "then", outputs: [ValueInfo(name: "t", type: type)],
                               nodes: [Node(opType: "Relu", inputs: ["x"], outputs: ["t"])])
        let elseBranch = Graph(name: "else", outputs: [ValueInfo(name: "e", type: type)],
                               nodes: [Node(opType: "Neg", inputs: ["x"], outputs: ["e"])])
        return model([Node(opType: "Shape", inputs: ["x"], outputs: ["s"]),
                      Node(opType: "Gather", inputs: ["s", "one"], outputs: ["c"], attributes: [attr("axis", 0)]),
                      Node(opType: "Equal", inputs: ["c", "channels"], outputs: ["cond"]),
                      Node(opType: "If", inputs: ["cond"], outputs: ["y"],
                           attributes: [Attribute(name: "then_branch", value: .graph(thenBranch)),
                                        Attribute(name: "else_branch", value: .graph(elseBranch))])],
                     inputs: [ValueInfo(name: "x", type: type)], outputs: ["y"],
                     initializers: [Tensor(name: "one", dataType: .int64, dims: [], contents: .bytes([Int64(1)].withUnsafeBytes { ByteView(copying: $0) })),
                                    Tensor(name: "channels", dataType: .int64, dims: [],
                                           contents: .bytes([Int64(condition ? 3 : 4)].withUnsafeBytes { ByteView(copying: $0) }))])
    }

    @Test("an If whose condition folds from static shapes is inlined (the taken branch only)", arguments: [true, false])
    func ifInlined(condition: Bool) throws {
        let (report, _) = try Self.convert(Self.shapeIf(condition: condition))
        #expect(report.validation?.passed == true)
        #expect(Self.ops(report).contains(condition ? "RELU" : "NEG"))
        #expect(!Self.ops(report).contains(condition ? "NEG" : "RELU"))
    }

    @Test("an If on a run-time condition is refused up front")
    func ifDynamic() throws {
        var m = Self.shapeIf(condition: true)
        m.graph.nodes.removeFirst(3)
        m.graph.inputs.append(ValueInfo(name: "cond", type: ValueType(.tensor(TensorType(elementType: .bool, shape: [])))))
        #expect(try Self.blockers(m).contains { $0.contains("condition is computed at run time") })
    }
}
