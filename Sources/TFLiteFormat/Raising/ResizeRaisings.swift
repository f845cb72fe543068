import ModelIR
import Passes

/// Resize and Upsample → RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR when one reproduces ONNX
/// exactly, else per-axis GATHERs of the interpolation taps weighted by MUL and summed by ADD.
///
/// TFLite has three coordinate variants (plain, `align_corners`, `half_pixel_centers`); ONNX has
/// a coordinate transformation mode, for nearest a rounding mode, and with `scales` it uses the
/// given scale (not the size ratio) in its coordinates. Rather than a table of equivalences that
/// hold only for some sizes, the source coordinate (linear) or index (nearest) of every output
/// position is computed both ways for the actual sizes (`ResizeMapping`), and the TFLite variant
/// that reproduces ONNX's is taken. When none does (or for cubic, antialias, other ranks, more
/// than two axes) the taps ONNX interpolates with are constants of the conversion: each resized
/// axis becomes GATHERs of the taps, MULs by their weights and ADDs, exact for every mode but
/// tf_crop_and_resize. Sizes given at run time (a graph input) must use a mode whose TFLite variant
/// is exact for every size, so the TFLite model can take them at run time.
enum ResizeRaisings: RaisingFamily {
    static let table: [String: Raising] = ["Resize": resize, "Upsample": resize]

    static let constraints: [String: String] = [
        "Resize": "nearest/linear → RESIZE_NEAREST_NEIGHBOR/RESIZE_BILINEAR when a TFLite variant (align_corners, "
            + "half_pixel_centers) reproduces the coordinate_transformation_mode and nearest_mode for the sizes, else (and for "
            + "cubic, antialias, any rank) GATHER/MUL/ADD of the interpolation taps per axis; scales constant, sizes constant or "
            + "a graph input (then only modes exact for every size); no tf_crop_and_resize",
        "Upsample": "as Resize (asymmetric coordinates), constant scales",
    ]

    static let checks: [String: PreflightCheck] = ["Resize": preflight, "Upsample": preflight]

    // MARK: Pre-flight

    static let preflight: PreflightCheck = { node, scope in
        let spec = ResizeMapping.Spec(node, opset: scope.opset)
        guard ["nearest", "linear", "cubic"].contains(spec.mode) else { return "Resize mode '\(spec.mode)' is not supported" }
        if spec.ctm == "tf_crop_and_resize" { return "coordinate_transformation_mode 'tf_crop_and_resize' is not supported" }
        let (scalesInput, sizesInput) = spec.legacy ? (1, 99) : (2, 3)
        let hasSizes = !scope.absent(node, sizesInput) && scope.constant(node, sizesInput).map { $0.dims.reduce(1, *) > 0 } != false
        let parameter = hasSizes ? sizesInput : scalesInput
        if node.attribute("scales") != nil || scope.isKnown(node, parameter) { return nil }  // constant: the exact form always exists
        guard hasSizes, scope.graphInputs.contains(node.inputs[parameter]) else {
            return "Resize \(hasSizes ? "sizes" : "scales") not constant: TFLite shapes are static and the interpolation taps depend "
                + "on the values (sizes may be a graph input given with --input for modes exact at every size)"
        }
        if !spec.hasTFLiteOp || !ResizeMapping.exactForAllSizes(spec) {
            return "Resize sizes is a graph input: \(spec.describe)\(spec.mode == "cubic" ? " (cubic)" : "") matches a TFLite "
                + "resize only for some sizes; make sizes a constant (then exact GATHER taps are used)"
        }
        if let r = scope.rank(node, 0), r != 4 { return "Resize of a rank-\(r) input with run-time sizes (TFLite resizes rank 4)" }
        return nil
    }

    // MARK: Raising

    static let resize: Raising = { ctx, node throws(PassError) in
        let x = try ctx.required(0)
        let spec = ResizeMapping.Spec(node, opset: node.opType == "Upsample" ? 9 : ctx.opset)
        guard ["nearest", "linear", "cubic"].contains(spec.mode) else { throw ctx.unsupported("Resize mode '\(spec.mode)' is not supported") }
        guard spec.ctm != "tf_crop_and_resize" else { throw ctx.unsupported("coordinate_transformation_mode 'tf_crop_and_resize' is not supported") }
        guard spec.mode == "nearest" || x.type == .float else { throw ctx.unsupported("\(spec.mode) Resize is raised for float32 only (input is \(x.type))") }
        var sizesValue: RaisedValue? = nil
        var geometry: ResizeMapping.Geometry? = nil
        let axes = node.intsAttribute("axes")
        if !spec.legacy, let given = try ctx.shapeInts(3, "Resize sizes"), !given.values.isEmpty {
            geometry = ResizeMapping.geometry(input: x.shape, axes: axes, values: given.values.map(Double.init), sizes: true,
                                              policy: node.stringAttribute("keep_aspect_ratio_policy") ?? "stretch")
            sizesValue = given.runtime
        } else if let scales = try constantFloats(ctx, node, spec) {
            geometry = ResizeMapping.geometry(input: x.shape, axes: axes, values: scales.map(Double.init), sizes: false)
        }
        guard let g = geometry else { throw ctx.invalid("Resize needs scales or sizes that fit the input \(x.shape)") }
        if ResizeMapping.changedAxes(x.shape, g).isEmpty {
            ctx.alias(node.outputs[0], to: x)
            return
        }
        guard let variant = ResizeMapping.variant(spec, input: x.shape, geometry: g) else {
            guard sizesValue == nil else {
                throw ctx.unsupported("Resize \(spec.describe) with sizes from a graph input matches no TFLite resize for \(x.shape) → "
                                      + "\(g.sizes); make sizes a constant")
            }
            try emitTaps(ctx, node, x, spec, g)
            return
        }
        let pair = variant.axes
        let perm = storage(for: pair, current: x.perm)
        let input = try ctx.stored(x, perm: perm)
        let y = ctx.define(node.outputs[0], shape: g.sizes, type: x.type, perm: perm)
        var size = ctx.int32s("size", pair.map { g.sizes[$0] })
        let listed = axes.map { $0.map { Int($0 < 0 ? $0 + 4 : $0) } } ?? Array(0..<4)
        if let runtime = sizesValue, pair.allSatisfy(listed.contains) {
            // The TFLite model takes the new size from the sizes input at run time too.
            let picked = ctx.temporary("picked_sizes", [2], runtime.type)
            let indices = pair.map { Int64(listed.firstIndex(of: $0) ?? 0) }
            ctx.emit("GATHER", [try ctx.plain(runtime), ctx.int32s("axes", indices)], [picked], options: "GatherOptions",
                     ["axis": .int(0), "batch_dims": .int(0)])
            size = try ctx.int32Tensor(RaisedValue(name: picked, shape: [2], type: runtime.type, perm: [0]))
        }
        let nearest = spec.mode == "nearest"
        ctx.emit(nearest ? "RESIZE_NEAREST_NEIGHBOR" : "RESIZE_BILINEAR", [input, size], [y],
                 options: nearest ? "ResizeNearestNeighborOptions" : "ResizeBilinearOptions",
                 ["align_corners": .int(variant.align ? 1 : 0), "half_pixel_centers": .int(variant.half ? 1 : 0)],
                 version: variant.half || (variant.align && nearest) ? 3 : 1)
    }

