import ModelIR
import Passes

/// Shapes computed at run time from a dim that is dynamic in the source: SHAPE → STRIDED_SLICE →
/// PACK → RESHAPE, as TensorFlow writes a reshape whose target follows the batch size.
///
/// The raising works on static shapes and folds `Shape` to a constant. A `Shape` the TFLite → ONNX
/// lowering made from a SHAPE (provenance `modelconv.tflite.op = SHAPE`) whose input has a dim the
/// source does not fix stays a run-time SHAPE instead, when every op its value flows into has a
/// run-time form here:
/// - Cast to int32/int64: the same int32 tensor (TFLite's shape operands are int32);
/// - Slice with constant parameters → STRIDED_SLICE, a Squeeze of its single entry taken in as
///   the shrink_axis_mask;
/// - Unsqueeze of scalars into a Concat on axis 0 → PACK (constant parts become int32 scalars);
///   other Concats → CONCATENATION, other Squeeze/Unsqueeze → RESHAPE;
/// - Reshape reading it as its target → RESHAPE of the run-time target tensor.
/// Otherwise the Shape folds as before; ONNX files from elsewhere carry no provenance and fold.
/// The values at the sizes being raised are tracked (`RaisingContext.runtimeShapes`), so every
/// tensor keeps a static shape and `DynamicDimensions` marks the dims that follow the input.
enum RuntimeShapeRaisings {
    /// Raises `node` when it computes on run-time shape values; returns true when it is done.
    static func raise(_ node: Node, _ ctx: RaisingContext) throws(PassError) -> Bool {
        guard node.normalizedDomain.isEmpty, !node.outputs.isEmpty else { return false }
        if node.outputs.allSatisfy({ ctx.absorbed.contains($0) }) { return true }
        if node.opType == "Shape" { return try shape(node, ctx) }
        guard let first = node.inputs.first, ctx.runtimeShapes[first] != nil || ctx.pendingPackParts[first] != nil
                || (node.opType == "Concat" && node.inputs.contains { ctx.runtimeShapes[$0] != nil }) else { return false }
        switch node.opType {
        case "Cast": return try cast(node, ctx)
        case "Slice": try slice(node, ctx)
        case "Squeeze", "Unsqueeze": try squeezeOrUnsqueeze(node, ctx)
        case "Concat": try concat(node, ctx)
        default: return false
        }
        return true
    }

    // MARK: Shape

    /// SHAPE (int32) of a value with a dynamic dim, when the chain it starts has run-time forms.
    static func shape(_ node: Node, _ ctx: RaisingContext) throws(PassError) -> Bool {
        guard TFLiteProvenance.sourceOperator(of: node) == "SHAPE", node.attribute("start") == nil, node.attribute("end") == nil,
              let source = node.inputs.first, let dims = ctx.sourceDims[source], dims.contains(where: { $0.fixedValue == nil }),
              let x = ctx.values[source] ?? ctx.dequantized[source]?.value, x.constant == nil, x.perm == Layout.identity(x.rank),
              keepsRuntimeForm(node.outputs[0], ctx) else { return false }
        let y = ctx.define(node.outputs[0], shape: [Int64(x.rank)], type: .int32, perm: [0])
        ctx.emit("SHAPE", [x.name], [y], options: "ShapeOptions", ["out_type": .int(Int64(TFLiteTensorType.int32))])
        ctx.runtimeShapes[node.outputs[0]] = x.shape
        return true
    }

    /// TFLite's TensorType code of int32 (SHAPE's out_type).
    enum TFLiteTensorType { static let int32 = 2 }

    /// Whether everything computed from shape value `value` has a run-time form here and ends in
    /// Reshape targets (checked before anything is emitted).
    static func keepsRuntimeForm(_ value: String, _ ctx: RaisingContext) -> Bool {
        var chain: Set<String> = [value], pending = [value], concats: [Node] = []
        while let v = pending.popLast() {
            guard !ctx.outputNames.contains(v), let readers = ctx.readers[v], !readers.isEmpty, chain.count < 64 else { return false }
            for r in readers {
                guard r.normalizedDomain.isEmpty else { return false }
                let constantRest = r.inputs.dropFirst().allSatisfy { $0.isEmpty || ctx.values[$0]?.constant != nil }
                switch r.opType {
                case "Cast":
                    guard let to = r.intAttribute("to"), to == Int64(DataType.int32.rawValue) || to == Int64(DataType.int64.rawValue) else { return false }
                case "Slice", "Squeeze", "Unsqueeze":
                    guard r.inputs.first == v, constantRest else { return false }
                case "Concat":
                    guard r.intAttribute("axis") == 0 else { return false }
                    concats.append(r)
                case "Reshape":
                    guard r.inputs.count > 1, r.inputs[1] == v, r.inputs[0] != v else { return false }
                    continue
                default:
                    return false
                }
                for o in r.outputs where chain.insert(o).inserted { pending.append(o) }
            }
        }
        // Each Concat's other parts must fold to constants (e.g. an Unsqueeze of a constant).
        for c in concats {
            for part in c.inputs where !chain.contains(part) {
                if ctx.values[part]?.constant != nil { continue }
                guard let p = ctx.sourceProducers[part], p.inputs.allSatisfy({ $0.isEmpty || ctx.values[$0]?.constant != nil }) else { return false }
            }
        }
        return true
    }

