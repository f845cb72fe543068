import Interpreter
import ModelIR
import Testing

/// Conv → BatchNormalization → Relu (and Conv → Relu) run as one step on the float program, with
/// bit-for-bit the results of the separate kernels; a value read elsewhere keeps its op separate.
@Suite("Interpreter: Conv epilogues fused")
struct ConvEpilogueFusionTests {
    static func ints(_ name: String, _ v: [Int64]) -> Attribute { Attribute(name: name, value: .ints(v)) }

    /// x → Conv(3→4, 3×3, pad 1) → BatchNormalization → Relu → y; then Conv(4→2, 1×1) → Relu → z.
    /// With `extraReader`, the first BatchNormalization's output is also a graph output.
    static func model(type: DataType = .float, extraReader: Bool = false) -> Model {
        var r = FastPathTests.Numbers(state: 4242)
        func tensor(_ shape: [Int], _ name: String, scale: Float = 1, positive: Bool = false) -> Tensor {
            let values = (0..<shape.reduce(1, *)).map { _ in positive ? abs(r.float()) + 0.1 : r.float() * scale }
            return NDArray(dataType: type, shape: shape, doubles: values.map(Double.init)).toTensor(name: name)
        }
        let initializers = [
            tensor([4, 3, 3, 3], "w", scale: 0.3), tensor([4], "b"), tensor([4], "scale"), tensor([4], "bias"), tensor([4], "mean"),
            tensor([4], "var", positive: true), tensor([2, 4, 1, 1], "w2", scale: 0.5),
        ]
        let nodes = [
            Node(opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: [ints("pads", [1, 1, 1, 1])]),
            Node(opType: "BatchNormalization", inputs: ["c", "scale", "bias", "mean", "var"], outputs: ["bn"],
                 attributes: [Attribute(name: "epsilon", value: .float(1e-3))]),
            Node(opType: "Relu", inputs: ["bn"], outputs: ["y"]),
            Node(opType: "Conv", inputs: ["y", "w2"], outputs: ["c2"]),
            Node(opType: "Relu", inputs: ["c2"], outputs: ["z"]),
        ]
        var outputs = [ValueInfo(name: "y", type: nil), ValueInfo(name: "z", type: nil)]
        if extraReader { outputs.append(ValueInfo(name: "bn", type: nil)) }
        let graph = Graph(inputs: [ValueInfo(name: "x", type: ValueType(.tensor(TensorType(elementType: type, shape: nil))))],
                          outputs: outputs, initializers: initializers, nodes: nodes)
        return Model(opsetImports: [OpsetImport(domain: "", version: 15)], graph: graph)
    }

    static func input(_ type: DataType = .float) -> [String: RuntimeValue] {
        var r = FastPathTests.Numbers(state: 99)
        return ["x": .tensor(NDArray(dataType: type, shape: [2, 3, 5, 6], doubles: (0..<180).map { _ in Double(r.float()) }))]
    }

    /// Runs fast (profiled) and traced; expects equal outputs and returns the op types the fast run called.
    static func runBothWays(_ model: Model, _ type: DataType = .float) throws -> Set<String> {
        let interpreter = Interpreter(model: model)
        let profile = OpProfile()
        let fast = try interpreter.run(inputs: input(type), profile: profile)
        let traced = try interpreter.run(inputs: input(type), keepIntermediates: true)
        #expect(fast.outputs.count == traced.outputs.count)
        for (name, value) in traced.outputs {
            let a = try #require(fast.output(name)?.tensor), b = try #require(value.tensor)
            #expect(a == b, "output \(name)")
        }
        return Set(profile.entries.map(\.op))
    }

    @Test func fusedStepsGiveTheSeparateKernelsResultsBitForBit() throws {
        let ops = try Self.runBothWays(Self.model())
        #expect(ops == ["Conv+BatchNormalization+Relu", "Conv+Relu"])
    }

