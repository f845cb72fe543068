import ConverterTestSupport
import Foundation
import ModelConvKit
import ModelIR
import Testing
@testable import TFLiteFormat

/// int8 SPLIT_V → ONNX (DequantizeLinear → Split → QuantizeLinear per output) → TFLite gives back
/// one int8 SPLIT_V (issue 8, point 2): the QDQ fusion takes ops with several outputs when every
/// output is quantized with the same parameters, as TFLite requires for SPLIT and SPLIT_V.
@Suite("TFLite int8 SPLIT_V → ONNX → TFLite")
struct TFLiteONNXInt8SplitRoundTripTests {
    typealias Provenance = TFLiteRoundTripProvenanceTests
    typealias Net = TFLiteToONNXInt8Tests

    /// int8 SPLIT_V of [1, 4, 2] into sizes [3, 1] along axis 1, one scale and zero point throughout.
    static func splitV() -> Model {
        let p = Net.q(0.05, 3)
        let node = Node(name: "split", opType: "SPLIT_V", domain: TFLiteDialect.domain, inputs: ["x", "sizes", "axis"], outputs: ["a", "b"],
                        attributes: [Attribute(name: TFLiteDialect.versionAttribute, value: .int(2)),
                                     Attribute(name: TFLiteDialect.optionsAttribute, value: .string(Array("SplitVOptions".utf8))),
                                     Attribute(name: "num_splits", value: .int(2))])
        let outputs = [Net.info("a", .int8, [1, 3, 2], p), Net.info("b", .int8, [1, 1, 2], p)]
        let graph = Graph(name: "main", inputs: [Net.info("x", .int8, [1, 4, 2], p)], outputs: outputs,
                          valueInfos: outputs + [Net.info("sizes", .int32, [2], nil), Net.info("axis", .int32, [], nil)],
                          initializers: [Net.tensor("sizes", .int32, [2], [3, 1]), Net.tensor("axis", .int32, [], [1])], nodes: [node])
        return Model(opsetImports: [OpsetImport(domain: "tflite", version: 3)], graph: graph)
    }

    @Test("int8 SPLIT_V comes back as one int8 SPLIT_V with the source's scale and zero point on every output")
    func splitComesBackInt8() throws {
        let (onnx, back) = try Provenance.roundTrip(Self.splitV())
        #expect(Provenance.histogram(onnx.graph)["Split"] == 1)
        #expect(Provenance.histogram(onnx.graph)["QuantizeLinear"] == 2)
        #expect(Provenance.histogram(back.graph) == ["SPLIT_V": 1])
        let split = try #require(back.graph.nodes.first)
        #expect(split.option("num_splits") == 2)
        for o in back.graph.outputs {
            #expect(o.type?.tensorType?.elementType == .int8, "type of \(o.name)")
            #expect(o.quantization == Net.q(0.05, 3), "quantization of \(o.name)")
        }
        #expect(back.graph.inputs.first?.quantization == Net.q(0.05, 3))
    }

    @Test("outputs quantized with different parameters stay DEQUANTIZE → float SPLIT_V → QUANTIZE")
    func differingOutputsStayExplicit() throws {
        let (_, back) = try Provenance.roundTrip(Self.splitV()) { m in
            // The second output's QuantizeLinear gets another scale.
            guard let i = m.graph.nodes.lastIndex(where: { $0.opType == "QuantizeLinear" }),
                  let k = m.graph.initializers.firstIndex(where: { $0.name == m.graph.nodes[i].inputs[1] }) else { return }
            let old = m.graph.initializers[k]
            m.graph.initializers[k] = Tensor(name: old.name, dataType: .float, dims: old.dims,
                                             contents: .bytes([Float(0.1)].withUnsafeBytes { ByteView(copying: $0) }))
        }
        let ops = Provenance.histogram(back.graph)
        #expect(ops["SPLIT_V"] == 1)
        #expect(ops["DEQUANTIZE"] == 1)
        #expect(ops["QUANTIZE"] == 2)
        let scales = back.graph.outputs.compactMap { $0.quantization?.scales.first }.sorted()
        #expect(scales == [0.05, 0.1])
    }
}