    // MARK: Chain

    /// Cast of a run-time shape value to int32/int64: the same int32 tensor.
    static func cast(_ node: Node, _ ctx: RaisingContext) throws(PassError) -> Bool {
        guard let values = ctx.runtimeShapes[node.inputs[0]], let v = ctx.values[node.inputs[0]] else { return false }
        ctx.alias(node.outputs[0], to: v)
        ctx.runtimeShapes[node.outputs[0]] = values
        return true
    }

    /// Constant integer input `i` of the current node (nil when absent).
    static func ints(_ ctx: RaisingContext, _ i: Int, _ what: String) throws(PassError) -> [Int64]? {
        guard let v = try ctx.input(i) else { return nil }
        guard let t = v.constant, let values = ConstantData.ints(t) else { throw ctx.unsupported("\(what) of a run-time shape must be constant") }
        return values
    }

    /// Slice of a run-time shape vector → STRIDED_SLICE; a Squeeze of its single entry becomes the shrink mask.
    static func slice(_ node: Node, _ ctx: RaisingContext) throws(PassError) {
        let x = try ctx.required(0)
        guard let values = ctx.runtimeShapes[node.inputs[0]], x.rank == 1 else { throw ctx.unsupported("Slice of a run-time shape needs a 1-D shape") }
        guard let starts = try ints(ctx, 1, "starts"), let ends = try ints(ctx, 2, "ends") else { throw ctx.invalid("starts and ends are required") }
        let axes = try ints(ctx, 3, "axes") ?? [0], steps = try ints(ctx, 4, "steps") ?? [1]
        guard starts.count == 1, ends.count == 1, steps.count == 1, axes == [0] || axes == [-1], steps[0] != 0 else {
            throw ctx.unsupported("Slice of a run-time shape along one axis is supported")
        }
        let dim = Int64(values.count), step = steps[0]
        var s = starts[0] < 0 ? starts[0] + dim : starts[0], e = ends[0] < 0 ? ends[0] + dim : ends[0]
        var endMask: Int64 = 0
        var picked: [Int64] = []
        if step > 0 {
            (s, e) = (max(0, min(dim, s)), max(0, min(dim, e)))
            picked = stride(from: s, to: e, by: Int(step)).map { values[Int($0)] }
        } else {
            (s, e) = (max(0, min(dim - 1, s)), max(-1, min(dim - 1, e)))
            picked = stride(from: s, to: e, by: Int(step)).map { values[Int($0)] }
            if e < 0 { (e, endMask) = (0, 1) }
        }
        guard !picked.isEmpty else { throw ctx.unsupported("an empty slice of a run-time shape") }
        var out = node.outputs[0], shape: [Int64] = [Int64(picked.count)]
        if picked.count == 1, let squeeze = singleSqueeze(of: out, ctx) {
            ctx.absorbed.insert(squeeze)
            (out, shape) = (squeeze, [])
        }
        let y = ctx.define(out, shape: shape, type: .int32, perm: Layout.identity(shape.count))
        ctx.emit("STRIDED_SLICE", [x.name, ctx.int32s("begin", [s]), ctx.int32s("end", [e]), ctx.int32s("strides", [step])], [y],
                 options: "StridedSliceOptions", ["begin_mask": .int(0), "end_mask": .int(endMask), "ellipsis_mask": .int(0),
                                                  "new_axis_mask": .int(0), "shrink_axis_mask": .int(shape.isEmpty ? 1 : 0), "offset": .int(0)])
        ctx.runtimeShapes[out] = picked
    }

    /// The output of the Squeeze that is the only reader of 1-element vector `value`, if any.
    static func singleSqueeze(of value: String, _ ctx: RaisingContext) -> String? {
        guard !ctx.outputNames.contains(value), ctx.consumers[value] == 1, let r = ctx.readers[value]?.first, r.opType == "Squeeze",
              r.normalizedDomain.isEmpty, r.outputs.count == 1 else { return nil }
        var axes = r.intsAttribute("axes")
        if axes == nil, r.inputs.count > 1, !r.inputs[1].isEmpty {
            guard let t = ctx.values[r.inputs[1]]?.constant else { return nil }
            axes = ConstantData.ints(t)
        }
        return axes == nil || axes == [0] || axes == [-1] ? r.outputs[0] : nil
    }

