import ModelIR
import Passes

/// Gather → GATHER on the stored layout (the gathered axis remapped through the value's layout).
enum GatherRaisings: RaisingFamily {
    static let table: [String: Raising] = ["Gather": gather]

    static let constraints: [String: String] = [
        "Gather": "constant or run-time int32/int64 indices (negative ones wrapped); axis remapped by the layout",
    ]

    static let checks: [String: PreflightCheck] = [:]

    static let gather: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0), positions = try ctx.required(1)
        let axis = try ctx.axis(of: node, default: 0, rank: x.rank)
        guard !x.shape.contains(0), !positions.shape.contains(0) else {
            throw ctx.unsupported("Gather of an empty tensor: TFLite has no usable zero-size tensors")
        }
        let indices = try wrappedIndices(ctx, positions, size: x.shape[axis])
        // The output keeps the data's stored order, the gathered axis replaced by the indices' axes.
        let r = positions.rank
        var perm: [Int] = []
        for a in x.perm {
            if a == axis { perm += (0..<r).map { axis + $0 } } else { perm.append(a < axis ? a : a + r - 1) }
        }
        let shape = Array(x.shape[..<axis]) + positions.shape + Array(x.shape[(axis + 1)...])
        let data = try ctx.materialized(x)
        let y = ctx.define(node.outputs[0], shape: shape, type: x.type, perm: perm)
        ctx.emit("GATHER", [data, indices], [y], options: "GatherOptions",
                 ["axis": .int(Int64(x.storedAxis(axis))), "batch_dims": .int(0)])
    }

    /// The indices as an int32 tensor in semantic layout with negative positions counted from the
    /// end (TFLite's GATHER takes only positions in range): folded for constants, else
    /// SELECT_V2(LESS(i, 0), ADD(i, size), i).
    static func wrappedIndices(_ ctx: RaisingContext, _ positions: RaisedValue, size: Int64) throws(PassError) -> String {
        if let c = positions.constant {
            guard let values = ConstantData.ints(c), [.int32, .int64].contains(c.dataType) else {
                throw ctx.unsupported("Gather indices must be int32 or int64 (are \(positions.type))")
            }
            let wrapped = values.map { $0 < 0 ? $0 + size : $0 }
            guard let bad = wrapped.firstIndex(where: { $0 < 0 || $0 >= size }) else {
                return ctx.int32s("indices", wrapped, shape: c.dims)
            }
            throw ctx.invalid("index \(values[bad]) is out of range for an axis of size \(size)")
        }
        var source = try ctx.plain(positions)
        switch positions.type {
        case .int32: break
        case .int64:
            let narrow = ctx.temporary("indices", positions.shape, .int32)
            ctx.emit("CAST", [source], [narrow])
            source = narrow
        default: throw ctx.unsupported("Gather indices must be int32 or int64 (are \(positions.type))")
        }
        let negative = ctx.temporary("negative", positions.shape, .bool)
        ctx.emit("LESS", [source, ctx.int32s("zero", [0], shape: [])], [negative])
        let fromEnd = ctx.temporary("from_end", positions.shape, .int32)
        ctx.emit("ADD", [source, ctx.int32s("size", [size], shape: [])], [fromEnd], options: "AddOptions", ["fused_activation_function": .int(0)])
        let wrapped = ctx.temporary("wrapped", positions.shape, .int32)
        ctx.emit("SELECT_V2", [negative, fromEnd, source], [wrapped])
        return wrapped
    }
}
