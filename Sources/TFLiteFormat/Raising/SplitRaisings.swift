import ModelIR
import Passes

/// Split → SPLIT (equal parts) or SPLIT_V (given sizes, or a SPLIT_V the TFLite lowering recorded) on the stored layout.
enum SplitRaisings: RaisingFamily {
    static let table: [String: Raising] = ["Split": split]

    static let constraints: [String: String] = [
        "Split": "split sizes constant (input from opset 13, attribute before), given with --input, or equal parts "
            + "(num_outputs from opset 18); axis remapped by the layout",
    ]

    static let checks: [String: PreflightCheck] = [
        "Split": { node, scope in
            if scope.isEmpty(node, 0) || (node.intsAttribute("split")?.contains(0) ?? false) { return emptyReason }
            return scope.isKnownOrInput(node, 1) ? nil
                : "split sizes computed at run time: TFLite shapes are static, the sizes must fold to a constant"
        },
    ]

    static let emptyReason = "Split into empty parts: TFLite has no usable zero-size tensors"

    static let split: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let axis = try ctx.axis(of: node, default: 0, rank: x.rank)
        let dim = x.shape[axis]
        let count = node.outputs.count
        var sizes: [Int64]
        var runtime: RaisedValue? = nil
        if let given = node.intsAttribute("split") {
            sizes = given
        } else if let given = try ctx.shapeInts(1, "split sizes") {
            (sizes, runtime) = (given.values, given.runtime)
        } else if let n = node.intAttribute("num_outputs") {
            // Opset 18: ceil(dim / n) per part, the last one smaller.
            guard n == Int64(count), n > 0 else { throw ctx.invalid("num_outputs \(n) differs from the \(count) outputs") }
            let chunk = (dim + n - 1) / n
            sizes = (0..<n).map { i in max(0, min(chunk, dim - i * chunk)) }
        } else {
            guard dim % Int64(count) == 0 else { throw ctx.invalid("axis size \(dim) does not split into \(count) equal parts") }
            sizes = [Int64](repeating: dim / Int64(count), count: count)
        }
        guard sizes.count == count, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == dim else {
            throw ctx.invalid("split sizes \(sizes) do not cover axis size \(dim) in \(count) parts")
        }
        guard !sizes.contains(0), !x.shape.contains(0) else { throw ctx.unsupported(emptyReason) }
        if count == 1 && runtime == nil {
            ctx.alias(node.outputs[0], to: x)
            return
        }
        let input = try ctx.materialized(x)
        var outputs: [String] = []
        for (out, size) in zip(node.outputs, sizes) {
            var shape = x.shape
            shape[axis] = size
            outputs.append(out.isEmpty ? ctx.temporary("unused", Layout.stored(shape, x.perm), x.type)
                                       : ctx.define(out, shape: shape, type: x.type, perm: x.perm))
        }
        let storedAxis = ctx.int32s("axis", [Int64(x.storedAxis(axis))], shape: [])
        // Equal parts: SPLIT, unless the TFLite lowering recorded a SPLIT_V (which computes the same).
        if runtime == nil, Set(sizes).count == 1, TFLiteProvenance.sourceOperator(of: node) != "SPLIT_V" {
            ctx.emit("SPLIT", [storedAxis, input], outputs, options: "SplitOptions", ["num_splits": .int(Int64(count))])
        } else {
            let sizeTensor = try runtime.map { v throws(PassError) in try ctx.int32Tensor(v) } ?? ctx.int32s("sizes", sizes)
            ctx.emit("SPLIT_V", [input, sizeTensor, storedAxis], outputs, options: "SplitVOptions", ["num_splits": .int(Int64(count))])
        }
    }
}
