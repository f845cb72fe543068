import ConverterTestSupport
import Foundation
import ModelConvKit
import ModelIR
import ONNXFormat
import Testing

/// Variants TFLite's builtins cannot express are refused before anything is written, with the
/// reason also listed by `ops --target tflite MODEL`; the op table shows the limits. (The ONNX node
/// tests judge every claimed op in LiteRT: `Tests/interop/onnx_node_tests_to_tflite.py`.)
@Suite("ONNX → TFLite pre-flight")
struct ONNXToTFLitePreflightTests {
    /// x (`type`, [2, 3]) → `node` → y (and `extra` when `outputs` is 2).
    static func single(_ node: Node, _ type: DataType, output: DataType? = nil, outputDims: [Int64] = [2, 3], outputs: Int = 1) -> Model {
        func info(_ name: String, _ t: DataType, _ dims: [Int64]) -> ValueInfo {
            ValueInfo(name: name, type: ValueType(.tensor(TensorType(elementType: t, shape: dims.map { .fixed($0) }))))
        }
        let names = ["y", "extra"].prefix(outputs)
        let graph = Graph(name: "single", inputs: [info("x", type, [2, 3])], outputs: names.map { info($0, output ?? type, outputDims) },
                          nodes: [node])
        return Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)], producerName: "modelconv-tests", graph: graph)
    }

    /// Writes `model`, converts it to .tflite; returns the error (nil when it converted) and whether a file was written.
    func convert(_ model: Model) throws -> (ModelConvError?, Bool, [String]) {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("m.onnx").path, output = folder.appendingPathComponent("m.tflite").path
        try ONNXWriter().write(model, to: source)
        let blockers = try ModelConverter().ops(target: .tflite, model: source).blockers
        do {
            _ = try ModelConverter().convert(input: source, output: output)
            return (nil, true, blockers)
        } catch {
            return (error, FileManager.default.fileExists(atPath: output), blockers)
        }
    }

    @Test("an element type TFLite's kernel rejects is refused by the pre-flight, naming the supported types")
    func elementType() throws {
        let (error, written, blockers) = try convert(Self.single(Node(opType: "Add", inputs: ["x", "x"], outputs: ["y"]), .uint8))
        #expect(error?.exitCode == 2)
        #expect(!written)
        #expect(blockers.count == 1 && blockers[0].contains("Add of uint8 is not supported (supported: float32, int32, int64)"))
        #expect(try ModelConverter().ops(target: .tflite, model: nil).supported.contains("Add — float32, int32, int64"))
    }

    @Test("MaxPool's Indices output and a Cast to string are refused by the pre-flight")
    func attributesAndOutputs() throws {
        let pool = Node(opType: "MaxPool", inputs: ["x"], outputs: ["y", "extra"], attributes: [Attribute(name: "kernel_shape", value: .ints([1, 1]))])
        let (poolError, _, poolBlockers) = try convert(Self.single(pool, .float, outputs: 2))
        #expect(poolError?.exitCode == 2 && poolBlockers.first?.contains("Indices output") == true)
        let cast = Node(opType: "Cast", inputs: ["x"], outputs: ["y"], attributes: [Attribute(name: "to", value: .int(8))])
        let (castError, _, castBlockers) = try convert(Self.single(cast, .float, output: .string))
        #expect(castError?.exitCode == 2 && castBlockers.first?.contains("Cast to string") == true)
    }

    @Test("a graph output that folds to a constant (Shape) is written and validates")
    func constantOutput() throws {
        let (error, written, blockers) = try convert(Self.single(Node(opType: "Shape", inputs: ["x"], outputs: ["y"]), .float, output: .int64, outputDims: [2]))
        #expect(error == nil && written && blockers.isEmpty)
    }
}