    /// x → Conv → BatchNormalization → hard-swish as exporters write it (Add 3, Clip 0…6, Mul, Div 6) → y,
    /// with Clip's bounds as inputs (opset 11+) or attributes (before).
    static func hardSwishModel(opset: Int64, type: DataType = .float, withoutNormalization: Bool = false) -> Model {
        var m = model(type: type)
        m.opsetImports = [OpsetImport(domain: "", version: opset)]
        func scalar(_ name: String, _ v: Double) -> Tensor { NDArray(dataType: type, shape: [], doubles: [v]).toTensor(name: name) }
        m.graph.initializers += [scalar("three", 3), scalar("zero", 0), scalar("six", 6)]
        let clip = opset >= 11
            ? Node(opType: "Clip", inputs: ["a3", "zero", "six"], outputs: ["cl"])
            : Node(opType: "Clip", inputs: ["a3"], outputs: ["cl"],
                   attributes: [Attribute(name: "min", value: .float(0)), Attribute(name: "max", value: .float(6))])
        let x = withoutNormalization ? "c" : "bn"
        m.graph.nodes = Array(m.graph.nodes.prefix(withoutNormalization ? 1 : 2)) + [
            Node(opType: "Add", inputs: [x, "three"], outputs: ["a3"]), clip,
            Node(opType: "Mul", inputs: ["cl", x], outputs: ["m"]),
            Node(opType: "Div", inputs: ["m", "six"], outputs: ["y"]),
        ] + Array(m.graph.nodes.dropFirst(3))
        return m
    }

    @Test(arguments: [Int64(9), 15])
    func hardSwishAfterTheNormalizationFusesToo(opset: Int64) throws {
        let ops = try Self.runBothWays(Self.hardSwishModel(opset: opset))
        #expect(ops == ["Conv+BatchNormalization+HardSwish", "Conv+Relu"])
        // Double constants keep the chain separate (its in-place form is Float); the Relu step still folds.
        let double = try Self.runBothWays(Self.hardSwishModel(opset: opset, type: .double, withoutNormalization: true), .double)
        #expect(double == ["Conv", "Add", "Clip", "Mul", "Div", "Conv+Relu"])
    }

    @Test func aValueReadElsewhereEndsTheFusedStep() throws {
        // `bn` is also a graph output: Conv and BatchNormalization fuse, the Relu after it stays separate.
        let ops = try Self.runBothWays(Self.model(extraReader: true))
        #expect(ops == ["Conv+BatchNormalization", "Relu", "Conv+Relu"])
    }

    @Test func parametersARunMayReplaceAreNotBakedIn() throws {
        // `scale` is also a graph input (its initializer a default): a run that gives it must see it.
        var model = Self.model()
        model.graph.inputs.append(ValueInfo(name: "scale", type: nil))
        let interpreter = Interpreter(model: model)
        var feeds = Self.input()
        feeds["scale"] = .tensor(NDArray(shape: [4], floats: [2, -1, 0.5, 3]))
        let profile = OpProfile()
        let fast = try interpreter.run(inputs: feeds, profile: profile)
        let traced = try interpreter.run(inputs: feeds, keepIntermediates: true)
        #expect(fast.output("y")?.tensor == traced.output("y")?.tensor)
        #expect(profile.entries.map(\.op).contains("BatchNormalization"))
    }

    @Test func beforeIRVersion4InitializersListedAsInputsAreConstants() throws {
        // IR 3 lists every initializer as a graph input; they are constants there (as onnxruntime treats them).
        var model = Self.model()
        model.irVersion = 3
        model.graph.inputs += model.graph.initializers.compactMap(\.name).map { ValueInfo(name: $0, type: nil) }
        #expect(try Self.runBothWays(model) == ["Conv+BatchNormalization+Relu", "Conv+Relu"])
        var feeds = Self.input()
        feeds["scale"] = .tensor(NDArray(shape: [4], floats: [2, -1, 0.5, 3]))
        do {
            _ = try Interpreter(model: model).run(inputs: feeds)
            Issue.record("an IR 3 initializer was accepted as an input")
        } catch {
            #expect(error.description.contains("'scale' is an initializer of this IR version 3 model"), "\(error)")
        }
    }

    @Test func otherFloatTypesRunTheSeparateKernelsInsideTheFusedStep() throws {
        // Double parameters keep BatchNormalization separate; Conv+Relu fuses and runs both kernels on Double.
        let ops = try Self.runBothWays(Self.model(type: .double), .double)
        #expect(ops == ["Conv", "BatchNormalization", "Relu", "Conv+Relu"])
    }
}
