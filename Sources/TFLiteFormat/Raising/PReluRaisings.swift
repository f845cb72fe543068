import ModelIR
import Passes

/// PRelu → PRELU, the slope broadcast in the input's storage layout.
enum PReluRaisings: RaisingFamily {
    static let table: [String: Raising] = ["PRelu": prelu]

    static let constraints: [String: String] = [
        "PRelu": "float32; slope constant or computed, broadcast to the input (laid out like it); rank ≤ 4 (higher ranks as RELU/MINIMUM/MUL/ADD)",
    ]

    static let checks: [String: PreflightCheck] = [:]

    static let prelu: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0), slope = try ctx.required(1)
        guard x.type == .float, slope.type == .float else { throw ctx.unsupported("PRelu is raised for float32 only (input is \(x.type))") }
        guard slope.rank <= x.rank, Layout.broadcast(x.shape, slope.shape) == x.shape else {
            throw ctx.invalid("slope \(slope.shape) does not broadcast to the input \(x.shape)")
        }
        let input = try ctx.materialized(x)
        let alpha = try slopeTensor(ctx, slope, like: x)
        if x.rank <= 4 {
            let y = ctx.define(node.outputs[0], shape: x.shape, type: .float, perm: x.perm)
            ctx.emit("PRELU", [input, alpha], [y])
            return
        }
        // PRELU broadcasts up to 4-D: prelu(x) = relu(x) + slope · min(x, 0) elsewhere.
        let positive = ctx.temporary("positive", x.storedShape, .float)
        ctx.emit("RELU", [input], [positive])
        let negative = ctx.temporary("negative", x.storedShape, .float)
        ctx.emit("MINIMUM", [input, ctx.floats("zero", [0], shape: [])], [negative], options: "MaximumMinimumOptions")
        let scaled = ctx.temporary("scaled", x.storedShape, .float)
        ctx.emit("MUL", [negative, alpha], [scaled], options: "MulOptions", ["fused_activation_function": .int(0)])
        let y = ctx.define(node.outputs[0], shape: x.shape, type: .float, perm: x.perm)
        ctx.emit("ADD", [positive, scaled], [y], options: "AddOptions", ["fused_activation_function": .int(0)])
    }

    /// The slope as a tensor of the input's rank stored with the input's permutation.
    static func slopeTensor(_ ctx: RaisingContext, _ slope: RaisedValue, like x: RaisedValue) throws(PassError) -> String {
        if slope.constant != nil { return try ctx.broadcastConstant(slope, rank: x.rank, perm: x.perm) }
        if slope.shape.reduce(1, *) == 1 { return try ctx.materialized(slope) }
        var full = slope
        if slope.rank < x.rank {
            // Leading size-1 axes first (a RESHAPE of the semantic layout), then the input's layout.
            let shape = [Int64](repeating: 1, count: x.rank - slope.rank) + slope.shape
            let source = try ctx.plain(slope)
            let reshaped = ctx.temporary("slope", shape, .float)
            ctx.reshape(source, to: shape, into: reshaped)
            full = RaisedValue(name: reshaped, shape: shape, type: .float, perm: Layout.identity(x.rank))
        }
        return try ctx.stored(full, perm: x.perm)
    }
}
