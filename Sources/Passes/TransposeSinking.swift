import ModelIR

/// Moves Transposes forward through ops that do not care about layout, so that pairs which undo
/// each other meet and disappear.
///
/// A value made by `Transpose(s, perm)` is a *view* of `s`. An op whose data inputs are views with
/// the same perm (or values with one element, which broadcast the same in any layout) runs on the
/// views' sources instead, and its result is a view in turn: element-wise ops, per-tensor
/// QuantizeLinear/DequantizeLinear, and Concat with its axis mapped through the perm. A Transpose of a
/// view that undoes the view's perm is replaced by the view's source. Transposes nothing reads any
/// more are removed. The rewrite is kept only when the graph ends up with fewer Transposes.
///
/// Rewriting onnxruntime's channels-last contrib ops puts a Transpose pair between every two of
/// them; this pass leaves the channels-first QDQ graph they were made from.
public struct TransposeSinking: GraphPass {
    public var name: String { "transpose-sinking" }

    public init() {}

    public func run(_ model: inout Model) throws(PassError) -> Bool {
        var names = UniqueNames(taken: model.graph.namesInAllScopes)
        var graph = model.graph
        guard Self.sink(&graph, names: &names), graph.transposeCount < model.graph.transposeCount else { return false }
        model.graph = graph
        return true
    }

    /// Ops that compute each element from the elements at the same index of their inputs (with
    /// broadcasting); every input is data.
    static let elementwise: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Equal", "Greater", "Less",
        "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor", "Where", "BitShift", "Mod",
    ]

    /// Ops with one data input (input 0) computed element by element; any other input is a
    /// parameter that must have one element (Clip bounds, per-tensor scales and zero points).
    static let unary: Set<String> = [
        "Relu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Selu", "Celu", "Softplus",
        "Softsign", "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Erf", "Sign",
        "Not", "Identity", "Cast", "Clip", "QuantizeLinear", "DequantizeLinear", "Sin", "Cos", "Gelu", "Mish",
    ]

    /// One sweep over `graph` (and, separately, its subgraphs); returns whether anything changed.
    static func sink(_ graph: inout Graph, names: inout UniqueNames) -> Bool {
        var changed = false
        var state = SinkState(graph: graph)
        var nodes: [Node] = []
        for var node in graph.nodes {
            node.inputs = node.inputs.map { state.alias[$0] ?? $0 }
            node.updateSubgraphs { sub, _, _ in if sink(&sub, names: &names) { changed = true } }
            guard node.normalizedDomain.isEmpty else {
                nodes.append(node)
                continue
            }
            if node.opType == "Transpose", let x = node.inputs.first, let y = node.outputs.first, let perm = Self.perm(node) {
                if let view = state.views[x], view.perm.count == perm.count, perm.indices.allSatisfy({ view.perm[perm[$0]] == $0 }) {
                    state.alias[y] = view.source
                    changed = true
                } else {
                    state.views[y] = View(source: x, perm: perm)
                }
                nodes.append(node)
                continue
            }
            if let moved = state.sinkThrough(node, names: &names) {
                nodes += moved
                changed = true
                continue
            }
            state.noteSingleElementOutputs(node)
            nodes.append(node)
        }
        graph.nodes = nodes
        for output in graph.outputs.map(\.name) {
            if let source = state.alias[output], takeName(output, from: source, in: &graph) { changed = true }
        }
        if removeDeadTransposes(&graph) { changed = true }
        return changed
    }

    /// A graph output made by a Transpose that undid a view: the view's source, when a node of this
    /// graph makes it and only this graph's nodes read it, is renamed to the output and the Transpose
    /// goes. Returns whether it did.
    static func takeName(_ output: String, from source: String, in graph: inout Graph) -> Bool {
        let boundary = Set(graph.inputs.map(\.name) + graph.outputs.map(\.name) + graph.initializers.compactMap(\.name))
        guard !boundary.contains(source), graph.nodes.contains(where: { $0.outputs.contains(source) }),
              !graph.nodes.contains(where: { $0.implicitInputs.contains(source) }),
              let undo = graph.nodes.firstIndex(where: { $0.opType == "Transpose" && $0.outputs == [output] }) else { return false }
        graph.nodes.remove(at: undo)
        for i in graph.nodes.indices {
            graph.nodes[i].inputs = graph.nodes[i].inputs.map { $0 == source ? output : $0 }
            graph.nodes[i].outputs = graph.nodes[i].outputs.map { $0 == source ? output : $0 }
        }
        graph.valueInfos.removeAll { $0.name == source }
        return true
    }

    /// The `perm` attribute of a Transpose, when it is a permutation.
    static func perm(_ node: Node) -> [Int]? {
        guard case .ints(let p)? = node.attribute("perm")?.value else { return nil }
        let perm = p.map(Int.init)
        return Set(perm) == Set(0..<perm.count) ? perm : nil
    }

    /// Removes Transposes whose output nothing reads (nodes, subgraphs, graph outputs), repeatedly,
    /// and the value infos of the values they made.
    static func removeDeadTransposes(_ graph: inout Graph) -> Bool {
        var removed: Set<String> = []
        while true {
            var used = Set(graph.outputs.map(\.name))
            for n in graph.nodes {
                used.formUnion(n.inputs)
                used.formUnion(n.implicitInputs)
            }
            let dead = graph.nodes.filter { n in
                n.normalizedDomain.isEmpty && n.opType == "Transpose" && !n.outputs.contains { used.contains($0) }
            }
            guard !dead.isEmpty else { break }
            let outputs = Set(dead.flatMap(\.outputs))
            removed.formUnion(outputs)
            graph.nodes.removeAll { n in n.normalizedDomain.isEmpty && n.opType == "Transpose" && n.outputs.allSatisfy(outputs.contains) }
        }
        graph.valueInfos.removeAll { removed.contains($0.name) }
        return !removed.isEmpty
    }
}

