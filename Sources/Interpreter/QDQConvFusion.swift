import ModelIR

/// DequantizeLinear → Conv → QuantizeLinear run as one QLinearConv, as int8 runtimes fuse them;
/// DequantizeLinear → MaxPool/Concat → QuantizeLinear at one scale run on the quantized values.
///
/// In exact arithmetic the two agree when the bias is an int32 DequantizeLinear at scale
/// x_scale · w_scale with zero point 0: both are x_scale · w_scale · Σ (x − x_zero)(w − w_zero)
/// + bias, quantized once. The fused form sums exactly in integers (on the int8 GEMM) and rounds
/// once; the float form rounds each product and partial sum, so an output exactly at a rounding
/// tie can land one quantization step apart. Only runs that keep no intermediates use it (the
/// convolution's float output is never made).
enum QDQConvFusion {
    /// One node of the fused graph: an original node by index, or a node replacing a group.
    enum Entry {
        case original(Int)
        case fused(Node)
    }

    /// The graph's nodes with every fusable group replaced; nil when there is none (or the graph
    /// has subgraphs, which may read the values a fusion would drop).
    static func fused(_ graph: Graph, constants: [String: RuntimeValue]) -> [Entry]? {
        let nodes = graph.nodes
        guard !nodes.contains(where: { n in n.attributes.contains { !$0.subgraphs.isEmpty } }) else { return nil }
        var producer: [String: Int] = [:], readers: [String: [Int]] = [:]
        for (i, n) in nodes.enumerated() {
            for o in n.outputs where !o.isEmpty { producer[o] = i }
            for input in n.inputs where !input.isEmpty { readers[input, default: []].append(i) }
        }
        let outputs = Set(graph.outputs.map(\.name))
        func constant(_ name: String) -> NDArray? { name.isEmpty ? nil : constants[name]?.tensor }
        func dequantize(_ name: String) -> Node? {
            guard let i = producer[name], nodes[i].opType == "DequantizeLinear", nodes[i].normalizedDomain.isEmpty,
                  (nodes[i].intAttribute("block_size") ?? 0) == 0 else { return nil }
            return nodes[i]
        }
        var replaced: [Int: Node] = [:], absorbed = Set<Int>()
        for (i, conv) in nodes.enumerated() where conv.opType == "Conv" && conv.normalizedDomain.isEmpty {
            let out = conv.outputs[0]
            // Grouped and depthwise convolutions keep the float form: their GEMMs are too thin to gain.
            guard conv.inputs.count >= 2, (conv.intAttribute("group") ?? 1) == 1, !outputs.contains(out), let reads = readers[out], reads.count == 1,
                  case let q = nodes[reads[0]], q.opType == "QuantizeLinear", q.normalizedDomain.isEmpty, q.inputs.count == 3,
                  q.attribute("output_dtype") == nil,
                  let yScale = constant(q.inputs[1]), yScale.count == 1, let yZero = constant(q.inputs[2]), yZero.count == 1,
                  [.uint8, .int8].contains(yZero.dataType),
                  let dx = dequantize(conv.inputs[0]), dx.inputs.count == 3,
                  let xScale = constant(dx.inputs[1]), xScale.count == 1, let xZero = constant(dx.inputs[2]), xZero.count == 1,
                  [.uint8, .int8].contains(xZero.dataType),
                  let dw = dequantize(conv.inputs[1]), dw.inputs.count == 3,
                  let w = constant(dw.inputs[0]), w.dataType == .int8, let wScale = constant(dw.inputs[1]),
                  let wZero = constant(dw.inputs[2]), wZero.dataType == .int8 else { continue }
            let m = w.shape.first ?? 0
            guard m > 0, wScale.count == 1 || (wScale.count == m && dw.intAttribute("axis") == 0),
                  wZero.count == wScale.count else { continue }
            var inputs = [dx.inputs[0], dx.inputs[1], dx.inputs[2], dw.inputs[0], dw.inputs[1], dw.inputs[2], q.inputs[1], q.inputs[2]]
            if conv.inputs.count > 2, !conv.inputs[2].isEmpty {
                guard let bias = biasInput(conv.inputs[2], dequantize: dequantize, constant: constant, m: m,
                                           scale: Float.values(of: xScale)[0], weightScales: Float.values(of: wScale)) else { continue }
                inputs.append(bias)
            }
            replaced[i] = Node(name: conv.name, opType: "QLinearConv", inputs: inputs, outputs: q.outputs, attributes: conv.attributes)
            absorbed.insert(reads[0])
        }
        for (i, node) in nodes.enumerated() where replaced[i] == nil {
            guard let (fused, q) = selection(node, readers: readers, nodes: nodes, outputs: outputs,
                                             dequantize: dequantize, constant: constant) else { continue }
            replaced[i] = fused
            absorbed.insert(q)
        }
        guard !replaced.isEmpty else { return nil }
        // A DequantizeLinear whose every reader was fused has nothing left to feed.
        let fused = Set(replaced.keys)
        for (i, n) in nodes.enumerated() where n.opType == "DequantizeLinear" {
            let out = n.outputs[0]
            if !outputs.contains(out), let r = readers[out], !r.isEmpty, r.allSatisfy({ fused.contains($0) }) { absorbed.insert(i) }
        }
        return nodes.indices.compactMap { i in
            if let node = replaced[i] { return .fused(node) }
            return absorbed.contains(i) ? nil : .original(i)
        }
    }

