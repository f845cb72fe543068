import ModelIR
import Passes

/// MEAN, SUM, REDUCE_MAX/MIN/PROD, ARG_MAX/ARG_MIN.
enum ReduceLowerings {
    static let table: [String: Lowering] = [
        "MEAN": reduce("ReduceMean"), "SUM": reduce("ReduceSum"), "REDUCE_MAX": reduce("ReduceMax"),
        "REDUCE_MIN": reduce("ReduceMin"), "REDUCE_PROD": reduce("ReduceProd"),
        "ARG_MAX": arg("ArgMax"), "ARG_MIN": arg("ArgMin"),
    ]

    /// Axes come from a constant input; they are an input from opset 18 (13 for ReduceSum), an attribute before.
    static func reduce(_ op: String) -> Lowering {
        { ctx, node throws(PassError) in
            let axes = try ctx.constantInts(node.input(1), what: "\(node.opType) axes").map { Int64($0) }
            let keep = Attribute(name: "keepdims", value: .int(node.option("keep_dims") != 0 ? 1 : 0))
            let axesAsInput = op == "ReduceSum" ? ctx.opset >= 13 : ctx.opset >= 18
            let out = node.outputs[0]
            let result = ctx.floatResult(for: out)
            if axesAsInput {
                ctx.emit(op, [ctx.real(node.input(0)), ctx.int64s("axes", axes)], outputs: [result], [keep])
            } else {
                ctx.emit(op, [ctx.real(node.input(0))], outputs: [result], [keep, Attribute(name: "axes", value: .ints(axes))])
            }
            ctx.store(out, from: result)
        }
    }

    static func arg(_ op: String) -> Lowering {
        { ctx, node throws(PassError) in
            guard let axis = try ctx.constantInts(node.input(1), what: "\(node.opType) axis").first else {
                throw ctx.invalid("empty axis")
            }
            let out = node.outputs[0]
            let y = ctx.emit(op, [ctx.real(node.input(0))], [Attribute(name: "axis", value: .int(Int64(axis))),
                                                           Attribute(name: "keepdims", value: .int(0))])
            let to = ctx.dataType(out) ?? .int64
            ctx.emit("Cast", [y], outputs: [out], [Attribute(name: "to", value: .int(Int64(to.rawValue)))])
        }
    }
}
