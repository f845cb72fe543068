import ConverterTestSupport
import Foundation
import Interpreter
import ModelIR
import ONNXFormat
import Passes
import Testing
@testable import TFLiteFormat

/// TFLite int8 → ONNX (exact integer form) → TFLite gives back the original operators (issue 8,
/// acceptance 2): each exact group carries a record of its operator, and the raising accepts the
/// record only when lowering it again gives the group, constants included.
@Suite("TFLite int8 → ONNX → TFLite (exact groups raise back)")
struct TFLiteONNXInt8RoundTripTests {
    typealias Net = TFLiteToONNXInt8Tests

    /// Lowers `model` to ONNX, writes and reads the ONNX file (the record lives in node metadata).
    static func lowered(_ model: Model) throws -> Model {
        var onnx = model
        _ = try TFLiteLowering(exactIntegers: true).run(&onnx)
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("lowered.onnx").path
        onnx.irVersion = 10
        try ONNXWriter().write(onnx, to: path)
        return try ONNXReader().read(path: path)
    }

    static func raised(_ onnx: Model) throws -> Model {
        var back = onnx
        _ = try TFLiteRaising().run(&back)
        return back
    }

    /// The quantization of every tensor of a TFLite-dialect graph, by name.
    static func quantization(_ g: Graph) -> [String: QuantParams] {
        var out: [String: QuantParams] = [:]
        for v in g.inputs + g.outputs + g.valueInfos { if let q = v.quantization { out[v.name] = q } }
        return out
    }

    // MARK: Round trip

