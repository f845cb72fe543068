import Interpreter
import ModelIR
import Testing

/// A float16 graph computed in Float (each float16 result rounded to float16 in place) gives
/// bit-for-bit the outputs of the float16 kernels; graphs with an op the promotion cannot vouch
/// for, or runs given inputs of another type, use the float16 kernels.
@Suite("Interpreter: float16 graphs computed in Float")
struct HalfPromotionTests {
    static func half(_ shape: [Int], _ numbers: inout FastPathTests.Numbers, scale: Float = 1) -> NDArray {
        let n = shape.reduce(1, *)
        return NDArray(dataType: .float16, shape: shape, storage: .float16((0..<n).map { _ in Float16(numbers.float() * scale) }))
    }

    static func ints(_ name: String, _ v: [Int64]) -> Attribute { Attribute(name: name, value: .ints(v)) }

    /// float input → float16 → Conv, BatchNormalization, hard-swish, Dropout, pooling, MatMul, Softmax, … →
    /// one float output and one float16 output.
    static func model(extra: [Node] = []) -> Model {
        var r = FastPathTests.Numbers(state: 77)
        let initializers: [Tensor] = [
            half([4, 3, 3, 3], &r, scale: 0.3).toTensor(name: "w"), half([4], &r).toTensor(name: "b"),
            half([4], &r).toTensor(name: "scale"), half([4], &r).toTensor(name: "bias"), half([4], &r).toTensor(name: "mean"),
            NDArray(dataType: .float16, shape: [4], storage: .float16([0.5, 1, 2, 0.25])).toTensor(name: "var"),
            NDArray(dataType: .float16, shape: [], storage: .float16([3])).toTensor(name: "three"),
            NDArray(dataType: .float16, shape: [], storage: .float16([0])).toTensor(name: "zero"),
            NDArray(dataType: .float16, shape: [], storage: .float16([6])).toTensor(name: "six"),
            half([4, 5], &r, scale: 0.2).toTensor(name: "fc"),
            NDArray(shape: [2], int64s: [1, 4]).toTensor(name: "flat"),
        ]
        let nodes = [
            Node(opType: "Cast", inputs: ["x"], outputs: ["xh"], attributes: [Attribute(name: "to", value: .int(10))]),
            Node(opType: "Conv", inputs: ["xh", "w", "b"], outputs: ["c"], attributes: [ints("pads", [1, 1, 1, 1])]),
            Node(opType: "BatchNormalization", inputs: ["c", "scale", "bias", "mean", "var"], outputs: ["bn"]),
            Node(opType: "Add", inputs: ["bn", "three"], outputs: ["a3"]),
            Node(opType: "Clip", inputs: ["a3", "zero", "six"], outputs: ["cl"]),
            Node(opType: "Mul", inputs: ["bn", "cl"], outputs: ["m"]),
            Node(opType: "Div", inputs: ["m", "six"], outputs: ["hs"]),
            Node(opType: "HardSigmoid", inputs: ["hs"], outputs: ["hsig"]),
            Node(opType: "Mul", inputs: ["hs", "hsig"], outputs: ["se"]),
            Node(opType: "Sigmoid", inputs: ["se"], outputs: ["sg"]),
            Node(opType: "Sub", inputs: ["sg", "hs"], outputs: ["d"]),
            Node(opType: "Relu", inputs: ["d"], outputs: ["rl"]),
            Node(opType: "Dropout", inputs: ["rl"], outputs: ["dr", "mask"]),  // with its boolean mask, as exporters write it
            Node(opType: "MaxPool", inputs: ["dr"], outputs: ["mp"], attributes: [ints("kernel_shape", [2, 2])]),
            Node(opType: "AveragePool", inputs: ["mp"], outputs: ["ap"], attributes: [ints("kernel_shape", [2, 2]), ints("pads", [1, 1, 0, 0])]),
            Node(opType: "GlobalAveragePool", inputs: ["ap"], outputs: ["g"]),
            Node(opType: "Reshape", inputs: ["g", "flat"], outputs: ["f"]),
            Node(opType: "MatMul", inputs: ["f", "fc"], outputs: ["mm"]),
            Node(opType: "Tanh", inputs: ["mm"], outputs: ["t"]),
            Node(opType: "Softmax", inputs: ["t"], outputs: ["sm"]),
            Node(opType: "Cast", inputs: ["sm"], outputs: ["y"], attributes: [Attribute(name: "to", value: .int(1))]),
        ] + extra
        let graph = Graph(inputs: [ValueInfo(name: "x", type: ValueType(.tensor(TensorType(elementType: .float, shape: nil))))],
                          outputs: [ValueInfo(name: "y", type: nil), ValueInfo(name: extra.last?.outputs[0] ?? "hs", type: nil)],
                          initializers: initializers, nodes: nodes)
        return Model(opsetImports: [OpsetImport(domain: "", version: 17)], graph: graph)
    }

