import CFlatTFLite
import ModelFiles
import ModelIR

// MARK: Subgraphs and tensors

extension TFLiteWriteContext {
    /// Adds a graph as a subgraph; returns its tensor indices by value name.
    func subgraph(_ g: Graph) throws(TFLiteError) -> [String: Int32] {
        var sg = tfl_subgraph()
        sg.name = UnsafePointer(arena.string(g.name))
        sg.debug_metadata_index = -1
        let s = try index(tfl_builder_add_subgraph(builder, &sg, &err, err.count))

        let constants = Dictionary(g.initializers.compactMap { t in t.name.map { ($0, t) } }, uniquingKeysWith: { a, _ in a })
        var infos = g.valueInfos
        var known = Set(infos.map(\.name))
        let referenced = g.inputs.map(\.name) + g.outputs.map(\.name) + g.nodes.flatMap { $0.inputs + $0.outputs }
        for name in referenced where !name.isEmpty && !known.contains(name) {
            guard let extra = (g.inputs + g.outputs).first(where: { $0.name == name }) ?? constants[name].map({ ValueInfo(name: name, type: $0.valueType) }) else {
                throw .notRepresentable(path: path, element: "value '\(name)'",
                                        reason: "has no type and shape; TFLite needs both for every tensor (run shape inference first)")
            }
            infos.append(extra)
            known.insert(name)
        }
        var indices: [String: Int32] = [:]
        for info in infos {
            indices[info.name] = try tensor(info, constant: constants[info.name], subgraph: s)
        }
        func lookup(_ names: [String]) throws(TFLiteError) -> [Int32] {
            var out: [Int32] = []
            for n in names {
                if n.isEmpty { out.append(-1); continue }
                guard let i = indices[n] else { throw .notRepresentable(path: path, element: "value '\(n)'", reason: "is not a tensor of its graph") }
                out.append(i)
            }
            return out
        }
        let inputs = try lookup(g.inputs.map(\.name)), outputs = try lookup(g.outputs.map(\.name))
        try check(tfl_builder_set_subgraph_io(builder, s, inputs, inputs.count, outputs, outputs.count, &err, err.count))
        for node in g.nodes { try op(node, subgraph: s, lookup: lookup) }
        return indices
    }

    func tensor(_ info: ValueInfo, constant: Tensor?, subgraph s: Int32) throws(TFLiteError) -> Int32 {
        let element = "value '\(info.name)'"
        var t = tfl_tensor()
        t.name = UnsafePointer(arena.string(info.metadata(TFLiteDialect.originalNameKey) ?? info.name))
        var dims: [Dim]? = nil
        switch info.type?.kind {
        case .tensor(let tt)?:
            guard let d = tt.elementType, let code = TFLiteTypes.tensorType(d) else {
                throw .notRepresentable(path: path, element: element, reason: "element type \(tt.elementType?.name ?? "?") has no TFLite equivalent")
            }
            t.type = code
            dims = tt.shape
        case .opaque(_, let name?)?:
            guard let code = TFLiteTypes.opaqueType(name) else {
                throw .notRepresentable(path: path, element: element, reason: "opaque type \(name) has no TFLite equivalent")
            }
            t.type = code
        default:
            throw .notRepresentable(path: path, element: element, reason: "type \(info.type?.description ?? "?") has no TFLite equivalent")
        }
        // Shape: fixed dims as they are; unknown dims become 1 in `shape` and -1 in `shape_signature`.
        var shape: [Int32]? = nil
        var signature: [Int32]? = nil
        if let recorded = info.metadata(TFLiteDialect.shapeKey) {
            shape = recorded.split(separator: ",").compactMap { Int32($0) }
        } else if let dims {
            shape = dims.map { Int32(clamping: $0.fixedValue ?? 1) }
        }
        if let dims, info.metadata(TFLiteDialect.signatureKey) != nil || dims.contains(where: { $0.fixedValue == nil }) {
            signature = dims.map { $0.fixedValue.map { Int32(clamping: $0) } ?? -1 }
        }
        if let shape, !(shape.isEmpty && info.metadata(TFLiteDialect.noShapeKey) != nil) {
            let (n, p) = constArray(shape)
            t.shape_count = n
            t.shape = p ?? UnsafePointer(arena.array(Int32.self, count: 1))
        }
        if let signature {
            let (n, p) = constArray(signature)
            t.shape_signature_count = n
            t.shape_signature = p ?? UnsafePointer(arena.array(Int32.self, count: 1))
        }
        t.is_variable = info.metadata(TFLiteDialect.isVariableKey) != nil ? 1 : 0
        t.has_rank = info.metadata(TFLiteDialect.hasRankKey) != nil ? 1 : 0
        if let q = info.quantization { try setQuantization(&t, q, element: element) }
        if let constant {
            switch constant.contents {
            case .bytes(let view): t.buffer = UInt32(try buffer(view))
            case .strings(let strings): t.buffer = UInt32(try buffer(Self.encodeStrings(strings)))
            }
        }
        return try index(tfl_builder_add_tensor(builder, s, &t, &err, err.count))
    }

    private func setQuantization(_ t: inout tfl_tensor, _ q: QuantParams, element: String) throws(TFLiteError) {
        t.has_quantization = 1
        (t.q_scale_count, t.q_scale) = constArray(q.scales)
        (t.q_zero_point_count, t.q_zero_point) = constArray(q.zeroPoints)
        (t.q_min_count, t.q_min) = constArray(q.min)
        (t.q_max_count, t.q_max) = constArray(q.max)
        t.q_quantized_dimension = Int32(q.axis)
        switch q.details {
        case nil: t.q_details_type = 0
        case .custom(let bytes)?:
            t.q_details_type = 1
            (t.q_custom_size, t.q_custom) = constArray(bytes)
        default:
            throw .notRepresentable(path: path, element: element, reason: "blockwise/multi-axis quantization details are not supported yet")
        }
    }

    /// An arena copy of `values` as a const C array (nil when empty, matching an absent vector).
    func constArray<T>(_ values: [T]) -> (Int, UnsafePointer<T>?) {
        let (n, p) = arena.copy(values)
        return (n, p.map { UnsafePointer($0) })
    }

    /// TFLite's string tensor layout: count, offsets (count + 1), then the bytes.
    static func encodeStrings(_ strings: [[UInt8]]) -> ByteView {
        var out: [UInt8] = []
        func int32(_ v: Int) { withUnsafeBytes(of: Int32(v).littleEndian) { out.append(contentsOf: $0) } }
        int32(strings.count)
        var offset = 4 * (strings.count + 2)
        for s in strings { int32(offset); offset += s.count }
        int32(offset)
        for s in strings { out.append(contentsOf: s) }
        return ByteView(copying: out)
    }
}
