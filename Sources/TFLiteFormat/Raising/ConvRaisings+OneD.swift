import ModelIR
import Passes

/// 1-D convolutions and pools: TFLite has only 2-D window ops, so a window op over [N, C, L]
/// runs as the 2-D op over [N, C, 1, L] between two RESHAPEs (which move no data: the value is
/// stored channels-last, [N, L, C] and [N, 1, L, C] are the same bytes).
extension ConvRaisings {
    /// Raises `node` with `raise2D`, through the 2-D form when its input is rank 3.
    static func windowed(_ ctx: RaisingContext, _ node: Node, _ raise2D: Raising) throws(PassError) {
        let x = try ctx.required(0)
        guard x.rank == 3 else { return try raise2D(ctx, node) }
        let (n, c, length) = (x.shape[0], x.shape[1], x.shape[2])
        var wide = node
        let input = ctx.fresh(node.inputs[0] + "/2d")
        try ShapeRaisings.emitReshape(ctx, x, to: [n, c, 1, length], output: input)
        wide.inputs[0] = input
        if node.opType == "Conv", let w = try ctx.input(1) {
            guard var weights = w.constant, w.rank == 3 else { throw ctx.unsupported("convolution weights must be a constant rank-3 tensor") }
            weights.dims = [weights.dims[0], weights.dims[1], 1, weights.dims[2]]
            let name = ctx.fresh(node.inputs[1] + "/2d")
            ctx.bindConstant(name, weights)
            wide.inputs[1] = name
        }
        wide.attributes = node.attributes.map(widened)
        let output = ctx.fresh(node.outputs[0] + "/2d")
        wide.outputs = [output]
        ctx.current = wide
        defer { ctx.current = node }
        try raise2D(ctx, wide)
        ctx.current = node
        let y = try ctx.value(output)
        try ShapeRaisings.emitReshape(ctx, y, to: [y.shape[0], y.shape[1], y.shape[3]], output: node.outputs[0])
    }

    /// A 1-D window attribute as its 2-D form over a height of 1.
    static func widened(_ a: Attribute) -> Attribute {
        guard case .ints(let v) = a.value else { return a }
        switch a.name {
        case "kernel_shape", "strides", "dilations":
            guard v.count == 1 else { return a }
            return Attribute(name: a.name, value: .ints([1] + v))
        case "pads":
            guard v.count == 2 else { return a }
            return Attribute(name: a.name, value: .ints([0, v[0], 0, v[1]]))
        default:
            return a
        }
    }
}
