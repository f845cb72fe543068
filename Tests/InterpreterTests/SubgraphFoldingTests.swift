import Interpreter
import ModelIR
import Testing

/// A subgraph's nodes that read only fixed values of the enclosing graphs are evaluated once, when
/// the interpreter is made, not on every call; a graph input's default value is never fixed.
@Suite("Interpreter: subgraphs fold with the enclosing graphs' constants")
struct SubgraphFoldingTests {
    /// y = If(c) { Neg(w) + x } else { x }, where w is the main graph's initializer (a graph input
    /// too when `wIsInput`, so a run may replace it).
    static func model(wIsInput: Bool) -> Model {
        let then = Graph(outputs: [ValueInfo(name: "t", type: nil)], nodes: [
            Node(opType: "Neg", inputs: ["w"], outputs: ["nw"]),
            Node(opType: "Add", inputs: ["nw", "x"], outputs: ["t"]),
        ])
        let otherwise = Graph(outputs: [ValueInfo(name: "x", type: nil)], nodes: [])
        var inputs = [ValueInfo(name: "x", type: nil), ValueInfo(name: "c", type: nil)]
        if wIsInput { inputs.append(ValueInfo(name: "w", type: nil)) }
        let graph = Graph(inputs: inputs, outputs: [ValueInfo(name: "y", type: nil)],
                          initializers: [NDArray(shape: [2], floats: [1, 2]).toTensor(name: "w")],
                          nodes: [Node(opType: "If", inputs: ["c"], outputs: ["y"], attributes: [
                              Attribute(name: "then_branch", value: .graph(then)), Attribute(name: "else_branch", value: .graph(otherwise)),
                          ])])
        return Model(opsetImports: [OpsetImport(domain: "", version: 21)], graph: graph)
    }

    static let feeds: [String: RuntimeValue] = [
        "x": .tensor(NDArray(shape: [2], floats: [10, 20])), "c": .tensor(NDArray(shape: [], bools: [true])),
    ]

    @Test func aBranchNodeReadingOnlyAnOuterInitializerIsFoldedAhead() throws {
        let profile = OpProfile()
        let result = try Interpreter(model: Self.model(wIsInput: false)).run(inputs: Self.feeds, profile: profile)
        #expect(result.output("y")?.tensor?.storage == .float([9, 18]))
        let calls = Dictionary(uniqueKeysWithValues: profile.entries.map { ($0.op, $0.calls) })
        #expect(calls["Neg"] == nil)
        #expect(calls["Add"] == 1)
        #expect(calls["If"] == 1)
    }

    @Test func aGraphThatOccursTwiceSeesEachPlacesOwnValues() throws {
        // The same branch graph −w inside two bodies that each define their own w.
        let negW = Graph(outputs: [ValueInfo(name: "t", type: nil)], nodes: [Node(opType: "Neg", inputs: ["w"], outputs: ["t"])])
        func body(_ w: [Float], output: String) -> Graph {
            Graph(outputs: [ValueInfo(name: output, type: nil)],
                  initializers: [NDArray(shape: [2], floats: w).toTensor(name: "w")],
                  nodes: [Node(opType: "If", inputs: ["c"], outputs: [output], attributes: [
                      Attribute(name: "then_branch", value: .graph(negW)), Attribute(name: "else_branch", value: .graph(negW)),
                  ])])
        }
        func outerIf(_ w: [Float], _ output: String) -> Node {
            Node(opType: "If", inputs: ["c"], outputs: [output], attributes: [
                Attribute(name: "then_branch", value: .graph(body(w, output: output + "_in"))),
                Attribute(name: "else_branch", value: .graph(body(w, output: output + "_in"))),
            ])
        }
        let graph = Graph(inputs: [ValueInfo(name: "c", type: nil)],
                          outputs: [ValueInfo(name: "a", type: nil), ValueInfo(name: "b", type: nil)],
                          nodes: [outerIf([1, 2], "a"), outerIf([5, 5], "b")])
        let model = Model(opsetImports: [OpsetImport(domain: "", version: 21)], graph: graph)
        let result = try Interpreter(model: model).run(inputs: ["c": .tensor(NDArray(shape: [], bools: [true]))])
        #expect(result.output("a")?.tensor?.storage == .float([-1, -2]))
        #expect(result.output("b")?.tensor?.storage == .float([-5, -5]))
    }

    @Test func anOuterInitializerThatIsAlsoAGraphInputStaysReplaceable() throws {
        let interpreter = Interpreter(model: Self.model(wIsInput: true))
        var feeds = Self.feeds
        feeds["w"] = .tensor(NDArray(shape: [2], floats: [5, 5]))
        #expect(try interpreter.run(inputs: feeds).output("y")?.tensor?.storage == .float([5, 15]))
        #expect(try interpreter.run(inputs: Self.feeds).output("y")?.tensor?.storage == .float([9, 18]))
    }
}

/// `run(profile:)` adds each op's self time and call count; a control-flow op's subgraph ops count
/// under their own types.
@Suite("Interpreter: op profile")
struct OpProfileTests {
    @Test func countsEveryOpOncePerRunIncludingBranchOps() throws {
        let interpreter = Interpreter(model: SubgraphFoldingTests.model(wIsInput: true))
        var feeds = SubgraphFoldingTests.feeds
        feeds["w"] = .tensor(NDArray(shape: [2], floats: [5, 5]))
        let profile = OpProfile()
        for _ in 0..<3 { _ = try interpreter.run(inputs: feeds, profile: profile) }
        let calls = Dictionary(uniqueKeysWithValues: profile.entries.map { ($0.op, $0.calls) })
        #expect(calls == ["If": 3, "Neg": 3, "Add": 3])
        #expect(profile.entries.allSatisfy { $0.seconds >= 0 })
        #expect(profile.entries.map(\.seconds) == profile.entries.map(\.seconds).sorted(by: >))
    }

    @Test func tracedRunsAreProfiledToo() throws {
        let profile = OpProfile()
        _ = try Interpreter(model: SubgraphFoldingTests.model(wIsInput: false))
            .run(inputs: SubgraphFoldingTests.feeds, keepIntermediates: true, profile: profile)
        #expect(profile.entries.map(\.op).sorted() == ["Add", "If"])
    }
}