    /// Squeeze/Unsqueeze of a run-time shape value: an unsqueezed scalar that a Concat on axis 0
    /// reads waits for it (PACK); otherwise a RESHAPE.
    static func squeezeOrUnsqueeze(_ node: Node, _ ctx: RaisingContext) throws(PassError) {
        let x = try ctx.required(0)
        guard let values = ctx.runtimeShapes[node.inputs[0]] else { throw ctx.invalid("not a run-time shape") }
        let out = node.outputs[0]
        var shape: [Int64]
        var listed = node.intsAttribute("axes")
        if listed == nil { listed = try ints(ctx, 1, "axes") }
        if node.opType == "Squeeze" {
            let axes = (listed ?? Array(0..<Int64(x.rank))).map { $0 < 0 ? $0 + Int64(x.rank) : $0 }
            shape = x.shape.enumerated().filter { !axes.contains(Int64($0.offset)) || $0.element != 1 }.map(\.element)
        } else {
            let given = listed ?? []
            let rank = Int64(x.rank + given.count)
            let axes = given.map { $0 < 0 ? $0 + rank : $0 }
            var source = x.shape.makeIterator()
            shape = (0..<rank).map { axes.contains($0) ? 1 : (source.next() ?? 1) }
            if x.rank == 0, axes == [0], !ctx.outputNames.contains(out), ctx.consumers[out] == 1,
               let r = ctx.readers[out]?.first, r.opType == "Concat", r.intAttribute("axis") == 0 {
                ctx.pendingPackParts[out] = x
                ctx.runtimeShapes[out] = values
                return
            }
        }
        let y = ctx.define(out, shape: shape, type: .int32, perm: Layout.identity(shape.count))
        ctx.reshape(x.name, to: shape, into: y)
        ctx.runtimeShapes[out] = values
    }

    /// Concat on axis 0 of run-time and constant parts: PACK of scalars when every part is an
    /// unsqueezed scalar (TensorFlow's form), else CONCATENATION of int32 vectors.
    static func concat(_ node: Node, _ ctx: RaisingContext) throws(PassError) {
        guard node.intAttribute("axis") == 0 else { throw ctx.unsupported("Concat of run-time shapes on an axis other than 0") }
        var parts: [(tensor: String?, values: [Int64], scalar: Bool)] = []
        for name in node.inputs where !name.isEmpty {
            if let scalar = ctx.pendingPackParts[name], let values = ctx.runtimeShapes[name] {
                parts.append((scalar.name, values, true))
            } else if let values = ctx.runtimeShapes[name], let v = ctx.values[name], v.rank == 1 {
                parts.append((v.name, values, false))
            } else if let t = ctx.values[name]?.constant, let values = ConstantData.ints(t), t.dims.count == 1 {
                parts.append((nil, values, values.count == 1))
            } else {
                throw ctx.unsupported("a part of a run-time shape ('\(name)') is neither constant nor computed from the shape")
            }
        }
        let all = parts.flatMap(\.values)
        let y = ctx.define(node.outputs[0], shape: [Int64(all.count)], type: .int32, perm: [0])
        if parts.allSatisfy(\.scalar) {
            let inputs = parts.map { $0.tensor ?? ctx.int32s("value", $0.values, shape: []) }
            ctx.emit("PACK", inputs, [y], options: "PackOptions", ["values_count": .int(Int64(parts.count)), "axis": .int(0)])
        } else {
            var inputs: [String] = []
            for p in parts {
                guard let tensor = p.tensor else {
                    inputs.append(ctx.int32s("part", p.values))
                    continue
                }
                if !p.scalar {
                    inputs.append(tensor)
                    continue
                }
                let vector = ctx.temporary("part", [1], .int32)
                ctx.reshape(tensor, to: [1], into: vector)
                inputs.append(vector)
            }
            ctx.emit("CONCATENATION", inputs, [y], options: "ConcatenationOptions", ["axis": .int(0), "fused_activation_function": .int(0)])
        }
        ctx.runtimeShapes[node.outputs[0]] = all
    }

    // MARK: Reshape

    /// Reshape to a run-time target: RESHAPE reading the target tensor (no new_shape option, as
    /// TensorFlow writes it); the output's static shape is the target's value at these sizes.
    static func reshape(_ ctx: RaisingContext, _ node: Node, target: [Int64]) throws(PassError) {
        let x = try ctx.required(0)
        let t = try ctx.required(1)
        let allowZero = (node.intAttribute("allowzero") ?? 0) != 0
        guard allowZero || !target.contains(0) else {
            throw ctx.unsupported("a run-time Reshape target with 0 (copy the input dim) has no TFLite form")
        }
        var shape = target
        if let k = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != k }.reduce(Int64(1)) { $0 * $1.element }
            guard known > 0 else { throw ctx.invalid("cannot infer -1 in \(target)") }
            shape[k] = x.shape.reduce(1, *) / known
        }
        guard shape.reduce(1, *) == x.shape.reduce(1, *) else { throw ctx.invalid("cannot reshape \(x.shape) to \(shape)") }
        let input = try ctx.plain(x)
        let y = ctx.define(node.outputs[0], shape: shape, type: x.type, perm: Layout.identity(shape.count))
        ctx.emit("RESHAPE", [input, t.name], [y])
    }
}