    /// Each resized axis as GATHERs of its taps (stored axis of the value's layout), MULs by the
    /// tap weights (broadcast along that axis) and ADDs; taps of weight 0 everywhere are skipped.
    static func emitTaps(_ ctx: RaisingContext, _ node: Node, _ x: RaisedValue, _ spec: ResizeMapping.Spec,
                         _ g: ResizeMapping.Geometry) throws(PassError) {
        var current = try ctx.materialized(x)
        var shape = x.shape
        let changed = ResizeMapping.changedAxes(x.shape, g)
        for (n, a) in changed.enumerated() {
            guard let taps = ResizeMapping.taps(spec, input: x.shape[a], output: g.sizes[a], scale: g.scales[a]) else {
                throw ctx.unsupported("Resize \(spec.describe) is not supported")
            }
            shape[a] = g.sizes[a]
            let dims = Layout.stored(shape, x.perm)
            let out = n == changed.count - 1 ? ctx.define(node.outputs[0], shape: shape, type: x.type, perm: x.perm)
                                             : ctx.temporary("resized", dims, x.type)
            let axis = x.storedAxis(a)
            var weightShape = [Int64](repeating: 1, count: x.rank)
            weightShape[axis] = g.sizes[a]
            let used = (0..<taps.count).filter { k in stride(from: k, to: taps.weights.count, by: taps.count).contains { taps.weights[$0] != 0 } }
            var sum: String? = nil
            for (j, k) in used.enumerated() {
                let last = j == used.count - 1
                let indices = stride(from: k, to: taps.indices.count, by: taps.count).map { taps.indices[$0] }
                let weights = stride(from: k, to: taps.weights.count, by: taps.count).map { Float(taps.weights[$0]) }
                let scaled = weights.contains { $0 != 1 }
                let gathered = last && !scaled && sum == nil ? out : ctx.temporary("tap\(k)", dims, x.type)
                ctx.emit("GATHER", [current, ctx.int32s("taps", indices)], [gathered], options: "GatherOptions",
                         ["axis": .int(Int64(axis)), "batch_dims": .int(0)])
                var term = gathered
                if scaled {
                    term = last && sum == nil ? out : ctx.temporary("weighted\(k)", dims, x.type)
                    ctx.emit("MUL", [gathered, ctx.floats("weights", weights, shape: weightShape)], [term], options: "MulOptions",
                             ["fused_activation_function": .int(0)])
                }
                if let previous = sum {
                    let total = last ? out : ctx.temporary("sum", dims, x.type)
                    ctx.emit("ADD", [previous, term], [total], options: "AddOptions", ["fused_activation_function": .int(0)])
                    sum = total
                } else {
                    sum = term
                }
            }
            current = out
        }
    }

    /// Constant scales (input 1 before opset 11, input 2 after; the attribute of Upsample-7/8).
    static func constantFloats(_ ctx: RaisingContext, _ node: Node, _ spec: ResizeMapping.Spec) throws(PassError) -> [Float]? {
        if let attr = node.attribute("scales"), case .floats(let f) = attr.value { return f }
        guard let v = try ctx.input(spec.legacy ? 1 : 2) else { return nil }
        guard let t = v.constant, let values = ConstantData.floats(t) else {
            throw ctx.unsupported("Resize scales must be a float32 constant (whether the mode matches TFLite depends on them)")
        }
        return values.isEmpty ? nil : values
    }

    /// The storage that puts the resized pair at stored positions 1 and 2: the current one when it
    /// does, else [other, a, b, other].
    static func storage(for pair: [Int], current: [Int]) -> [Int] {
        if current[1] == pair[0] && current[2] == pair[1] { return current }
        let rest = (0..<4).filter { !pair.contains($0) }
        return [rest[0], pair[0], pair[1], rest[1]]
    }
}
