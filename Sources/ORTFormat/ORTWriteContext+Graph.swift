import CFlatORT
import ModelFiles
import ModelIR
import OpSet

// MARK: Graphs, values, nodes

extension ORTWriteContext {
    /// Adds a graph (the first one added is the main graph) and returns its id.
    func graph(_ g: Graph, types: [String: DataType]) throws(ORTError) -> Int32 {
        var info = ort_graph()
        info.max_node_index = UInt32(g.nodes.count)
        info.inputs = list(g.inputs.map(\.name))
        info.outputs = list(g.outputs.map(\.name))
        info.has_initializers = 1
        info.has_node_args = 1
        info.has_nodes = 1
        let id = try index(ort_builder_add_graph(builder, &info, &err, err.count))
        for t in g.initializers { try initializer(t, graph: id) }
        try nodeArgs(g, graph: id, types: types)
        for (i, node) in g.nodes.enumerated() { try self.node(node, index: i, graph: id, types: types) }
        return id
    }

    func initializer(_ t: Tensor, graph: Int32) throws(ORTError) {
        var out = try tensorStruct(t)
        _ = try index(ort_builder_add_initializer(builder, graph, &out, &err, err.count))
    }

    func tensorStruct(_ t: Tensor) throws(ORTError) -> ort_tensor {
        var out = ort_tensor()
        out.name = cstr(t.name)
        out.doc_string = cstr(t.docString)
        out.dims = present(t.dims)
        out.dim_count = t.dims.count
        out.data_type = t.dataType.rawValue
        out.external_data_offset = -1
        switch t.contents {
        case .bytes(let view):
            // The facade copies the bytes during the call; the view outlives it.
            out.raw_data = view.withUnsafeBytes { $0.baseAddress?.assumingMemoryBound(to: UInt8.self) } ?? present([UInt8(0)])
            out.raw_data_size = view.count
        case .strings(let s):
            out.string_data = list(s.map { String(decoding: $0, as: UTF8.self) })
        }
        return out
    }

    /// One node arg per value the graph names, each with its type (shape when declared).
    func nodeArgs(_ g: Graph, graph: Int32, types: [String: DataType]) throws(ORTError) {
        var declared: [String: ValueInfo] = [:]
        for v in g.inputs + g.outputs + g.valueInfos { declared[v.name] = declared[v.name] ?? v }
        for t in g.initializers { if let n = t.name, declared[n] == nil { declared[n] = ValueInfo(name: n, type: t.valueType) } }
        var names: [String] = []
        var seen = Set<String>()
        func add(_ n: String) { if !n.isEmpty && seen.insert(n).inserted { names.append(n) } }
        g.inputs.forEach { add($0.name) }
        g.initializers.forEach { add($0.name ?? "") }
        g.nodes.forEach { n in n.inputs.forEach(add); n.outputs.forEach(add) }
        g.outputs.forEach { add($0.name) }
        var untyped: [String] = []
        for name in names {
            var dims: [Dim]? = nil
            var elem = types[name]
            if case .tensor(let tt)? = declared[name]?.type?.kind {
                dims = tt.shape
                elem = tt.elementType ?? elem
            }
            guard let elem else {
                // Values of enclosing scopes are declared there.
                if g.definedNames.contains(name) { untyped.append(name) }
                continue
            }
            var v = ort_value_info()
            v.name = cstr(name)
            var level = ort_type_level()
            level.value_type = ORT_FB_TYPE_TENSOR
            level.has_value = 1
            level.elem_type = elem.rawValue
            level.has_shape = dims == nil ? 0 : 1
            level.has_dims = dims == nil ? 0 : 1
            let dimStructs: [ort_dimension] = (dims ?? []).map { d in
                var x = ort_dimension()
                x.has_value = 1
                switch d.value {
                case .fixed(let n): x.dim_type = ORT_FB_DIM_VALUE; x.dim_value = n
                case .symbolic(let s): x.dim_type = ORT_FB_DIM_PARAM; x.dim_param = cstr(s)
                case .unknown: x.dim_type = ORT_FB_DIM_UNKNOWN
                }
                return x
            }
            _ = try index(ort_builder_add_node_arg(builder, graph, &v, &level, 1, present(dimStructs), dimStructs.count, &err, err.count))
        }
        // Omitted optional arguments are named "": onnxruntime looks that name up like any other.
        if g.nodes.contains(where: { $0.inputs.contains("") || $0.outputs.contains("") }) {
            var v = ort_value_info()
            v.name = cstr("")
            _ = try index(ort_builder_add_node_arg(builder, graph, &v, nil, 0, nil, 0, &err, err.count))
        }
        if !untyped.isEmpty {
            throw .unsupported(path: path, element: "values \(untyped.prefix(5).joined(separator: ", "))\(untyped.count > 5 ? ", …" : "")",
                               reason: "have no known element type; onnxruntime needs a type for every value (run shape inference first)")
        }
    }

    func node(_ n: Node, index i: Int, graph: Int32, types: [String: DataType]) throws(ORTError) {
        let domain = n.normalizedDomain
        guard let sig = operators.signature(domain: domain, name: n.opType, opset: opsets[domain] ?? 1) else {
            throw .unsupported(path: path, element: "node '\(n.label)'", reason: "\(n.qualifiedOpType) is not an operator onnxruntime's format can describe here (no schema)")
        }
        usedOps[sig.opID] = sig
        var node = ort_node()
        node.name = cstr(n.name ?? "")
        node.doc_string = cstr(n.docString)
        node.domain = cstr(domain)
        node.since_version = Int32(sig.sinceVersion)
        node.index = UInt32(i)
        node.op_type = cstr(n.opType)
        node.type = ORT_FB_NODE_PRIMITIVE
        node.execution_provider_type = cstr("CPUExecutionProvider")
        node.inputs = list(n.inputs)
        node.outputs = list(n.outputs)
        node.implicit_inputs = list(Array(Set(n.implicitInputs)).sorted())
        let counts = Self.inputArgCounts(n.inputs.count, sig)
        node.input_arg_counts = present(counts)
        node.input_arg_count_count = counts.count
        node.has_attributes = n.attributes.isEmpty ? 0 : 1
        let id = try index(ort_builder_add_node(builder, graph, &node, &err, err.count))
        for a in n.attributes { try attribute(a, node: id, graph: graph, types: types) }
    }

    /// How many actual inputs bind each formal input (a variadic last formal takes the rest).
    static func inputArgCounts(_ actual: Int, _ sig: OperatorSignature) -> [Int32] {
        var counts: [Int32] = []
        var left = actual
        for (i, f) in sig.inputs.enumerated() {
            guard left > 0 else { break }
            let take = f.option == .variadic && i == sig.inputs.count - 1 ? left : 1
            counts.append(Int32(take))
            left -= take
        }
        return counts
    }
}