/// A value that equals `Transpose(source, perm)`.
struct View {
    var source: String
    var perm: [Int]
}

/// What the sweep knows about the values seen so far.
struct SinkState {
    /// Values that are Transposes of another value.
    var views: [String: View] = [:]
    /// Values replaced by an equal value (a Transpose of a view that undid it).
    var alias: [String: String] = [:]
    /// Ranks of values known to hold one element.
    var singleElementRanks: [String: Int] = [:]

    init(graph: Graph) {
        for t in graph.initializers where t.elementCount == 1 {
            if let n = t.name { singleElementRanks[n] = t.dims.count }
        }
        for v in graph.inputs + graph.valueInfos {
            if let shape = v.type?.tensorType?.shape, shape.allSatisfy({ $0.fixedValue == 1 }) { singleElementRanks[v.name] = shape.count }
        }
    }

    /// Records the outputs of a Constant with one element, or of a layout-free op whose inputs all
    /// have one element.
    mutating func noteSingleElementOutputs(_ node: Node) {
        guard let y = node.outputs.first else { return }
        if node.opType == "Constant", case .tensor(let t)? = node.attribute("value")?.value, t.elementCount == 1 {
            singleElementRanks[y] = t.dims.count
            return
        }
        guard TransposeSinking.elementwise.contains(node.opType) || TransposeSinking.unary.contains(node.opType) else { return }
        let ranks = node.inputs.filter { !$0.isEmpty }.map { singleElementRanks[$0] }
        guard !ranks.isEmpty, !ranks.contains(nil) else { return }
        singleElementRanks[y] = ranks.compactMap { $0 }.max()
    }

    /// The node run on its inputs' sources, followed by Transposes making its original outputs; nil
    /// when the node is not layout-free or its inputs are not views with one perm.
    mutating func sinkThrough(_ node: Node, names: inout UniqueNames) -> [Node]? {
        let op = node.opType
        let data: [Int]
        if TransposeSinking.elementwise.contains(op) || op == "Concat" {
            data = node.inputs.indices.filter { !node.inputs[$0].isEmpty }
        } else if TransposeSinking.unary.contains(op), !node.inputs.isEmpty {
            // Parameters must broadcast the same in any layout.
            guard node.inputs.dropFirst().allSatisfy({ $0.isEmpty || singleElementRanks[$0] != nil }) else { return nil }
            data = [0]
        } else {
            return nil
        }
        let perms = data.compactMap { views[node.inputs[$0]]?.perm }
        guard let perm = perms.first, perms.allSatisfy({ $0 == perm }), node.outputs.count == 1, let y = node.outputs.first else { return nil }
        var moved = node
        for i in data {
            if let view = views[node.inputs[i]] {
                moved.inputs[i] = view.source
            } else if op == "Concat" || (singleElementRanks[node.inputs[i]] ?? Int.max) > perm.count {
                return nil
            }
        }
        if op == "Concat" {
            guard case .int(let a)? = node.attribute("axis")?.value, a >= -Int64(perm.count), a < Int64(perm.count) else { return nil }
            let axis = perm[Int(a < 0 ? a + Int64(perm.count) : a)]
            moved.attributes = node.attributes.map { $0.name == "axis" ? Attribute(name: "axis", value: .int(Int64(axis))) : $0 }
        }
        let source = names.make("\(y)__\(op.lowercased())")
        moved.outputs = [source]
        views[y] = View(source: source, perm: perm)
        let back = Node(name: names.make("\(y)__transpose"), opType: "Transpose", inputs: [source], outputs: [y],
                        attributes: [Attribute(name: "perm", value: .ints(perm.map(Int64.init)))])
        return [moved, back]
    }
}

extension Graph {
    /// Every name used in the graph and its subgraphs: values, initializers, node names.
    var namesInAllScopes: Set<String> {
        var names = Set(inputs.map(\.name) + outputs.map(\.name) + valueInfos.map(\.name))
        names.formUnion(initializers.compactMap(\.name))
        for n in nodes {
            names.formUnion(n.inputs)
            names.formUnion(n.outputs)
            if let name = n.name { names.insert(name) }
            for a in n.attributes { for g in a.subgraphs { names.formUnion(g.namesInAllScopes) } }
        }
        return names
    }

    /// The number of Transpose nodes in the graph and its subgraphs.
    var transposeCount: Int {
        nodes.reduce(0) { sum, n in
            sum + (n.normalizedDomain.isEmpty && n.opType == "Transpose" ? 1 : 0)
                + n.attributes.reduce(0) { $0 + $1.subgraphs.reduce(0) { $0 + $1.transposeCount } }
        }
    }
}
