import CFlatORT
import ModelIR

// MARK: Nodes and attributes

extension ORTReadContext {
    func node(_ graph: Int32, _ index: Int, depth: Int) throws(ORTError) -> Node {
        var n = ort_node()
        try check(ort_graph_node(handle, graph, index, &n, &err, err.count))
        guard let opType = text(n.op_type) else { throw .invalid(path: path, reason: "graph \(graph), node \(index): no op type") }
        var metadata = [
            MetadataEntry(key: ORTDialect.sinceVersionKey, value: String(n.since_version)),
            MetadataEntry(key: ORTDialect.nodeIndexKey, value: String(n.index)),
        ]
        if let ep = text(n.execution_provider_type) { metadata.append(.init(key: ORTDialect.executionProviderKey, value: ep)) }
        let implicit = try strings(n.implicit_inputs)
        if !implicit.isEmpty { metadata.append(.init(key: ORTDialect.implicitInputsKey, value: implicit.joined(separator: "\u{1f}"))) }
        if let counts = n.input_arg_counts {
            let list = UnsafeBufferPointer(start: counts, count: n.input_arg_count_count).map(String.init)
            metadata.append(.init(key: ORTDialect.inputArgCountsKey, value: list.joined(separator: ",")))
        }
        if n.type == ORT_FB_NODE_FUSED { metadata.append(.init(key: ORTDialect.fusedKey, value: "1")) }
        var attributes: [Attribute] = []
        for a in 0..<n.attribute_count { attributes.append(try attribute(graph, index, a, depth: depth)) }
        return Node(name: text(n.name), opType: opType, domain: text(n.domain), inputs: try strings(n.inputs),
                    outputs: try strings(n.outputs), attributes: attributes, docString: text(n.doc_string), metadata: metadata)
    }

    func attribute(_ graph: Int32, _ node: Int, _ index: Int, depth: Int) throws(ORTError) -> Attribute {
        var a = ort_attribute()
        try check(ort_node_attribute(handle, graph, node, index, &a, &err, err.count))
        let name = text(a.name) ?? ""
        let element = "graph \(graph), node \(node), attribute '\(name)'"
        let value: Attribute.Value
        switch a.type {
        case ORT_FB_ATTR_FLOAT: value = .float(a.f)
        case ORT_FB_ATTR_INT: value = .int(a.i)
        case ORT_FB_ATTR_STRING:
            value = .string(a.s.map { Array(UnsafeRawBufferPointer(start: $0, count: a.s_len).bindMemory(to: UInt8.self)) } ?? [])
        case ORT_FB_ATTR_TENSOR:
            var t = ort_tensor()
            try check(ort_attribute_tensor(handle, graph, node, index, -1, &t, &err, err.count))
            value = .tensor(try tensor(t, element: element))
        case ORT_FB_ATTR_GRAPH:
            guard a.g >= 0 else { throw .invalid(path: path, reason: "\(element): graph attribute without a graph") }
            value = .graph(try self.graph(a.g, depth: depth + 1))
        case ORT_FB_ATTR_FLOATS: value = .floats(a.floats.map { Array(UnsafeBufferPointer(start: $0, count: a.float_count)) } ?? [])
        case ORT_FB_ATTR_INTS: value = .ints(a.ints.map { Array(UnsafeBufferPointer(start: $0, count: a.int_count)) } ?? [])
        case ORT_FB_ATTR_STRINGS: value = .strings(try strings(a.strings).map { Array($0.utf8) })
        case ORT_FB_ATTR_TENSORS:
            var list: [Tensor] = []
            for i in 0..<a.tensor_count {
                var t = ort_tensor()
                try check(ort_attribute_tensor(handle, graph, node, index, Int64(i), &t, &err, err.count))
                list.append(try tensor(t, element: element))
            }
            value = .tensors(list)
        case ORT_FB_ATTR_GRAPHS:
            var list: [Graph] = []
            for id in UnsafeBufferPointer(start: a.graphs, count: a.graph_count) { list.append(try self.graph(id, depth: depth + 1)) }
            value = .graphs(list)
        default:
            throw .unsupported(path: path, element: element, reason: "attribute type \(a.type) is not supported")
        }
        return Attribute(name: name, value: value, docString: text(a.doc_string))
    }
}
