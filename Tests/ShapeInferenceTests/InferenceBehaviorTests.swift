import ModelIR
import OpSet
import ShapeInference
import Testing

/// Small graphs: errors for malformed nodes (acceptance 4), conflicts, strict mode, --dim,
/// value inference through shape chains, subgraphs and functions.
@Suite("Shape inference behaviour")
struct InferenceBehaviorTests {
    // MARK: Builders

    static func type(_ dt: DataType, _ dims: [Dim]) -> ValueType { ValueType(.tensor(TensorType(elementType: dt, shape: dims))) }

    static func ints(_ name: String, _ values: [Int64]) -> Tensor {
        Tensor(name: name, dataType: .int64, dims: [Int64(values.count)], contents: .bytes(values.withUnsafeBytes { ByteView(copying: $0) }))
    }

    static func model(inputs: [ValueInfo], outputs: [String], nodes: [Node], initializers: [Tensor] = [],
                      valueInfos: [ValueInfo] = [], functions: [Function] = []) -> Model {
        let g = Graph(name: "g", inputs: inputs, outputs: outputs.map { ValueInfo(name: $0, type: nil) }, valueInfos: valueInfos,
                      initializers: initializers, nodes: nodes)
        return Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)], graph: g, functions: functions)
    }

    static func shape(_ m: Model, _ name: String) -> String? {
        (m.graph.valueInfos + m.graph.outputs).first { $0.name == name }?.type?.description
    }

    static func expectNodeError(_ m: Model, node: String, mentions: String) {
        do {
            _ = try ShapeInferencer().infer(m)
            Issue.record("expected an error naming node '\(node)'")
        } catch {
            #expect(error.node == node, "\(error)")
            #expect(error.description.contains(mentions), "\(error)")
        }
    }

    // MARK: Malformed graphs (acceptance 4)

    @Test("rank mismatch in Concat names the node")
    func concatRank() {
        let m = Self.model(
            inputs: [ValueInfo(name: "a", type: Self.type(.float, [.fixed(2), .fixed(3)])), ValueInfo(name: "b", type: Self.type(.float, [.fixed(2)]))],
            outputs: ["c"], nodes: [Node(name: "join", opType: "Concat", inputs: ["a", "b"], outputs: ["c"], attributes: [Attribute(name: "axis", value: .int(0))])])
        Self.expectNodeError(m, node: "join", mentions: "rank")
    }

    @Test("absurd window attributes (a damaged file's) are an error naming the node, not an overflow",
          arguments: [("dilations", [Int64.max, 1]), ("pads", [Int64.min, 0, 0, 0]), ("strides", [1, 1 << 40])])
    func absurdWindow(attribute: String, values: [Int64]) {
        let m = Self.model(
            inputs: [ValueInfo(name: "x", type: Self.type(.float, [.fixed(1), .fixed(1), .fixed(8), .fixed(8)])),
                     ValueInfo(name: "w", type: Self.type(.float, [.fixed(1), .fixed(1), .fixed(3), .fixed(3)]))],
            outputs: ["y"], nodes: [Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["y"],
                                         attributes: [Attribute(name: attribute, value: .ints(values))])])
        Self.expectNodeError(m, node: "conv", mentions: "out of range")
    }

    @Test("a Conv group beyond 2^31 is an error naming the node, not an overflow")
    func absurdGroup() {
        let m = Self.model(
            inputs: [ValueInfo(name: "x", type: Self.type(.float, [.fixed(1), .fixed(2), .fixed(8), .fixed(8)])),
                     ValueInfo(name: "w", type: Self.type(.float, [.fixed(2), .fixed(1), .fixed(3), .fixed(3)]))],
            outputs: ["y"], nodes: [Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["y"],
                                         attributes: [Attribute(name: "group", value: .int(Int64.max))])])
        Self.expectNodeError(m, node: "conv", mentions: "group")
    }

    @Test("Concat of mismatched dims names the node and the input")
    func concatDims() {
        let m = Self.model(
            inputs: [ValueInfo(name: "a", type: Self.type(.float, [.fixed(2), .fixed(3)])), ValueInfo(name: "b", type: Self.type(.float, [.fixed(2), .fixed(4)]))],
            outputs: ["c"], nodes: [Node(name: "join", opType: "Concat", inputs: ["a", "b"], outputs: ["c"], attributes: [Attribute(name: "axis", value: .int(0))])])
        Self.expectNodeError(m, node: "join", mentions: "'b'")
    }

    @Test("Reshape to an incompatible element count names the node")
    func reshapeCount() {
        let m = Self.model(
            inputs: [ValueInfo(name: "x", type: Self.type(.float, [.fixed(2), .fixed(3)]))],
            outputs: ["y"], nodes: [Node(name: "flat", opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])],
            initializers: [Self.ints("s", [4, -1])])
        Self.expectNodeError(m, node: "flat", mentions: "cannot reshape")
        let symbolic = Self.model(
            inputs: [ValueInfo(name: "x", type: Self.type(.float, [.symbolic("n"), .fixed(3)]))],
            outputs: ["y"], nodes: [Node(name: "flat", opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])],
            initializers: [Self.ints("s", [-1, 2, 3])])
        #expect(throws: Never.self) { _ = try ShapeInferencer().infer(symbolic) }
    }

    @Test("rank mismatch between MatMul operands and broadcast failures name the node")
    func matmulAndBroadcast() {
        let m = Self.model(
            inputs: [ValueInfo(name: "a", type: Self.type(.float, [.fixed(2), .fixed(3)])), ValueInfo(name: "b", type: Self.type(.float, [.fixed(4), .fixed(5)]))],
            outputs: ["c"], nodes: [Node(name: "mm", opType: "MatMul", inputs: ["a", "b"], outputs: ["c"])])
        Self.expectNodeError(m, node: "mm", mentions: "inner dims")
        let add = Self.model(
            inputs: [ValueInfo(name: "a", type: Self.type(.float, [.fixed(2), .fixed(3)])), ValueInfo(name: "b", type: Self.type(.float, [.fixed(4)]))],
            outputs: ["c"], nodes: [Node(name: "sum", opType: "Add", inputs: ["a", "b"], outputs: ["c"])])
        Self.expectNodeError(add, node: "sum", mentions: "broadcast")
        let conv = Self.model(
            inputs: [ValueInfo(name: "x", type: Self.type(.float, [.fixed(1), .fixed(3), .fixed(8)]))],
            outputs: ["y"], nodes: [Node(name: "c1", opType: "Conv", inputs: ["x", "w"], outputs: ["y"])],
            initializers: [Tensor(name: "w", dataType: .float, dims: [4, 3, 3, 3], contents: .bytes(ByteView(copying: [UInt8](repeating: 0, count: 432))))])
        Self.expectNodeError(conv, node: "c1", mentions: "rank")
    }

    @Test("a value nothing defines is an error naming the reader")
    func undefined() {
        let m = Self.model(inputs: [], outputs: ["y"], nodes: [Node(name: "r", opType: "Relu", inputs: ["ghost"], outputs: ["y"])])
        Self.expectNodeError(m, node: "r", mentions: "ghost")
    }

    // MARK: Conflicts and strict mode

    @Test("a declared type that disagrees is reported, and is an error in strict mode")
    func conflicts() throws {
        let m = Self.model(
            inputs: [ValueInfo(name: "x", type: Self.type(.float, [.symbolic("n"), .fixed(4)]))],
            outputs: ["y"], nodes: [Node(name: "act", opType: "Relu", inputs: ["x"], outputs: ["y"])],
            valueInfos: [ValueInfo(name: "y", type: Self.type(.float, [.symbolic("n"), .fixed(5)]))])
        let (_, report) = try ShapeInferencer().infer(m)
        #expect(report.conflicts.count == 1)
        #expect(report.conflicts.first?.node == "act")
        #expect(report.conflicts.first?.value == "y")
        do {
            _ = try ShapeInferencer(options: ShapeInferenceOptions(strict: true)).infer(m)
            Issue.record("strict mode should fail")
        } catch {
            #expect(error.node == "act")
            #expect(error.description.contains("'y'"))
        }
    }

    // MARK: Symbols and values

    @Test("Shape → Gather → Concat → Reshape chains give symbolic targets; --dim fixes them everywhere")
    func shapeChain() throws {
        let nodes = [
            Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"]),
            Node(name: "g0", opType: "Gather", inputs: ["s", "i0"], outputs: ["b"], attributes: [Attribute(name: "axis", value: .int(0))]),
            Node(name: "g1", opType: "Gather", inputs: ["s", "i1"], outputs: ["t"], attributes: [Attribute(name: "axis", value: .int(0))]),
            Node(name: "u0", opType: "Unsqueeze", inputs: ["b", "ax"], outputs: ["b1"]),
            Node(name: "dbl", opType: "Mul", inputs: ["t", "two"], outputs: ["t2"]),
            Node(name: "u1", opType: "Unsqueeze", inputs: ["t2", "ax"], outputs: ["t3"]),
            Node(name: "cat", opType: "Concat", inputs: ["b1", "t3", "m1"], outputs: ["target"], attributes: [Attribute(name: "axis", value: .int(0))]),
            Node(name: "rs", opType: "Reshape", inputs: ["x", "target"], outputs: ["y"]),
        ]
        let scalar = { (name: String, v: Int64) in Tensor(name: name, dataType: .int64, dims: [], contents: .bytes([v].withUnsafeBytes { ByteView(copying: $0) })) }
        let m = Self.model(
            inputs: [ValueInfo(name: "x", type: Self.type(.float, [.symbolic("batch"), .symbolic("seq"), .fixed(6)]))],
            outputs: ["y"], nodes: nodes,
            initializers: [scalar("i0", 0), scalar("i1", 1), scalar("two", 2), Self.ints("ax", [0]), Self.ints("m1", [-1])])
        let (out, _) = try ShapeInferencer().infer(m)
        #expect(Self.shape(out, "y") == "float32[batch,2*seq,3]")
        let (fixed, report) = try ShapeInferencer(options: ShapeInferenceOptions(dims: ["batch": 1, "seq": 5])).infer(m)
        #expect(Self.shape(fixed, "y") == "float32[1,10,3]")
        #expect(fixed.graph.inputs[0].type?.description == "float32[1,5,6]")
        #expect(report.fixedDims == ["batch": 1, "seq": 5])
    }

    @Test("unnamed input dims get names; data-dependent sizes get new symbols counted as unknown")
    func freshSymbols() throws {
        let m = Self.model(
            inputs: [ValueInfo(name: "x", type: Self.type(.float, [.unknown, .fixed(3)]))],
            outputs: ["nz"], nodes: [Node(name: "nz", opType: "NonZero", inputs: ["x"], outputs: ["nz"])])
        let (out, report) = try ShapeInferencer().infer(m)
        #expect(out.graph.inputs[0].type?.description == "float32[x_d0,3]")
        #expect(Self.shape(out, "nz") == "int64[2,nz_d1]")
        #expect(report.namedDims.first?.symbol == "x_d0")
        #expect(report.unknownCount == 1)
    }

    @Test("If branches are inferred with the outer scope; a model-local function is inferred per call")
    func subgraphsAndFunctions() throws {
        let branch = { (op: String, out: String) in
            Graph(name: out, outputs: [ValueInfo(name: out, type: nil)], nodes: [Node(opType: op, inputs: ["x"], outputs: [out])])
        }
        let function = Function(
            name: "Twice", domain: "local", inputs: ["a"], outputs: ["b"],
            nodes: [Node(opType: "Concat", inputs: ["a", "a"], outputs: ["b"], attributes: [Attribute(name: "axis", value: .int(0))])],
            opsetImports: [OpsetImport(domain: "", version: 17)])
        var m = Self.model(
            inputs: [ValueInfo(name: "x", type: Self.type(.float, [.symbolic("n"), .fixed(2)])), ValueInfo(name: "c", type: Self.type(.bool, []))],
            outputs: ["y", "z"],
            nodes: [
                Node(name: "branch", opType: "If", inputs: ["c"], outputs: ["y"], attributes: [
                    Attribute(name: "then_branch", value: .graph(branch("Relu", "ty"))),
                    Attribute(name: "else_branch", value: .graph(branch("Neg", "ey"))),
                ]),
                Node(name: "call", opType: "Twice", domain: "local", inputs: ["y"], outputs: ["z"]),
            ],
            functions: [function])
        m.opsetImports.append(OpsetImport(domain: "local", version: 1))
        let (out, report) = try ShapeInferencer().infer(m)
        #expect(Self.shape(out, "y") == "float32[n,2]")
        #expect(Self.shape(out, "z") == "float32[2*n,2]")
        #expect(report.opsWithoutRule.isEmpty)
        guard case .graph(let then)? = out.graph.nodes[0].attribute("then_branch")?.value else { Issue.record("no branch"); return }
        #expect(then.outputs[0].type?.description == "float32[n,2]")
    }
}
