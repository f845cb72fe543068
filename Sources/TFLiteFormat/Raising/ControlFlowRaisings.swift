import ModelIR
import Passes

/// If whose condition is known at conversion time: the taken branch is inlined.
///
/// Exporters emit such Ifs for shape checks (`if x.shape[-1] == 1: squeeze`); with static shapes
/// the condition folds, and the branch's nodes are raised in place with the same context (branch
/// values are SSA names, distinct from the outer graph's). An If whose condition is computed at
/// run time would need a TFLite IF with two subgraphs, which is not done.
enum ControlFlowRaisings: RaisingFamily {
    static let table: [String: Raising] = ["If": inlineIf]

    /// An If is checked by `RaisingPreflight` itself (its branches are walked like the graph).
    static let checks: [String: PreflightCheck] = [:]

    static let constraints: [String: String] = [
        "If": "condition known at conversion time (folds from constants and static shapes): the taken branch is inlined",
    ]

    /// Why an If with a run-time condition is refused.
    static let dynamicIfReason = "If whose condition is computed at run time (not foldable from constants and static shapes) "
        + "would need a TFLite IF with subgraphs, which is not supported yet"

    static let inlineIf: Raising = { ctx, node throws(PassError) in
        guard let c = try ctx.input(0)?.constant, let flags = ConstantData.ints(c), flags.count == 1 else {
            throw ctx.unsupported(dynamicIfReason)
        }
        let name = flags[0] != 0 ? "then_branch" : "else_branch"
        guard case .graph(let branch)? = node.attribute(name)?.value else { throw ctx.invalid("If has no \(name)") }
        guard branch.outputs.count == node.outputs.count else {
            throw ctx.invalid("\(name) has \(branch.outputs.count) outputs, the If \(node.outputs.count)")
        }
        for t in branch.initializers { if let n = t.name { ctx.bindConstant(n, t) } }
        for inner in branch.nodes { try TFLiteRaising.raiseNode(inner, ctx) }
        ctx.current = node
        for (out, result) in zip(node.outputs, branch.outputs) where !out.isEmpty {
            let v = try ctx.value(result.name)
            if let t = v.constant {
                ctx.bindConstant(out, t)
            } else {
                ctx.alias(out, to: v)
            }
        }
    }
}