    @Test("every exact group raises back to its operator: options, weights, biases, scales and zero points as in the source")
    func groupsRaiseBack() throws {
        let source = Net.network(seed: 3)
        let back = try Self.raised(try Self.lowered(source))
        let g = back.graph
        #expect(g.nodes.map(\.opType) == source.graph.nodes.map(\.opType))
        let sourceQ = Self.quantization(source.graph), backQ = Self.quantization(g)
        let sourceConstants = Dictionary(source.graph.initializers.compactMap { t in t.name.map { ($0, t) } }, uniquingKeysWith: { a, _ in a })
        let backConstants = Dictionary(g.initializers.compactMap { t in t.name.map { ($0, t) } }, uniquingKeysWith: { a, _ in a })
        for (a, b) in zip(source.graph.nodes, g.nodes) {
            #expect(b.outputs == a.outputs)
            #expect(Set(b.attributes) == Set(a.attributes), "options of \(a.opType)")
            #expect(b.inputs.count == a.inputs.count)
            for (x, y) in zip(a.inputs, b.inputs) {
                if let t = sourceConstants[x] {
                    #expect(backConstants[y]?.contents == t.contents && backConstants[y]?.dims == t.dims, "constant \(x) of \(a.opType)")
                }
                if let q = sourceQ[x] {
                    #expect(backQ[y]?.scales == q.scales && backQ[y]?.zeroPoints == q.zeroPoints, "quantization of \(x)")
                    if q.isPerAxis { #expect(backQ[y]?.axis == q.axis, "axis of \(x)") }
                }
            }
            #expect(backQ[b.outputs[0]] == sourceQ[a.outputs[0]], "output of \(a.opType)")
        }
        // Same kernels, same values.
        var r = Net.Values(state: 11)
        for _ in 0..<3 {
            let x = NDArray(dataType: .int8, shape: [1, 6, 6, 2], storage: .int8((0..<72).map { _ in Int8(r.next(-128...127)) }))
            let want = try Net.run(source, x), got = try Net.run(back, x)
            for name in ["c1", "d", "p", "p3", "s", "m", "y"] { #expect(got[name]?.storage == want[name]?.storage, "value \(name)") }
        }
    }

    @Test("int8 SOFTMAX in QDQ form (DequantizeLinear → Softmax → Identity → QuantizeLinear) raises to SOFTMAX on int8")
    func softmaxRaisesToInt8() throws {
        let x = Net.info("x", .int8, [1, 5], Net.q(0.1, 3)), y = Net.info("y", .int8, [1, 5], Net.q(1.0 / 256, -128))
        let graph = Graph(name: "main", inputs: [x], outputs: [y], valueInfos: [x, y],
                          nodes: [Node(opType: "SOFTMAX", domain: "tflite", inputs: ["x"], outputs: ["y"],
                                       attributes: [Attribute(name: "beta", value: .float(1))])])
        let source = Model(opsetImports: [OpsetImport(domain: "tflite", version: 3)], graph: graph)
        let back = try Self.raised(try Self.lowered(source))
        #expect(back.graph.nodes.map(\.opType) == ["SOFTMAX"])
        #expect(back.graph.outputs.first?.quantization == Net.q(1.0 / 256, -128))
        #expect(back.graph.inputs.first?.quantization == Net.q(0.1, 3))
    }

    // MARK: Honesty

    /// The lowered network with one initializer of the group writing `output` changed by `edit`.
    static func tampered(_ hint: String, in output: String, _ edit: (Tensor) -> Tensor) throws -> Model {
        var onnx = try lowered(Net.network(seed: 3))
        let index = try #require(onnx.graph.initializers.firstIndex { ($0.name ?? "").hasPrefix(output + "/" + hint) })
        onnx.graph.initializers[index] = edit(onnx.graph.initializers[index])
        return onnx
    }

    static func plusOne(_ t: Tensor) -> Tensor {
        var values = ConstantData.ints(t) ?? []
        values[0] += 1
        var u = t
        u.contents = .bytes(values.withUnsafeBytes { ByteView(copying: $0) })
        return u
    }

    @Test("a group whose fixed-point multiplier is not the one the recorded scales give is refused, naming the constant")
    func editedMultiplierIsRefused() throws {
        let onnx = try Self.tampered("multiplier", in: "c1", Self.plusOne)
        let blockers = TFLiteRaising.unsupportedNodes(in: onnx)
        #expect(blockers.contains { $0.reason.contains("exact int8 group of CONV_2D not recognised") && $0.reason.contains("constant") })
        #expect(blockers.contains { $0.op == "ConvInteger" })
        var model = onnx
        #expect(throws: PassError.self) { _ = try TFLiteRaising().run(&model) }
    }

    @Test("a group whose clamp bound differs from the recorded activation's is refused")
    func editedClampIsRefused() throws {
        let onnx = try Self.tampered("low", in: "s", Self.plusOne)
        #expect(TFLiteRaising.unsupportedNodes(in: onnx).contains { $0.reason.contains("exact int8 group of ADD not recognised") })
    }

    @Test("a record whose output scale was edited no longer matches the group's multiplier")
    func editedRecordIsRefused() throws {
        var onnx = try Self.lowered(Net.network(seed: 3))
        let i = try #require(onnx.graph.nodes.firstIndex { $0.outputs == ["c1"] })
        let k = try #require(onnx.graph.nodes[i].metadata.firstIndex { $0.key == ExactGroupRecord.outputQuantizationKey })
        onnx.graph.nodes[i].metadata[k].value = "scale 0.041 zero_point -128"
        #expect(TFLiteRaising.unsupportedNodes(in: onnx).contains { $0.reason.contains("exact int8 group of CONV_2D not recognised") })
    }

    @Test("without records the integer ops are refused as before")
    func noRecordNoRaising() throws {
        var onnx = try Self.lowered(Net.network(seed: 3))
        for i in onnx.graph.nodes.indices { onnx.graph.nodes[i].metadata = [] }
        let ops = Set(TFLiteRaising.unsupportedNodes(in: onnx).map(\.op))
        #expect(ops.isSuperset(of: ["ConvInteger", "MatMulInteger"]))
    }

    @Test("lowering for a target without node metadata (.ort) records nothing")
    func noRecordsForORT() throws {
        var recorded = Net.network(seed: 3), plain = recorded
        _ = try TFLiteLowering(exactIntegers: true).run(&recorded)
        _ = try TFLiteLowering(exactIntegers: true, recordsExactGroups: false).run(&plain)
        #expect(recorded.graph.nodes.filter { !$0.metadata.isEmpty }.count == 7)
        #expect(plain.graph.nodes.allSatisfy { $0.metadata.isEmpty })
    }

    // MARK: Record

    @Test("a record reads back as written: options, inline constants, per-channel and per-tensor quantization")
    func recordRoundTrip() throws {
        var record = ExactGroupRecord(op: "DEPTHWISE_CONV_2D",
                                      attributes: [Attribute(name: "_options", value: .string(Array("DepthwiseConv2DOptions".utf8))),
                                                   Attribute(name: "padding", value: .int(1)), Attribute(name: "beta", value: .float(0.1)),
                                                   Attribute(name: "dims", value: .ints([1, -2]))],
                                      inputs: [.value("x"), .value("w"), .absent, .constant(ConstantData.int32Tensor([1, 2], dims: [2]))])
        record.inputQuantization = [0: Net.q(0.0039215689, -128),
                                    1: QuantParams(scales: [1e-05, 0.33333334], zeroPoints: [0, 0], axis: 3)]
        record.outputQuantization = Net.q(0.02, 7)
        let entries = try #require(record.metadata)
        let read = try #require(ExactGroupRecord.read(entries))
        #expect(try read.get() == record)
        #expect(ExactGroupRecord.read([MetadataEntry(key: "other", value: "")]) == nil)
        var broken = entries
        broken[1].value = "padding=x:1"
        #expect(throws: ExactGroupRecord.RecordError.self) { try ExactGroupRecord.read(broken)?.get() }
    }
}