    // MARK: Selections

    /// Ops whose outputs are elements of their inputs, chosen by order (max) or position.
    static let selecting: Set<String> = ["MaxPool", "Concat"]

    /// DequantizeLinear → MaxPool/Concat → QuantizeLinear, every one at the same scalar scale and
    /// zero point, as the op on the quantized inputs (and the index of the absorbed QuantizeLinear).
    ///
    /// Dequantizing is increasing (scale > 0), so the max of dequantized values is the dequantized
    /// max; and quantizing a dequantized integer k at the same parameters gives k back, as
    /// fl(fl(k·s)/s) lies within 255 · 2⁻²² of k for |k| ≤ 255 and scales of normal size. The
    /// fused op therefore gives exactly the QuantizeLinear's output.
    static func selection(_ node: Node, readers: [String: [Int]], nodes: [Node], outputs: Set<String>,
                          dequantize: (String) -> Node?, constant: (String) -> NDArray?) -> (Node, Int)? {
        guard selecting.contains(node.opType), node.normalizedDomain.isEmpty, node.outputs.count == 1, !node.inputs.isEmpty,
              case let out = node.outputs[0], !outputs.contains(out), let reads = readers[out], reads.count == 1,
              case let q = nodes[reads[0]], q.opType == "QuantizeLinear", q.normalizedDomain.isEmpty, q.inputs.count == 3,
              q.attribute("output_dtype") == nil, (q.intAttribute("block_size") ?? 0) == 0,
              let scale = constant(q.inputs[1]), scale.count == 1, scale.dataType == .float,
              let zero = constant(q.inputs[2]), zero.count == 1, [.uint8, .int8].contains(zero.dataType),
              let s = Float.values(of: scale).first, s > 1e-30, s < 1e30 else { return nil }
        var quantized: [String] = []
        for input in node.inputs {
            guard let dq = dequantize(input), dq.inputs.count == 3,
                  let ds = constant(dq.inputs[1]), ds == scale, let dz = constant(dq.inputs[2]), dz == zero else { return nil }
            quantized.append(dq.inputs[0])
        }
        let fused = Node(name: node.name, opType: node.opType, inputs: quantized, outputs: q.outputs, attributes: node.attributes)
        return (fused, reads[0])
    }

    /// The int32 input of a bias DequantizeLinear at scale x_scale · w_scale (zero point 0), or nil.
    static func biasInput(_ name: String, dequantize: (String) -> Node?, constant: (String) -> NDArray?, m: Int,
                          scale: Float, weightScales: [Float]) -> String? {
        guard let db = dequantize(name), db.inputs.count >= 2, let b = constant(db.inputs[0]), b.dataType == .int32, b.count == m,
              let bScale = constant(db.inputs[1]), bScale.count == 1 || bScale.count == m else { return nil }
        if db.inputs.count > 2, !db.inputs[2].isEmpty {
            guard let z = constant(db.inputs[2]), z.doubles.allSatisfy({ $0 == 0 }) else { return nil }
        }
        let scales = Float.values(of: bScale)
        for c in 0..<m {
            let expected = scale * weightScales[weightScales.count == 1 ? 0 : c]
            let given = scales[scales.count == 1 ? 0 : c]
            guard abs(given - expected) <= 1e-6 * abs(expected) else { return nil }
        }
        return db.inputs[0]
    }
}
