import Interpreter
import ModelIR
import Passes
import Testing

@Suite("Transpose sinking")
struct TransposeSinkingTests {
    static let toLast: [Int64] = [0, 2, 3, 1]
    static let toFirst: [Int64] = [0, 3, 1, 2]

    static func transpose(_ x: String, _ y: String, _ perm: [Int64]) -> Node {
        Node(name: y, opType: "Transpose", inputs: [x], outputs: [y], attributes: [Attribute(name: "perm", value: .ints(perm))])
    }

    static func scalar<T>(_ name: String, _ type: DataType, _ value: T, dims: [Int64] = []) -> Tensor {
        Tensor(name: name, dataType: type, dims: dims, contents: .bytes(withUnsafeBytes(of: value) { ByteView(copying: $0) }))
    }

    static func info(_ name: String, _ type: DataType, _ dims: [Int64]) -> ValueInfo {
        ValueInfo(name: name, type: ValueType(.tensor(TensorType(elementType: type, shape: dims.map { .fixed($0) }))))
    }

    static func model(_ nodes: [Node], inputs: [ValueInfo], output: ValueInfo, initializers: [Tensor] = []) -> Model {
        Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)],
              graph: Graph(name: "g", inputs: inputs, outputs: [output], initializers: initializers, nodes: nodes))
    }

    static func run(_ m: Model, _ feeds: [String: NDArray]) throws -> NDArray {
        try #require(try Interpreter(model: m).run(inputs: feeds.mapValues { .tensor($0) }).output("y")?.tensor)
    }

    @Test("a Transpose undone by the next one disappears with it")
    func cancelPair() throws {
        var m = Self.model([Self.transpose("x", "a", Self.toLast), Self.transpose("a", "b", Self.toFirst),
                            Node(opType: "Relu", inputs: ["b"], outputs: ["y"])],
                           inputs: [Self.info("x", .float, [1, 2, 3, 4])], output: Self.info("y", .float, [1, 2, 3, 4]))
        #expect(try TransposeSinking().run(&m))
        #expect(m.graph.nodes.map(\.opType) == ["Relu"])
        #expect(m.graph.nodes[0].inputs == ["x"])
    }

    @Test("a channels-last QDQ chain with a one-element constant runs channels-first, with equal results")
    func throughQDQAndBroadcast() throws {
        let nodes = [
            Self.transpose("x", "xl", Self.toLast),
            Node(opType: "DequantizeLinear", inputs: ["xl", "s", "z"], outputs: ["d"]),
            Node(opType: "Add", inputs: ["d", "three"], outputs: ["sum"]),
            Node(opType: "Clip", inputs: ["sum", "lo", ""], outputs: ["c"]),
            Node(opType: "QuantizeLinear", inputs: ["c", "s", "z"], outputs: ["q"]),
            Self.transpose("q", "y", Self.toFirst),
        ]
        let inits = [Self.scalar("s", .float, Float(0.5)), Self.scalar("z", .int8, Int8(3)),
                     Self.scalar("three", .float, Float(3), dims: [1, 1, 1, 1]), Self.scalar("lo", .float, Float(0))]
        let source = Self.model(nodes, inputs: [Self.info("x", .int8, [1, 2, 2, 3])], output: Self.info("y", .int8, [1, 2, 2, 3]), initializers: inits)
        var m = source
        #expect(try TransposeSinking().run(&m))
        #expect(m.graph.nodes.map(\.opType) == ["DequantizeLinear", "Add", "Clip", "QuantizeLinear"])
        #expect(m.graph.nodes[0].inputs.first == "x")
        #expect(m.graph.nodes.last?.outputs == ["y"])
        let x = NDArray(dataType: .int8, shape: [1, 2, 2, 3], storage: .int8((0..<12).map { Int8($0 * 11 % 23 - 11) }))
        #expect(try Self.run(m, ["x": x]) == Self.run(source, ["x": x]))
    }

    @Test("Concat of views concatenates the sources on the axis mapped through the perm")
    func concatAxis() throws {
        let nodes = [
            Self.transpose("p", "pl", Self.toLast), Self.transpose("q", "ql", Self.toLast),
            Node(opType: "Concat", inputs: ["pl", "ql"], outputs: ["c"], attributes: [Attribute(name: "axis", value: .int(-1))]),
            Self.transpose("c", "y", Self.toFirst),
        ]
        let source = Self.model(nodes, inputs: [Self.info("p", .float, [1, 2, 2, 2]), Self.info("q", .float, [1, 1, 2, 2])],
                                output: Self.info("y", .float, [1, 3, 2, 2]))
        var m = source
        #expect(try TransposeSinking().run(&m))
        #expect(m.graph.nodes.map(\.opType) == ["Concat"])
        #expect(m.graph.nodes[0].inputs == ["p", "q"])
        #expect(m.graph.nodes[0].attribute("axis")?.value == .int(1))
        let feeds = ["p": NDArray(shape: [1, 2, 2, 2], floats: (0..<8).map(Float.init)), "q": NDArray(shape: [1, 1, 2, 2], floats: [-1, -2, -3, -4])]
        #expect(try Self.run(m, feeds) == Self.run(source, feeds))
    }

    @Test("a per-channel operand blocks the move: nothing changes")
    func perChannelOperandStays() throws {
        let nodes = [Self.transpose("x", "xl", Self.toLast), Node(opType: "Add", inputs: ["xl", "bias"], outputs: ["s"]),
                     Self.transpose("s", "y", Self.toFirst)]
        let bias = Tensor(name: "bias", dataType: .float, dims: [2], contents: .bytes([Float(1), 2].withUnsafeBytes { ByteView(copying: $0) }))
        var m = Self.model(nodes, inputs: [Self.info("x", .float, [1, 2, 1, 1])], output: Self.info("y", .float, [1, 2, 1, 1]), initializers: [bias])
        let before = m
        #expect(try !TransposeSinking().run(&m))
        #expect(m == before)
    }

    @Test("a move that cancels nothing is not kept (a graph output still needs its Transpose)")
    func noGainNoChange() throws {
        var m = Self.model([Self.transpose("x", "xl", Self.toLast), Node(opType: "Relu", inputs: ["xl"], outputs: ["y"])],
                           inputs: [Self.info("x", .float, [1, 2, 3, 4])], output: Self.info("y", .float, [1, 3, 4, 2]))
        let before = m
        #expect(try !TransposeSinking().run(&m))
        #expect(m == before)
    }
}