    static func input(_ seed: UInt64) -> [String: RuntimeValue] {
        var r = FastPathTests.Numbers(state: seed)
        return ["x": .tensor(NDArray(shape: [1, 3, 9, 9], floats: (0..<243).map { _ in r.float() }))]
    }

    @Test func promotedRunsMatchTheFloat16KernelsBitForBit() throws {
        let interpreter = Interpreter(model: Self.model())
        #expect(interpreter.promotesFloat16)
        for seed: UInt64 in [1, 2, 3, 99] {
            let profile = OpProfile()
            let fast = try interpreter.run(inputs: Self.input(seed), profile: profile)
            // The Conv epilogue folds here too, rounding after each op that computes.
            #expect(profile.entries.contains { $0.op == "Conv+BatchNormalization+HardSwish" })
            let strict = try interpreter.run(inputs: Self.input(seed), keepIntermediates: true)
            #expect(fast.output("hs")?.tensor?.dataType == .float16)
            for name in ["y", "hs"] {
                let (a, b) = (try #require(fast.output(name)?.tensor), try #require(strict.output(name)?.tensor))
                #expect(a == b, "output \(name), seed \(seed)")
            }
            // The float16 chain changes the outputs (the test would not notice a promotion that skipped rounding otherwise).
            #expect(strict.intermediates["hs"]?.tensor?.storage != nil)
        }
    }

    @Test func unroundedFloatWouldDiffer() throws {
        // The same graph computed in float32 throughout gives other values: rounding is what matches.
        var m = Self.model()
        m.graph.nodes[0].attributes = [Attribute(name: "to", value: .int(1))]
        m.graph.initializers = m.graph.initializers.map { t in
            guard t.dataType == .float16, let a = try? NDArray(tensor: t), case .float16(let h) = a.storage else { return t }
            return NDArray(shape: a.shape, floats: h.map { Float($0) }).toTensor(name: t.name)
        }
        let float = try Interpreter(model: m).run(inputs: Self.input(1), keepIntermediates: true)
        let half = try Interpreter(model: Self.model()).run(inputs: Self.input(1))
        #expect(float.output("y")?.tensor != half.output("y")?.tensor)
    }

    @Test func graphsWithOtherOpsUseTheFloat16Kernels() throws {
        let pow = Node(opType: "Pow", inputs: ["hs", "three"], outputs: ["p"])
        let interpreter = Interpreter(model: Self.model(extra: [pow]))
        #expect(!interpreter.promotesFloat16)
        let fast = try interpreter.run(inputs: Self.input(5))
        let strict = try interpreter.run(inputs: Self.input(5), keepIntermediates: true)
        #expect(fast.output("p")?.tensor == strict.output("p")?.tensor)
        #expect(fast.output("p")?.tensor?.dataType == .float16)
    }

    @Test func inputsOfAnotherTypeRunTheFloat16Graph() throws {
        let interpreter = Interpreter(model: Self.model())
        let wrong: [String: RuntimeValue] = ["x": .tensor(NDArray(dataType: .float16, shape: [1, 3, 9, 9], storage: .float16(.init(repeating: 1, count: 243))))]
        // The Cast from float16 to float16 is the identity; both paths agree on what the graph does.
        let fast = try interpreter.run(inputs: wrong)
        let strict = try interpreter.run(inputs: wrong, keepIntermediates: true)
        #expect(fast.output("y")?.tensor == strict.output("y")?.tensor)
    }
}
