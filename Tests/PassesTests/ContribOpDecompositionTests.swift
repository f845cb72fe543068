import ModelIR
import Passes
import Testing

@Suite("Contrib op decomposition")
struct ContribOpDecompositionTests {
    static func fusedConv(activation: String, params: [Float], sum: Bool) -> Model {
        var attrs = [Attribute(name: "activation", value: .string(Array(activation.utf8))),
                     Attribute(name: "strides", value: .ints([1, 1]))]
        if !params.isEmpty { attrs.append(Attribute(name: "activation_params", value: .floats(params))) }
        let node = Node(name: "fc", opType: "FusedConv", domain: "com.microsoft",
                        inputs: ["x", "w", "b"] + (sum ? ["z"] : []), outputs: ["y"], attributes: attrs)
        return Model(graph: Graph(name: "g", nodes: [node]))
    }

    @Test("FusedConv with Relu becomes Conv then Relu, keeping the conv attributes and the output name")
    func relu() throws {
        var m = Self.fusedConv(activation: "Relu", params: [], sum: false)
        #expect(try ContribOpDecomposition().run(&m))
        #expect(m.graph.nodes.map(\.opType) == ["Conv", "Relu"])
        #expect(m.graph.nodes[0].attribute("strides")?.value == .ints([1, 1]))
        #expect(m.graph.nodes[0].attribute("activation") == nil)
        #expect(m.graph.nodes.last?.outputs == ["y"])
    }

    @Test("the sum input is added before the activation; Clip takes its bounds from activation_params")
    func sumAndClip() throws {
        var m = Self.fusedConv(activation: "Clip", params: [0, 6], sum: true)
        #expect(try ContribOpDecomposition().run(&m))
        #expect(m.graph.nodes.map(\.opType) == ["Conv", "Add", "Constant", "Constant", "Clip"])
        #expect(m.graph.nodes[1].inputs.last == "z")
    }

    @Test("an activation without a rewrite is refused with the op named")
    func unknownActivation() {
        var m = Self.fusedConv(activation: "Swish", params: [], sum: false)
        #expect(throws: PassError.self) { try ContribOpDecomposition().run(&m) }
    }
}
