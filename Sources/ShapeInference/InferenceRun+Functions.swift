import ModelIR
import OpSet

// MARK: Model-local functions

extension InferenceRun {
    /// Infers a call of a model-local function by inferring its body with the call's input types.
    func call(_ function: Function, node: Node, inputs: [InferredValue?], graph: String) throws(ShapeInferenceError) -> [InferredValue?] {
        let label = "function \(function.domain.map { $0.isEmpty ? "" : $0 + "::" } ?? "")\(function.name ?? "?")"
        guard functionDepth < 16 else {
            throw .invalidNode(node: node.label, op: node.qualifiedOpType, graph: graph, reason: "functions call each other more than 16 deep")
        }
        functionDepth += 1
        defer { functionDepth -= 1 }
        let scope = Scope(parent: nil)
        for (k, name) in function.inputs.enumerated() where !name.isEmpty {
            scope.define(name, k < inputs.count ? inputs[k] : nil)
        }
        let imports = function.opsetImports.isEmpty ? nil : function.opsetImports
        for var inner in function.body(calledBy: node) {
            do {
                try infer(node: &inner, scope: scope, declared: [:], graph: "\(label) called by '\(node.label)'", imports: imports)
            }
        }
        return function.outputs.map { scope.lookup($0) ?? nil }
    }
}
