import ConverterTestSupport
import Foundation
import Interpreter
import ModelConvKit
import ModelIR
import Testing
@testable import TFLiteFormat

/// TFLite → ONNX → TFLite keeps a reshape target computed from a dynamic dim at run time
/// (issue 8, point 2): SHAPE → STRIDED_SLICE → PACK → RESHAPE, as TensorFlow writes
/// `reshape(x, [batch, 2, 3])`, comes back as those operators instead of a constant target.
@Suite("TFLite → ONNX → TFLite: run-time reshape targets")
struct TFLiteONNXRuntimeShapeRoundTripTests {
    typealias Provenance = TFLiteRoundTripProvenanceTests

    static func op(_ type: String, _ inputs: [String], _ output: String, version: Int64 = 1, options: String? = nil,
                   _ fields: [(String, Int64)] = []) -> Node {
        var attrs = [Attribute(name: TFLiteDialect.versionAttribute, value: .int(version))]
        if let options { attrs.append(Attribute(name: TFLiteDialect.optionsAttribute, value: .string(Array(options.utf8)))) }
        attrs += fields.map { Attribute(name: $0.0, value: .int($0.1)) }
        return Node(name: output, opType: type, domain: TFLiteDialect.domain, inputs: inputs, outputs: [output], attributes: attrs)
    }

    static func info(_ name: String, _ type: DataType, _ dims: [Dim]) -> ValueInfo {
        ValueInfo(name: name, type: ValueType(.tensor(TensorType(elementType: type, shape: dims))))
    }

    static func int32s(_ name: String, _ values: [Int32], scalar: Bool = false) -> Tensor {
        Tensor(name: name, dataType: .int32, dims: scalar ? [] : [Int64(values.count)],
               contents: .bytes(values.withUnsafeBytes { ByteView(copying: $0) }))
    }

    /// x [batch, 6] (batch dynamic unless `fixedBatch`) → reshape to [shape(x)[0], 2, 3].
    static func model(fixedBatch: Bool = false) -> Model {
        let batch: Dim = fixedBatch ? .fixed(2) : .unknown
        let nodes = [
            op("SHAPE", ["x"], "s", options: "ShapeOptions", [("out_type", 2)]),
            op("STRIDED_SLICE", ["s", "begin", "end", "strides"], "n", version: 2, options: "StridedSliceOptions", [("shrink_axis_mask", 1)]),
            op("PACK", ["n", "two", "three"], "target", version: 2, options: "PackOptions", [("values_count", 3), ("axis", 0)]),
            op("RESHAPE", ["x", "target"], "y"),
        ]
        let graph = Graph(name: "main", inputs: [info("x", .float, [batch, .fixed(6)])], outputs: [info("y", .float, [batch, .fixed(2), .fixed(3)])],
                          valueInfos: [info("s", .int32, [.fixed(2)]), info("n", .int32, []), info("target", .int32, [.fixed(3)])],
                          initializers: [int32s("begin", [0]), int32s("end", [1]), int32s("strides", [1]),
                                         int32s("two", [2], scalar: true), int32s("three", [3], scalar: true)],
                          nodes: nodes)
        return Model(opsetImports: [OpsetImport(domain: "tflite", version: 3)], graph: graph)
    }

    static func node(_ g: Graph, _ op: String) throws -> Node { try #require(g.nodes.first { $0.opType == op }) }

    @Test("SHAPE → STRIDED_SLICE → PACK → RESHAPE of a dynamic batch comes back with the same options; the output stays dynamic")
    func runtimeTargetComesBack() throws {
        let (onnx, back) = try Provenance.roundTrip(Self.model())
        #expect(onnx.graph.nodes.contains { $0.opType == "Shape" && TFLiteProvenance.sourceOperator(of: $0) == "SHAPE" })
        let g = back.graph
        #expect(Provenance.histogram(g) == ["SHAPE": 1, "STRIDED_SLICE": 1, "PACK": 1, "RESHAPE": 1])
        let shape = try Self.node(g, "SHAPE"), slice = try Self.node(g, "STRIDED_SLICE"), pack = try Self.node(g, "PACK")
        let reshape = try Self.node(g, "RESHAPE")
        #expect(shape.option("out_type") == 2)
        #expect(slice.option("shrink_axis_mask") == 1 && slice.option("begin_mask") == 0 && slice.option("end_mask") == 0)
        #expect(pack.option("values_count") == 3 && pack.option("axis") == 0)
        #expect(slice.inputs[0] == shape.outputs[0] && pack.inputs[0] == slice.outputs[0])
        #expect(reshape.inputs[1] == pack.outputs[0])  // the run-time target, not a constant
        #expect(reshape.attribute("new_shape") == nil)
        let constants = Dictionary(g.initializers.compactMap { t in t.name.map { ($0, t) } }, uniquingKeysWith: { a, _ in a })
        #expect(slice.inputs.dropFirst().map { constants[$0].flatMap(ConstantData.ints) } == [[0], [1], [1]])
        #expect(pack.inputs.dropFirst().map { constants[$0]?.dims } == [[], []])
        #expect(pack.inputs.dropFirst().map { constants[$0].flatMap(ConstantData.ints) } == [[2], [3]])
        #expect(g.outputs.first?.type?.tensorType?.shape?.map(\.fixedValue) == [nil, 2, 3])
        // The target follows the batch at run time.
        let x = NDArray(dataType: .float, shape: [3, 6], storage: .float((0..<18).map { Float($0) * 0.5 }))
        let y = try #require(Interpreter(model: back).run(inputs: ["x": .tensor(x)]).outputs.first?.value.tensor)
        #expect(y.shape == [3, 2, 3])
        #expect(y.storage == x.storage)
    }

    @Test("without the SHAPE record (an ONNX file from elsewhere) the target folds to a constant as before")
    func unrecordedShapeFolds() throws {
        let (_, back) = try Provenance.roundTrip(Self.model()) { m in
            for i in m.graph.nodes.indices { m.graph.nodes[i].metadata = [] }
        }
        #expect(Provenance.histogram(back.graph) == ["RESHAPE": 1])
        // The batch stays dynamic through the constant target's -1 (DynamicDimensions).
        #expect(back.graph.outputs.first?.type?.tensorType?.shape?.map(\.fixedValue) == [nil, 2, 3])
        #expect(back.graph.initializers.compactMap(ConstantData.ints).contains([-1, 2, 3]))
    }

    @Test("of a static batch the recorded SHAPE folds: nothing varies at run time")
    func staticShapeFolds() throws {
        let (onnx, back) = try Provenance.roundTrip(Self.model(fixedBatch: true))
        #expect(onnx.graph.nodes.contains { TFLiteProvenance.sourceOperator(of: $0) == "SHAPE" })
        #expect(Provenance.histogram(back.graph) == ["RESHAPE": 1])
    }

    @Test("a shape value that also leaves the chain (a graph output) folds as before")
    func escapingShapeFolds() throws {
        let (_, back) = try Provenance.roundTrip(Self.model()) { m in
            guard let shape = m.graph.nodes.first(where: { $0.opType == "Shape" }) else { return }
            m.graph.outputs.append(Self.info(shape.outputs[0], .int64, [.fixed(2)]))
        }
        #expect(!back.graph.nodes.contains { ["SHAPE", "PACK"].contains($0.opType) })
    }
}
