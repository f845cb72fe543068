import Interpreter
import ModelIR
import Testing

/// Runs that keep no intermediates index values by slot; subgraphs still see every enclosing
/// graph's values by name, at any depth, and give the traced run's results.
@Suite("Interpreter: slot-indexed runs with nested subgraphs")
struct SlotProgramTests {
    /// y = If(c) { m = a · 2; If(c) { a + m } else { −m } } else { a }, with a = |x| read only inside.
    static func model() -> Model {
        let inner = Attribute(name: "then_branch", value: .graph(Graph(outputs: [ValueInfo(name: "t2", type: nil)],
                                                                       nodes: [Node(opType: "Add", inputs: ["a", "m"], outputs: ["t2"])])))
        let innerElse = Attribute(name: "else_branch", value: .graph(Graph(outputs: [ValueInfo(name: "e2", type: nil)],
                                                                           nodes: [Node(opType: "Neg", inputs: ["m"], outputs: ["e2"])])))
        let then = Graph(outputs: [ValueInfo(name: "t1", type: nil)], nodes: [
            Node(opType: "Mul", inputs: ["a", "two"], outputs: ["m"]),
            Node(opType: "If", inputs: ["c"], outputs: ["t1"], attributes: [inner, innerElse]),
        ])
        let otherwise = Graph(outputs: [ValueInfo(name: "a", type: nil)], nodes: [])
        let graph = Graph(inputs: [ValueInfo(name: "x", type: nil), ValueInfo(name: "c", type: nil)],
                          outputs: [ValueInfo(name: "y", type: nil)],
                          initializers: [NDArray(shape: [], floats: [2]).toTensor(name: "two")],
                          nodes: [
                              Node(opType: "Abs", inputs: ["x"], outputs: ["a"]),
                              Node(opType: "If", inputs: ["c"], outputs: ["y"], attributes: [
                                  Attribute(name: "then_branch", value: .graph(then)), Attribute(name: "else_branch", value: .graph(otherwise)),
                              ]),
                          ])
        return Model(opsetImports: [OpsetImport(domain: "", version: 21)], graph: graph)
    }

    @Test func nestedSubgraphsReadEnclosingValuesByName() throws {
        let interpreter = Interpreter(model: Self.model())
        let x = RuntimeValue.tensor(NDArray(shape: [3], floats: [-1, 2, -3.5]))
        let expectations: [(Bool, [Float])] = [(true, [3, 6, 10.5]), (false, [1, 2, 3.5])]
        for (condition, expected) in expectations {
            let feeds: [String: RuntimeValue] = ["x": x, "c": .tensor(NDArray(shape: [], bools: [condition]))]
            let fast = try interpreter.run(inputs: feeds)
            let traced = try interpreter.run(inputs: feeds, keepIntermediates: true)
            #expect(fast.output("y")?.tensor?.storage == .float(expected))
            #expect(fast.output("y")?.tensor == traced.output("y")?.tensor)
        }
    }

    @Test func aValueNoGraphComputesIsReportedByName() throws {
        var m = Self.model()
        m.graph.nodes[0].outputs = ["unused"]  // nothing computes `a` any more
        let feeds: [String: RuntimeValue] = ["x": .tensor(NDArray(shape: [1], floats: [1])), "c": .tensor(NDArray(shape: [], bools: [true]))]
        #expect(throws: InterpreterError.self) { try Interpreter(model: m).run(inputs: feeds) }
        do {
            _ = try Interpreter(model: m).run(inputs: feeds)
        } catch {
            #expect("\(error)".contains("'a'"))
        }
    }
}
