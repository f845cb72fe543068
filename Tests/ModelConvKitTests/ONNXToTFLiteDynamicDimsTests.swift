import ConverterTestSupport
import Foundation
import ModelConvKit
import ModelIR
import ONNXFormat
import Testing

/// ONNX → TFLite keeps a dynamic input dim as -1 in `shape_signature` when the raised graph does
/// not depend on its size (a second raising at another size differs only in dims and RESHAPE
/// targets), and fixes it, with the reason in the report, when it does. LiteRT runs the kept ones
/// at other sizes in the interop tier (`onnx_to_tflite.py`).
@Suite("ONNX → TFLite: dynamic dims")
struct ONNXToTFLiteDynamicDimsTests {
    typealias T = ONNXToTFLiteMoreOpsTests

    /// x [N, 4] → Gemm → Relu → Reshape to [3, -1] (the reshape target takes N).
    static func batchModel(extra: [Node] = [], output: String = "y") -> Model {
        var m = T.model([Node(opType: "Gemm", inputs: ["x", "w", "b"], outputs: ["g"], attributes: [T.attr("transB", 1)]),
                         Node(opType: "Relu", inputs: ["g"], outputs: ["r"]),
                         Node(opType: "Reshape", inputs: ["r", "target"], outputs: ["y"])] + extra,
                        inputs: [], outputs: [output],
                        initializers: [T.weights("w", [3, 4]), T.weights("b", [3]), T.int64s("target", [3, -1])])
        m.graph.inputs = [ValueInfo(name: "x", type: ValueType(.tensor(TensorType(elementType: .float, shape: [.symbolic("N"), .fixed(4)]))))]
        return m
    }

    static func convert(_ model: Model, dims: [String: Int] = ["N": 4], keep: Bool = true) throws -> (ConversionReport, Model) {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("m.onnx").path, output = folder.appendingPathComponent("m.tflite").path
        try ONNXWriter().write(model, to: source)
        var options = ConvertOptions()
        options.inputs.dims = dims
        options.keepDynamicDims = keep
        let report = try ModelConverter().convert(input: source, output: output, options: options)
        return (report, try ModelConverter().read(path: output).0)
    }

    static func dims(_ m: Model, _ name: String) -> [Int64?]? {
        (m.graph.inputs + m.graph.outputs).first { $0.name == name }?.type?.tensorType?.shape?.map(\.fixedValue)
    }

    @Test("a batch dim the graph does not depend on stays -1; the RESHAPE target gets -1 where N was")
    func keptBatch() throws {
        let (report, written) = try Self.convert(Self.batchModel(), dims: [:])
        #expect(report.validation?.passed == true)
        #expect(report.passes.contains { $0.hasPrefix("dynamic-dims (N kept") })
        #expect(Self.dims(written, "x") == [nil, 4])
        #expect(Self.dims(written, "y") == [3, nil])
        #expect(T.constantInput(written, "RESHAPE", 1) == [3, -1])
    }

    @Test("--dim fixes a named dim, and keepDynamicDims=false fixes all: no -1 and no note")
    func fixedByOption() throws {
        let (named, a) = try Self.convert(Self.batchModel(), dims: ["N": 4])
        #expect(Self.dims(a, "x") == [4, 4])
        #expect(!named.passes.contains { $0.hasPrefix("dynamic-dims") || $0.hasPrefix("dims-fixed") })
        let (all, b) = try Self.convert(Self.batchModel(), dims: [:], keep: false)
        #expect(Self.dims(b, "x") == [1, 4])
        #expect(!all.passes.contains { $0.hasPrefix("dynamic-dims") })
    }

    @Test("a graph that depends on the size (a slice ending one before N) keeps the given dims and says why")
    func dependentGraphIsFixed() throws {
        let slice = Node(opType: "Slice", inputs: ["y", "starts", "ends", "axes"], outputs: ["s"])
        var m = Self.batchModel(extra: [slice], output: "s")
        m.graph.initializers += [T.int64s("starts", [0]), T.int64s("ends", [-1]), T.int64s("axes", [1])]
        let (report, written) = try Self.convert(m, dims: [:])
        #expect(report.validation?.passed == true)
        #expect(report.passes.contains { $0.hasPrefix("dims-fixed") && $0.contains("N:") })
        #expect(Self.dims(written, "x") == [1, 4])
    }
}
