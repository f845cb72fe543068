import CFlatTFLite
import ModelFiles
import ModelIR

// MARK: Subgraphs, tensors, operators

extension TFLiteReadContext {
    func subgraph(_ s: Int) throws(TFLiteError) -> Graph {
        var sg = tfl_subgraph()
        try check(tfl_model_subgraph(handle, s, &sg, &err, err.count))
        var graph = Graph(name: sg.name.map { String(cString: $0) })
        var names: [String] = []
        var used = Set<String>()
        for t in 0..<sg.tensor_count {
            let (info, constant) = try tensor(s, t, used: &used)
            names.append(info.name)
            graph.valueInfos.append(info)
            if let constant { graph.initializers.append(constant) }
        }
        func value(_ index: Int32, _ element: String) throws(TFLiteError) -> String {
            guard index >= 0, Int(index) < names.count else {
                throw .invalid(path: path, reason: "subgraph \(s): \(element) tensor index \(index) out of range (\(names.count) tensors)")
            }
            return names[Int(index)]
        }
        for i in UnsafeBufferPointer(start: sg.inputs, count: sg.input_count) {
            _ = try value(i, "input")
            graph.inputs.append(graph.valueInfos[Int(i)])
        }
        for o in UnsafeBufferPointer(start: sg.outputs, count: sg.output_count) {
            _ = try value(o, "output")
            graph.outputs.append(graph.valueInfos[Int(o)])
        }
        for o in 0..<sg.operator_count { graph.nodes.append(try node(s, o, names: names)) }
        return graph
    }

    /// One tensor as a value (type, quantization, TFLite details in metadata) and, when it has data, a constant.
    func tensor(_ s: Int, _ t: Int, used: inout Set<String>) throws(TFLiteError) -> (ValueInfo, Tensor?) {
        var raw = tfl_tensor()
        try check(tfl_model_tensor(handle, s, t, &raw, &err, err.count))
        let original = raw.name.map { String(cString: $0) } ?? ""
        var name = original
        if name.isEmpty || used.contains(name) { name = "\(original.isEmpty ? "tensor" : original)#\(t)" }
        used.insert(name)
        let element = "subgraph \(s), tensor \(t) '\(original)'"
        var metadata: [MetadataEntry] = []
        if name != original { metadata.append(.init(key: TFLiteDialect.originalNameKey, value: original)) }
        if raw.is_variable != 0 { metadata.append(.init(key: TFLiteDialect.isVariableKey, value: "1")) }
        if raw.has_rank != 0 { metadata.append(.init(key: TFLiteDialect.hasRankKey, value: "1")) }

        if raw.variant_count > 0 || raw.external_buffer != 0 {
            throw .unsupported(path: path, element: element, reason: "variant sub-types and external buffers are not supported")
        }
        var shape = raw.shape.map { Array(UnsafeBufferPointer(start: $0, count: raw.shape_count)) }
        if shape == nil {
            // An absent shape is a scalar to TFLite; remember the absence for an exact rewrite.
            shape = []
            metadata.append(.init(key: TFLiteDialect.noShapeKey, value: "1"))
        }
        let signature = raw.shape_signature.map { Array(UnsafeBufferPointer(start: $0, count: raw.shape_signature_count)) }
        if let shape, let bad = shape.first(where: { $0 < 0 }) {
            throw .invalid(path: path, reason: "\(element): negative dim \(bad) in shape \(shape)")
        }
        // More elements than any device could hold: a damaged shape (no kernel or lowering should size arrays by it).
        if let shape, shape.reduce(1.0, { $0 * Double($1) }) > Double(1 << 32) {
            throw .invalid(path: path, reason: "\(element): shape \(shape) describes more than 2^32 elements")
        }
        if let signature, let shape, signature.count != shape.count {
            throw .invalid(path: path, reason: "\(element): shape_signature \(signature) and shape \(shape) differ in rank")
        }
        var dims: [Dim]? = shape.map { $0.map { Dim.fixed(Int64($0)) } }
        if let signature, let shape {
            metadata.append(.init(key: TFLiteDialect.signatureKey, value: "1"))
            dims = zip(shape, signature).map { s, g in g < 0 ? Dim.unknown : Dim.fixed(Int64(s)) }
            let placeholders = zip(shape, signature).filter { $0.1 < 0 }.map(\.0)
            if placeholders.contains(where: { $0 != 1 }) {
                metadata.append(.init(key: TFLiteDialect.shapeKey, value: shape.map(String.init).joined(separator: ",")))
            }
        }
        let type: ValueType
        var dataType: DataType? = nil
        switch TFLiteTypes.dataType(raw.type) {
        case .type(let d):
            dataType = d
            type = ValueType(.tensor(TensorType(elementType: d, shape: dims)))
        case .opaque(let n):
            type = ValueType(.opaque(domain: TFLiteDialect.domain, name: n))
            if let shape { metadata.append(.init(key: TFLiteDialect.shapeKey, value: shape.map(String.init).joined(separator: ","))) }
        case .unknown:
            throw .unsupported(path: path, element: element, reason: "unknown tensor type \(raw.type)")
        }
        let info = ValueInfo(name: name, type: type, metadata: metadata, quantization: try quantization(raw, element: element))
        guard var view = try buffer(raw.buffer, element: element) else { return (info, nil) }
        if raw.has_sparsity != 0, let shape, let dataType {
            // Sparse constants are densified: the IR holds dense tensors (a rewrite stores them dense).
            view = try densify(s, t, values: view, dataType: dataType, shape: shape, element: element)
        }
        guard let dataType, let shape else {
            throw .invalid(path: path, reason: "\(element): a constant needs a known type and shape")
        }
        let dims64 = shape.map { Int64($0) }
        if dataType == .string {
            return (info, Tensor(name: name, dataType: .string, dims: dims64, contents: .strings(try strings(view, element: element))))
        }
        let count = Tensor.elementCount(of: dims64) ?? -1
        guard let expected = dataType.byteCount(elements: count), expected == view.count else {
            throw .invalid(path: path, reason: "\(element): buffer \(raw.buffer) holds \(view.count) bytes but shape \(shape) of \(dataType) needs \(dataType.byteCount(elements: max(count, 0)) ?? 0)")
        }
        return (info, Tensor(name: name, dataType: dataType, dims: dims64, contents: .bytes(view)))
    }

