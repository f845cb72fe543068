@testable import Interpreter
import ModelIR
import Testing

/// A DequantizeLinear → Conv → QuantizeLinear group runs as one QLinearConv (integer sums, one
/// rounding) in runs that keep no intermediates; the float form stays for traced runs, and the
/// two agree within one quantization step. Groups whose bias is not at x_scale · w_scale are
/// left alone.
@Suite("Interpreter: QDQ convolutions fused into QLinearConv")
struct QDQConvFusionTests {
    static func scalar(_ name: String, _ v: Float) -> Tensor { NDArray(shape: [], floats: [v]).toTensor(name: name) }

    /// y = Q(Conv(DQ(x), DQ(w), DQ(b))) on a 1x3x6x6 uint8 input, per-channel int8 weights.
    static func model(biasScaleFactor: Float = 1) -> Model {
        var numbers = FastPathTests.Numbers(state: 42)
        let sx: Float = 0.02, sw: [Float] = [0.01, 0.03, 0.005, 0.02]
        let w = NDArray(dataType: .int8, shape: [4, 3, 3, 3], storage: .int8((0..<108).map { _ in Int8(numbers.int(-127...127)) }))
        let b = NDArray(dataType: .int32, shape: [4], storage: .int32([300, -1200, 45, 7]))
        let initializers = [
            scalar("sx", sx), NDArray(dataType: .uint8, shape: [], storage: .uint8([128])).toTensor(name: "zx"),
            w.toTensor(name: "wq"), NDArray(shape: [4], floats: sw).toTensor(name: "sw"),
            NDArray(dataType: .int8, shape: [4], storage: .int8([0, 0, 0, 0])).toTensor(name: "zw"),
            b.toTensor(name: "bq"), NDArray(shape: [4], floats: sw.map { $0 * sx * biasScaleFactor }).toTensor(name: "sb"),
            scalar("sy", 0.05), NDArray(dataType: .uint8, shape: [], storage: .uint8([100])).toTensor(name: "zy"),
        ]
        let axis = Attribute(name: "axis", value: .int(0))
        let nodes = [
            Node(opType: "DequantizeLinear", inputs: ["xq", "sx", "zx"], outputs: ["x"]),
            Node(opType: "DequantizeLinear", inputs: ["wq", "sw", "zw"], outputs: ["w"], attributes: [axis]),
            Node(opType: "DequantizeLinear", inputs: ["bq", "sb"], outputs: ["b"], attributes: [axis]),
            Node(opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
            Node(opType: "QuantizeLinear", inputs: ["c", "sy", "zy"], outputs: ["y"]),
        ]
        let graph = Graph(inputs: [ValueInfo(name: "xq", type: nil)], outputs: [ValueInfo(name: "y", type: nil)],
                          initializers: initializers, nodes: nodes)
        return Model(opsetImports: [OpsetImport(domain: "", version: 21)], graph: graph)
    }

    static func constants(_ m: Model) throws -> [String: RuntimeValue] {
        var out: [String: RuntimeValue] = [:]
        for t in m.graph.initializers { out[t.name ?? ""] = .tensor(try NDArray(tensor: t)) }
        return out
    }

    @Test("the group becomes one QLinearConv; its DequantizeLinears and the QuantizeLinear go")
    func fusesTheGroup() throws {
        let m = Self.model()
        let entries = try #require(QDQConvFusion.fused(m.graph, constants: try Self.constants(m)))
        let fused = entries.compactMap { entry -> Node? in if case .fused(let n) = entry { return n } else { return nil } }
        #expect(fused.map(\.opType) == ["QLinearConv"])
        #expect(fused.first?.inputs == ["xq", "sx", "zx", "wq", "sw", "zw", "sy", "zy", "bq"])
        #expect(fused.first?.outputs == ["y"])
        // The weight and bias dequantizations fed only the convolution: the group is one node.
        #expect(entries.count == 1)
    }

    @Test("a bias at another scale than x_scale · w_scale is not fused")
    func biasScaleMismatch() throws {
        let m = Self.model(biasScaleFactor: 1.01)
        #expect(QDQConvFusion.fused(m.graph, constants: try Self.constants(m)) == nil)
    }

    @Test("fused and traced runs agree within one quantization step")
    func agreesWithTheFloatForm() throws {
        var numbers = FastPathTests.Numbers(state: 7)
        let x = NDArray(dataType: .uint8, shape: [1, 3, 6, 6], storage: .uint8((0..<108).map { _ in UInt8(numbers.int(0...255)) }))
        let interpreter = Interpreter(model: Self.model())
        let fast = try #require(try interpreter.run(inputs: ["xq": .tensor(x)]).output("y")?.tensor)
        let traced = try #require(try interpreter.run(inputs: ["xq": .tensor(x)], keepIntermediates: true).output("y")?.tensor)
        guard case .uint8(let a) = fast.storage, case .uint8(let b) = traced.storage else {
            Issue.record("outputs are not uint8")
            return
        }
        #expect(a.count == 144)
        #expect(zip(a, b).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
        #expect(zip(a, b).filter { $0 != $1 }.count <= 2)
    }

    // MARK: MaxPool and Concat

    /// a, b (uint8) → DQ → MaxPool / Concat → Q, at one scale and zero point (or Q at `outScale`).
    static func selectionModel(outScale: Float = 0.05) -> Model {
        let initializers = [scalar("s", 0.05), NDArray(dataType: .uint8, shape: [], storage: .uint8([7])).toTensor(name: "z"),
                            scalar("so", outScale)]
        let nodes = [
            Node(opType: "DequantizeLinear", inputs: ["a", "s", "z"], outputs: ["da"]),
            Node(opType: "DequantizeLinear", inputs: ["b", "s", "z"], outputs: ["db"]),
            Node(opType: "MaxPool", inputs: ["da"], outputs: ["p"], attributes: [
                Attribute(name: "kernel_shape", value: .ints([3, 3])), Attribute(name: "strides", value: .ints([2, 2])),
                Attribute(name: "pads", value: .ints([1, 1, 1, 1])),
            ]),
            Node(opType: "QuantizeLinear", inputs: ["p", "s", "z"], outputs: ["pq"]),
            Node(opType: "Concat", inputs: ["da", "db"], outputs: ["c"], attributes: [Attribute(name: "axis", value: .int(1))]),
            Node(opType: "QuantizeLinear", inputs: ["c", "so", "z"], outputs: ["cq"]),
        ]
        let graph = Graph(inputs: [ValueInfo(name: "a", type: nil), ValueInfo(name: "b", type: nil)],
                          outputs: [ValueInfo(name: "pq", type: nil), ValueInfo(name: "cq", type: nil)],
                          initializers: initializers, nodes: nodes)
        return Model(opsetImports: [OpsetImport(domain: "", version: 21)], graph: graph)
    }

    @Test("DQ → MaxPool/Concat → Q at one scale runs on the quantized values, exactly as the float form")
    func selectionsRunQuantized() throws {
        let m = Self.selectionModel()
        let entries = try #require(QDQConvFusion.fused(m.graph, constants: try Self.constants(m)))
        let fused = entries.compactMap { entry -> Node? in if case .fused(let n) = entry { return n } else { return nil } }
        #expect(fused.map(\.opType) == ["MaxPool", "Concat"])
        #expect(fused.map(\.inputs) == [["a"], ["a", "b"]])
        #expect(entries.count == 2)
        var numbers = FastPathTests.Numbers(state: 11)
        let interpreter = Interpreter(model: m)
        for _ in 0..<5 {
            let feeds: [String: RuntimeValue] = Dictionary(uniqueKeysWithValues: ["a", "b"].map { name in
                (name, .tensor(NDArray(dataType: .uint8, shape: [1, 2, 7, 9], storage: .uint8((0..<126).map { _ in UInt8(numbers.int(0...255)) }))))
            })
            let fast = try interpreter.run(inputs: feeds), traced = try interpreter.run(inputs: feeds, keepIntermediates: true)
            for name in ["pq", "cq"] {
                #expect(fast.output(name)?.tensor == traced.output(name)?.tensor, "\(name)")
                #expect(fast.output(name)?.tensor?.dataType == .uint8)
            }
        }
    }

    @Test("a QuantizeLinear at another scale keeps the float form")
    func selectionScaleMismatch() throws {
        let m = Self.selectionModel(outScale: 0.1)
        let entries = try #require(QDQConvFusion.fused(m.graph, constants: try Self.constants(m)))
        let fused = entries.compactMap { entry -> Node? in if case .fused(let n) = entry { return n } else { return nil } }
        #expect(fused.map(\.opType) == ["MaxPool"])
    }
}
