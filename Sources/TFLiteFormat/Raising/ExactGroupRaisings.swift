import ModelIR
import Passes

/// Raises a recognised exact integer group (`ExactGroupRecognition`) to the int8 TFLite operator
/// it stands for: the recorded options, the int8 weights and int32 bias as they are in the ONNX
/// graph (no requantization), and the recorded scales and zero points on every tensor.
enum ExactGroupRaisings {
    /// Emits the group's operator; its output becomes an int8 value with the recorded parameters.
    static func raise(_ group: ExactGroup, _ ctx: RaisingContext) throws(PassError) {
        let node = group.node
        guard let out = node.outputs.first else { throw ctx.invalid("exact int8 group without an output") }
        var inputs: [String] = []
        var shapes: [[Int64]?] = []
        var constants: [Tensor?] = []
        for name in node.inputs {
            guard !name.isEmpty else {
                inputs.append("")
                shapes.append(nil)
                constants.append(nil)
                continue
            }
            if let t = group.constants[name] {
                inputs.append(ctx.constant("constant", t))
                shapes.append(t.dims)
                constants.append(t)
                continue
            }
            guard let v = ctx.values[name] else {
                throw ctx.invalid("input '\(name)' of the exact int8 \(node.opType) is not an integer tensor here")
            }
            if let declared = group.dims[name] {
                guard declared.count == v.rank, zip(declared, v.shape).allSatisfy({ $0.0 == nil || $0.0 == $0.1 }) else {
                    throw ctx.unsupported("input '\(name)' has shape \(v.shape), not the declared \(declared.map { $0.map(String.init) ?? "?" })")
                }
            }
            inputs.append(try operand(name, v, group.quantization[name], ctx))
            shapes.append(v.shape)
            constants.append(v.constant)
        }
        guard let q = group.quantization[out], let shape = outputShape(node, shapes, constants) else {
            throw ctx.unsupported("cannot compute the output shape of the exact int8 \(node.opType)")
        }
        if let declared = group.dims[out], declared.count != shape.count || zip(declared, shape).contains(where: { $0.0 != nil && $0.0 != $0.1 }) {
            throw ctx.unsupported("the exact int8 \(node.opType) computes shape \(shape), not the declared one")
        }
        let stored = ctx.define(out, shape: shape, type: .int8, perm: Layout.identity(shape.count))
        ctx.setQuantization(stored, q)
        ctx.quantization[out] = q
        ctx.emitNode(Node(name: "\(node.opType)_\(stored)", opType: node.opType, domain: TFLiteDialect.domain, inputs: inputs,
                          outputs: [stored], attributes: node.attributes))
        ctx.fusedOps["exact " + node.opType, default: 0] += 1
    }

    /// The TFLite tensor of one operator input, carrying quantization `q`.
    static func operand(_ name: String, _ v: RaisedValue, _ q: QuantParams?, _ ctx: RaisingContext) throws(PassError) -> String {
        if v.constant != nil {
            let tensor = try ctx.materialized(v)
            if let q {
                if let existing = ctx.valueInfos.first(where: { $0.name == tensor }) {
                    guard existing.quantization == nil || existing.quantization == q else {
                        throw ctx.unsupported("constant '\(name)' is read with two different quantizations")
                    }
                } else {
                    ctx.declare(tensor, v.storedShape, v.type)
                }
                ctx.setQuantization(tensor, q)
            }
            return tensor
        }
        guard let q, v.type == .int8 else {
            throw ctx.unsupported("input '\(name)' of an exact int8 group is \(v.type) without quantization, not int8")
        }
        if ctx.graphInputs.contains(name), ctx.quantization[name] == nil {
            if let set = ctx.inputQuantization[name], !samePerTensor(set, q) {
                throw ctx.unsupported("graph input '\(name)' is read with different quantization parameters")
            }
            ctx.inputQuantization[name] = q
            ctx.quantization[name] = q
        }
        guard let known = ctx.quantization[name] else {
            throw ctx.unsupported("the int8 value '\(name)' has no quantization in the raised model")
        }
        guard samePerTensor(known, q) else {
            throw ctx.unsupported("the int8 value '\(name)' is recorded \(q), but holds \(known)")
        }
        return try ctx.plain(v)
    }