    func quantization(_ raw: tfl_tensor, element: String) throws(TFLiteError) -> QuantParams? {
        guard raw.has_quantization != 0 else { return nil }
        func floats(_ p: UnsafePointer<Float>?, _ n: Int) -> [Float] { p.map { Array(UnsafeBufferPointer(start: $0, count: n)) } ?? [] }
        var q = QuantParams(
            scales: floats(raw.q_scale, raw.q_scale_count),
            zeroPoints: raw.q_zero_point.map { Array(UnsafeBufferPointer(start: $0, count: raw.q_zero_point_count)) } ?? [],
            axis: Int(raw.q_quantized_dimension),
            min: floats(raw.q_min, raw.q_min_count), max: floats(raw.q_max, raw.q_max_count))
        switch raw.q_details_type {
        case 0: break
        case 1:
            q.details = .custom(raw.q_custom.map { Array(UnsafeBufferPointer(start: $0, count: raw.q_custom_size)) } ?? [])
        default:
            throw .unsupported(path: path, element: element, reason: "blockwise and multi-axis quantization are not supported yet")
        }
        return q
    }

    /// TFLite string tensors: count, offsets, then the bytes.
    func strings(_ view: ByteView, element: String) throws(TFLiteError) -> [[UInt8]] {
        let result: [[UInt8]]? = view.withUnsafeBytes { raw in
            guard raw.count >= 4 else { return nil }
            let n = Int(raw.loadUnaligned(as: Int32.self))
            guard n >= 0, raw.count >= 4 * (n + 2) else { return nil }
            var out: [[UInt8]] = []
            for i in 0..<n {
                let a = Int(raw.loadUnaligned(fromByteOffset: 4 * (i + 1), as: Int32.self))
                let b = Int(raw.loadUnaligned(fromByteOffset: 4 * (i + 2), as: Int32.self))
                guard a >= 0, b >= a, b <= raw.count else { return nil }
                out.append(Array(raw[a..<b]))
            }
            return out
        }
        guard let result else { throw .invalid(path: path, reason: "\(element): malformed string buffer") }
        return result
    }
}
