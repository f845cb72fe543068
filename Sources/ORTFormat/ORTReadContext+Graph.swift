import CFlatORT
import ModelFiles
import ModelIR

// MARK: Graphs, values, nodes

extension ORTReadContext {
    func graph(_ id: Int32, depth: Int) throws(ORTError) -> Graph {
        guard depth < 64 else { throw .invalid(path: path, reason: "subgraphs nested more than 64 deep") }
        var g = ort_graph()
        try check(ort_model_graph(handle, id, &g, &err, err.count))
        var out = Graph()
        var infos: [String: ValueInfo] = [:]
        var order: [String] = []
        for i in 0..<g.node_arg_count {
            let info = try nodeArg(id, i)
            infos[info.name] = info
            order.append(info.name)
        }
        let inputs = try strings(g.inputs), outputs = try strings(g.outputs)
        out.inputs = inputs.map { infos[$0] ?? ValueInfo(name: $0, type: nil) }
        out.outputs = outputs.map { infos[$0] ?? ValueInfo(name: $0, type: nil) }
        let boundary = Set(inputs + outputs)
        for i in 0..<g.initializer_count {
            var t = ort_tensor()
            try check(ort_graph_initializer(handle, id, i, &t, &err, err.count))
            out.initializers.append(try tensor(t, element: "graph \(id), initializer \(i)"))
        }
        if g.sparse_initializer_count > 0 {
            throw .unsupported(path: path, element: "graph \(id)", reason: "sparse initializers are not supported yet")
        }
        if g.has_runtime_optimization_records != 0 && g.runtime_optimization_count > 0 {
            throw .unsupported(path: path, element: "graph \(id)",
                               reason: "saved runtime optimizations (the 'Runtime' optimization style) are not supported; convert with the 'Fixed' style")
        }
        let initializerNames = Set(out.initializers.compactMap(\.name))
        out.valueInfos = order.filter { !boundary.contains($0) && !initializerNames.contains($0) }.compactMap { infos[$0] }
        for i in 0..<g.node_count { out.nodes.append(try node(id, i, depth: depth)) }
        // ONNX Runtime stores nodes by index, which its optimizations leave out of dependency order.
        guard let sorted = out.topologicallySortedNodes() else {
            throw .invalid(path: path, reason: "graph \(id): the nodes form a cycle")
        }
        out.nodes = sorted
        return out
    }

    /// A node arg: name and its type chain (sequence/map levels down to a tensor).
    func nodeArg(_ graph: Int32, _ index: Int) throws(ORTError) -> ValueInfo {
        var v = ort_value_info()
        try check(ort_graph_node_arg(handle, graph, index, &v, &err, err.count))
        var levels: [ort_type_level] = []
        for l in 0..<v.type_depth {
            var level = ort_type_level()
            try check(ort_node_arg_type(handle, graph, index, l, &level, &err, err.count))
            levels.append(level)
        }
        var type: ValueType? = nil
        if let last = levels.last, last.value_type == ORT_FB_TYPE_TENSOR {
            var dims: [Dim]? = nil
            if last.has_shape != 0 {
                var list: [Dim] = []
                for d in 0..<last.dim_count {
                    var dim = ort_dimension()
                    try check(ort_node_arg_dim(handle, graph, index, d, &dim, &err, err.count))
                    let denotation = text(dim.denotation)
                    switch dim.dim_type {
                    case ORT_FB_DIM_VALUE: list.append(Dim(.fixed(dim.dim_value), denotation: denotation))
                    case ORT_FB_DIM_PARAM: list.append(Dim(.symbolic(text(dim.dim_param) ?? ""), denotation: denotation))
                    default: list.append(Dim(.unknown, denotation: denotation))
                    }
                }
                dims = list
            }
            let elem: DataType? = last.elem_type == 0 ? nil : DataType(rawValue: last.elem_type)
            type = ValueType(.tensor(TensorType(elementType: elem, shape: dims)), denotation: text(last.denotation))
        }
        for level in levels.dropLast().reversed() {
            switch level.value_type {
            case ORT_FB_TYPE_SEQUENCE: type = ValueType(.sequence(type), denotation: text(level.denotation))
            case ORT_FB_TYPE_MAP: type = ValueType(.map(key: DataType(rawValue: level.elem_type), value: type), denotation: text(level.denotation))
            default: break
            }
        }
        return ValueInfo(name: text(v.name) ?? "", type: type, docString: text(v.doc_string))
    }

    func tensor(_ t: ort_tensor, element: String) throws(ORTError) -> Tensor {
        let name = text(t.name)
        let dims = t.dims.map { Array(UnsafeBufferPointer(start: $0, count: t.dim_count)) } ?? []
        guard t.external_data_offset < 0 else {
            throw .unsupported(path: path, element: "\(element) '\(name ?? "")'", reason: "external initializer data is not supported")
        }
        if let bad = dims.first(where: { $0 < 0 }) {
            throw .invalid(path: path, reason: "\(element) '\(name ?? "")': negative dim \(bad)")
        }
        let dataType = DataType(rawValue: t.data_type)
        let count = Tensor.elementCount(of: dims) ?? -1
        if dataType == .string {
            let values = try strings(t.string_data).map { Array($0.utf8) }
            guard values.count == count else {
                throw .invalid(path: path, reason: "\(element) '\(name ?? "")': \(values.count) strings for shape \(dims)")
            }
            return Tensor(name: name, dataType: .string, dims: dims, contents: .strings(values), docString: text(t.doc_string))
        }
        guard let expected = dataType.byteCount(elements: max(count, 0)), count >= 0 else {
            throw .invalid(path: path, reason: "\(element) '\(name ?? "")': unsupported data type \(t.data_type)")
        }
        let view: ByteView
        if let raw = t.raw_data, t.raw_data_size > 0 {
            guard let v = ByteView(owner: file, offset: UnsafeRawPointer(raw) - file.baseAddress!, count: t.raw_data_size) else {
                throw .invalid(path: path, reason: "\(element) '\(name ?? "")': data lies outside the file")
            }
            view = v
        } else {
            view = .empty
        }
        guard view.count == expected else {
            throw .invalid(path: path, reason: "\(element) '\(name ?? "")': holds \(view.count) bytes but shape \(dims) of \(dataType) needs \(expected)")
        }
        return Tensor(name: name, dataType: dataType, dims: dims, contents: .bytes(view), docString: text(t.doc_string))
    }
}
