import Interpreter
import ModelIR
import TFLiteFormat

/// Constant folding for conversion passes, backed by the reference interpreter.
enum ConstantFolding {
    /// Runs one node on constant inputs in the interpreter; nil when it cannot (no kernel, error,
    /// or a result of more than 1M elements, which is better left to the target runtime).
    static let evaluator: ConstantEvaluator = { node, inputs, opsets in
        var initializers: [Tensor] = []
        var names: [String] = []
        for (i, t) in inputs.enumerated() {
            guard let t else { names.append(""); continue }
            let name = "in\(i)"
            initializers.append(t.named(name))
            names.append(name)
        }
        var n = node
        n.inputs = names
        let outputs = node.outputs.enumerated().map { i, o in o.isEmpty ? "" : "out\(i)" }
        n.outputs = outputs
        let graph = Graph(name: "fold", outputs: outputs.filter { !$0.isEmpty }.map { ValueInfo(name: $0, type: nil) },
                          initializers: initializers, nodes: [n])
        let model = Model(irVersion: 8, opsetImports: opsets, graph: graph)
        guard let result = try? Interpreter(model: model).run(inputs: [:]) else { return nil }
        var out: [Tensor] = []
        for (name, value) in result.outputs {
            guard let array = value.tensor, array.shape.reduce(1, *) <= 1 << 20 else { return nil }
            out.append(array.toTensor(name: name))
        }
        return out
    }
}

extension Tensor {
    /// The tensor renamed.
    func named(_ name: String?) -> Tensor {
        var t = self
        t.name = name
        return t
    }
}