    /// Equal per-tensor scale and zero point.
    static func samePerTensor(_ a: QuantParams, _ b: QuantParams) -> Bool {
        a.scales == b.scales && (a.zeroPoints.isEmpty ? [0] : a.zeroPoints) == (b.zeroPoints.isEmpty ? [0] : b.zeroPoints)
    }

    // MARK: Shapes

    /// The output shape of the TFLite node on inputs of the given shapes (NHWC, TFLite semantics).
    static func outputShape(_ node: Node, _ shapes: [[Int64]?], _ constants: [Tensor?]) -> [Int64]? {
        func shape(_ i: Int) -> [Int64]? { i < shapes.count ? shapes[i] : nil }
        switch node.opType {
        case "CONV_2D", "DEPTHWISE_CONV_2D":
            guard let x = shape(0), x.count == 4, let w = shape(1), w.count == 4,
                  let h = windowOutput(x[1], w[1], node.option("stride_h", default: 1), node.option("dilation_h_factor", default: 1), node),
                  let wd = windowOutput(x[2], w[2], node.option("stride_w", default: 1), node.option("dilation_w_factor", default: 1), node)
            else { return nil }
            return [x[0], h, wd, node.opType == "CONV_2D" ? w[0] : w[3]]
        case "AVERAGE_POOL_2D":
            guard let x = shape(0), x.count == 4,
                  let h = windowOutput(x[1], node.option("filter_height", default: 1), node.option("stride_h", default: 1), 1, node),
                  let w = windowOutput(x[2], node.option("filter_width", default: 1), node.option("stride_w", default: 1), 1, node)
            else { return nil }
            return [x[0], h, w, x[3]]
        case "FULLY_CONNECTED":
            guard let x = shape(0), !x.isEmpty, let w = shape(1), w.count == 2, w[1] > 0 else { return nil }
            if node.option("keep_num_dims") != 0 { return x.dropLast() + [w[0]] }
            let count = x.reduce(1, *)
            guard count % w[1] == 0 else { return nil }
            return [count / w[1], w[0]]
        case "ADD", "SUB":
            guard let a = shape(0), let b = shape(1) else { return nil }
            return broadcast(a, b)
        case "MEAN":
            guard let x = shape(0), constants.count > 1, let t = constants[1], let axes = ConstantData.ints(t) else { return nil }
            let rank = Int64(x.count)
            guard axes.allSatisfy({ -rank..<rank ~= $0 }) else { return nil }
            let reduced = Set(axes.map { Int($0 < 0 ? $0 + rank : $0) })
            let keep = node.option("keep_dims") != 0
            return x.indices.compactMap { i in reduced.contains(i) ? (keep ? 1 : nil) : x[i] }
        default:
            return nil
        }
    }

    /// Output size of a TFLite window along one axis (padding 0 SAME, 1 VALID).
    static func windowOutput(_ size: Int64, _ filter: Int64, _ stride: Int64, _ dilation: Int64, _ node: Node) -> Int64? {
        guard stride > 0, filter > 0, dilation > 0 else { return nil }
        let effective = (filter - 1) * dilation + 1
        let out = node.option("padding") == 0 ? (size + stride - 1) / stride : (size - effective + stride) / stride
        return out > 0 ? out : nil
    }

    /// NumPy broadcasting of two shapes; nil when they do not broadcast.
    static func broadcast(_ a: [Int64], _ b: [Int64]) -> [Int64]? {
        let n = max(a.count, b.count)
        let pa = [Int64](repeating: 1, count: n - a.count) + a, pb = [Int64](repeating: 1, count: n - b.count) + b
        var out: [Int64] = []
        for (x, y) in zip(pa, pb) {
            guard x == y || x == 1 || y == 1 else { return nil }
            out.append(x == 1 ? y : x)
        }
        return out
    }
}

extension RaisingContext {
    /// Appends a TFLite node as it is (attributes included) and records it as its outputs' producer.
    func emitNode(_ node: Node) {
        for o in node.outputs { producer[o] = nodes.count }
        nodes.append(node)
    }
}
