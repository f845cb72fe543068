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
        let (code, dims) = try typeCode(info, element: element)
        t.type = code
        setShape(&t, info: info, dims: dims)
        t.is_variable = info.metadata(TFLiteDialect.isVariableKey) != nil ? 1 : 0
        t.has_rank = info.metadata(TFLiteDialect.hasRankKey) != nil ? 1 : 0
        if let q = info.quantization { try setQuantization(&t, q, element: element) }
        if let constant { t.buffer = UInt32(try bufferIndex(constant)) }
        return try index(tfl_builder_add_tensor(builder, s, &t, &err, err.count))
    }

    /// Fixed dims as they are; unknown dims become 1 in `shape` and -1 in `shape_signature`.
    private func setShape(_ t: inout tfl_tensor, info: ValueInfo, dims: [Dim]?) {
        var shape: [Int32] = []
        var signature: [Int32] = []
        var dynamic = false
        for d in dims ?? [] {
            if case .fixed(let n) = d.value {
                shape.append(Int32(clamping: n))
                signature.append(Int32(clamping: n))
            } else {
                shape.append(1)
                signature.append(-1)
                dynamic = true
            }
        }
        if let recorded = info.metadata(TFLiteDialect.shapeKey) {
            shape = recorded.split(separator: ",").compactMap { Int32(String($0)) }
        }
        let hasShape = dims != nil || info.metadata(TFLiteDialect.shapeKey) != nil
        let omitShape = info.metadata(TFLiteDialect.noShapeKey) != nil && shape.isEmpty
        if hasShape && !omitShape {
            t.shape_count = shape.count
            t.shape = presentArray(shape)
        }
        if dims != nil && (dynamic || info.metadata(TFLiteDialect.signatureKey) != nil) {
            t.shape_signature_count = signature.count
            t.shape_signature = presentArray(signature)
        }
    }

    /// An arena copy of `values` that is non-nil even when empty (an empty but present vector).
    private func presentArray<T>(_ values: [T]) -> UnsafePointer<T> {
        let (_, p) = arena.copy(values)
        if let p { return UnsafePointer(p) }
        return UnsafePointer(arena.array(T.self, count: 1)!)
    }

    private func bufferIndex(_ constant: Tensor) throws(TFLiteError) -> Int32 {
        switch constant.contents {
        case .bytes(let view): return try buffer(view)
        case .strings(let strings): return try buffer(Self.encodeStrings(strings))
        }
    }

    /// The TFLite tensor type of a value and its dims (nil for opaque resource/variant values).
    private func typeCode(_ info: ValueInfo, element: String) throws(TFLiteError) -> (Int32, [Dim]?) {
        let kind: ValueType.Kind = info.type?.kind ?? .unspecified
        if let tt = kind.tensorTypeIfTensor {
            guard let d = tt.elementType, let code = TFLiteTypes.tensorType(d) else {
                throw .notRepresentable(path: path, element: element, reason: "element type \(tt.elementType?.name ?? "?") has no TFLite equivalent")
            }
            return (code, tt.shape)
        }
        if let name = kind.opaqueName, let code = TFLiteTypes.opaqueType(name) {
            return (code, nil)
        }
        throw .notRepresentable(path: path, element: element, reason: "type \(info.type?.description ?? "?") has no TFLite equivalent")
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
