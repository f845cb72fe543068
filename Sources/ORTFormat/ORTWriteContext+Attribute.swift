import CFlatORT
import ModelFiles
import ModelIR
import OpSet

// MARK: Attributes and the kernel type string resolver

extension ORTWriteContext {
    func attribute(_ a: Attribute, node: Int32, graph: Int32, types: [String: DataType]) throws(ORTError) {
        var out = ort_attribute()
        out.name = cstr(a.name)
        out.doc_string = cstr(a.docString)
        out.g = -1
        var tensors: [Tensor] = []
        var single: Tensor? = nil
        switch a.value {
        case .float(let f): out.type = ORT_FB_ATTR_FLOAT; out.f = f
        case .int(let i): out.type = ORT_FB_ATTR_INT; out.i = i
        case .string(let s):
            out.type = ORT_FB_ATTR_STRING
            let (n, p) = arena.copy(s.map { CChar(bitPattern: $0) } + [0])
            out.s = UnsafePointer(p)
            out.s_len = n - 1
        case .floats(let v): out.type = ORT_FB_ATTR_FLOATS; out.floats = present(v); out.float_count = v.count
        case .ints(let v): out.type = ORT_FB_ATTR_INTS; out.ints = present(v); out.int_count = v.count
        case .strings(let v): out.type = ORT_FB_ATTR_STRINGS; out.strings = list(v.map { String(decoding: $0, as: UTF8.self) })
        case .tensor(let t): out.type = ORT_FB_ATTR_TENSOR; single = t
        case .tensors(let v): out.type = ORT_FB_ATTR_TENSORS; out.has_tensors = 1; tensors = v
        case .graph(let g):
            out.type = ORT_FB_ATTR_GRAPH
            out.g = try self.graph(g, types: types)
        case .graphs(let gs):
            out.type = ORT_FB_ATTR_GRAPHS
            var ids: [Int32] = []
            for g in gs { ids.append(try self.graph(g, types: types)) }
            out.graphs = present(ids)
            out.graph_count = ids.count
        default:
            throw .unsupported(path: path, element: "attribute '\(a.name)'", reason: "\(a.value.kind) attributes have no place in the ORT format")
        }
        let id = try index(ort_builder_add_attribute(builder, graph, node, &out, &err, err.count))
        if let single {
            var t = try tensorStruct(single)
            try check(ort_builder_set_attribute_tensor(builder, graph, node, id, &t, &err, err.count))
        }
        for tensor in tensors {
            var t = try tensorStruct(tensor)
            _ = try index(ort_builder_add_attribute_tensor(builder, graph, node, id, &t, &err, err.count))
        }
    }

    /// For every operator version used: each type constraint (or, for fixed types, the parameter name)
    /// with the formal inputs and outputs that bind it.
    func resolver() throws(ORTError) {
        for opID in usedOps.keys.sorted() {
            guard let sig = usedOps[opID] else { continue }
            var entries: [String: [ort_arg_type_and_index]] = [:]
            for (i, f) in sig.inputs.enumerated() {
                let key = OperatorSignature.isConstraint(f.typeString) ? f.typeString : f.name
                entries[key, default: []].append(ort_arg_type_and_index(arg_type: ORT_FB_ARG_INPUT, index: UInt32(i)))
            }
            for (i, f) in sig.outputs.enumerated() {
                let key = OperatorSignature.isConstraint(f.typeString) ? f.typeString : f.name
                entries[key, default: []].append(ort_arg_type_and_index(arg_type: ORT_FB_ARG_OUTPUT, index: UInt32(i)))
            }
            var op = ort_kernel_type_str_op()
            op.op_id = cstr(opID)
            op.has_entries = 1
            let opIndex = try index(ort_builder_add_kernel_type_str_op(builder, &op, &err, err.count))
            for key in entries.keys.sorted() {
                let args = entries[key] ?? []
                var entry = ort_kernel_type_str_args()
                entry.kernel_type_str = cstr(key)
                entry.has_args = 1
                _ = try index(ort_builder_add_kernel_type_str_args(builder, opIndex, &entry, present(args), args.count, &err, err.count))
            }
        }
    }
}
