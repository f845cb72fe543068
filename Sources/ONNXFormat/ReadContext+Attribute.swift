import CProtobufONNX
import ModelIR

// MARK: Attributes

extension ReadContext {
    func attribute(_ a: Onnx__AttributeProto, owner: String) throws(ONNXError) -> Attribute {
        let name = cString(a.name) ?? ""
        let declared: Attribute.Kind?
        if a.has_type != 0 {
            guard let k = Attribute.Kind(rawValue: Int32(a.type.rawValue)) else {
                throw .invalidField(path: path, element: "\(owner), attribute '\(name)'", reason: "unknown attribute type \(a.type.rawValue)")
            }
            declared = k
        } else {
            declared = nil
        }
        let kind = declared ?? inferredKind(a)
        let value = try attributeValue(a, kind: kind, element: "\(owner), attribute '\(name)'")
        return Attribute(name: name, value: value, refAttrName: cString(a.ref_attr_name), docString: cString(a.doc_string))
    }

    /// The kind of an attribute written without `type` (old files): the field that is present.
    private func inferredKind(_ a: Onnx__AttributeProto) -> Attribute.Kind {
        if a.has_f != 0 { return .float }
        if a.has_i != 0 { return .int }
        if a.has_s != 0 { return .string }
        if a.t != nil { return .tensor }
        if a.g != nil { return .graph }
        if a.sparse_tensor != nil { return .sparseTensor }
        if a.tp != nil { return .type }
        if a.n_floats > 0 { return .floats }
        if a.n_ints > 0 { return .ints }
        if a.n_strings > 0 { return .strings }
        if a.n_tensors > 0 { return .tensors }
        if a.n_graphs > 0 { return .graphs }
        if a.n_sparse_tensors > 0 { return .sparseTensors }
        if a.n_type_protos > 0 { return .types }
        return .undefined
    }

    private func attributeValue(_ a: Onnx__AttributeProto, kind: Attribute.Kind, element: String) throws(ONNXError) -> Attribute.Value {
        switch kind {
        case .undefined: return .empty(.undefined)
        case .float: return a.has_f != 0 ? .float(a.f) : .empty(.float)
        case .int: return a.has_i != 0 ? .int(a.i) : .empty(.int)
        case .string: return a.has_s != 0 ? .string(Array(cBytes(a.s))) : .empty(.string)
        case .tensor:
            guard let t = a.t else { return .empty(.tensor) }
            return .tensor(try tensor(t.pointee))
        case .graph:
            guard let g = a.g else { return .empty(.graph) }
            return .graph(try graph(g.pointee))
        case .sparseTensor:
            guard let s = a.sparse_tensor else { return .empty(.sparseTensor) }
            return .sparseTensor(try sparseTensor(s.pointee))
        case .type:
            guard let t = a.tp else { return .empty(.type) }
            return .type(try valueType(t.pointee, element: element))
        case .floats: return .floats(Array(cArray(a.n_floats, a.floats)))
        case .ints: return .ints(Array(cArray(a.n_ints, a.ints)))
        case .strings: return .strings(cArray(a.n_strings, a.strings).map { Array(cBytes($0)) })
        case .tensors:
            var out: [Tensor] = []
            for t in cMessages(a.n_tensors, a.tensors) { out.append(try tensor(t.pointee)) }
            return .tensors(out)
        case .graphs:
            var out: [Graph] = []
            for g in cMessages(a.n_graphs, a.graphs) { out.append(try graph(g.pointee)) }
            return .graphs(out)
        case .sparseTensors:
            var out: [SparseTensor] = []
            for s in cMessages(a.n_sparse_tensors, a.sparse_tensors) { out.append(try sparseTensor(s.pointee)) }
            return .sparseTensors(out)
        case .types:
            var out: [ValueType] = []
            for t in cMessages(a.n_type_protos, a.type_protos) { out.append(try valueType(t.pointee, element: element)) }
            return .types(out)
        }
    }

    // MARK: Types

    func valueInfos(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__ValueInfoProto>?>?) throws(ONNXError) -> [ValueInfo] {
        var out: [ValueInfo] = []
        for v in cMessages(n, p) {
            let name = cString(v.pointee.name) ?? ""
            out.append(ValueInfo(
                name: name,
                type: try v.pointee.type.map { t throws(ONNXError) in try valueType(t.pointee, element: "value '\(name)'") },
                docString: cString(v.pointee.doc_string),
                metadata: entries(v.pointee.n_metadata_props, v.pointee.metadata_props)))
        }
        return out
    }

    func valueType(_ t: Onnx__TypeProto, element: String) throws(ONNXError) -> ValueType {
        let denotation = cString(t.denotation)
        switch t.value_case {
        case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
            guard let tt = t.tensor_type else { return ValueType(.unspecified, denotation: denotation) }
            return ValueType(.tensor(try tensorType(
                elem: tt.pointee.has_elem_type != 0 ? tt.pointee.elem_type : nil, shape: tt.pointee.shape, element: element)),
                denotation: denotation)
        case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE:
            guard let st = t.sparse_tensor_type else { return ValueType(.unspecified, denotation: denotation) }
            return ValueType(.sparseTensor(try tensorType(
                elem: st.pointee.has_elem_type != 0 ? st.pointee.elem_type : nil, shape: st.pointee.shape, element: element)),
                denotation: denotation)
        case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE:
            let e = try t.sequence_type?.pointee.elem_type.map { p throws(ONNXError) in try valueType(p.pointee, element: element) }
            return ValueType(.sequence(e), denotation: denotation)
        case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE:
            let e = try t.optional_type?.pointee.elem_type.map { p throws(ONNXError) in try valueType(p.pointee, element: element) }
            return ValueType(.optional(e), denotation: denotation)
        case ONNX__TYPE_PROTO__VALUE_MAP_TYPE:
            guard let m = t.map_type else { return ValueType(.unspecified, denotation: denotation) }
            let v = try m.pointee.value_type.map { p throws(ONNXError) in try valueType(p.pointee, element: element) }
            let key = DataType(rawValue: m.pointee.has_key_type != 0 ? m.pointee.key_type : 0)
            return ValueType(.map(key: key, value: v), denotation: denotation)
        case ONNX__TYPE_PROTO__VALUE_OPAQUE_TYPE:
            return ValueType(.opaque(domain: cString(t.opaque_type?.pointee.domain), name: cString(t.opaque_type?.pointee.name)),
                             denotation: denotation)
        default:
            return ValueType(.unspecified, denotation: denotation)
        }
    }

    private func tensorType(elem: Int32?, shape: UnsafeMutablePointer<Onnx__TensorShapeProto>?, element: String) throws(ONNXError) -> TensorType {
        guard let shape else { return TensorType(elementType: elem.map(DataType.init(rawValue:)), shape: nil) }
        var dims: [Dim] = []
        for d in cMessages(shape.pointee.n_dim, shape.pointee.dim) {
            let denotation = cString(d.pointee.denotation)
            switch d.pointee.value_case {
            case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE:
                dims.append(Dim(.fixed(d.pointee.dim_value), denotation: denotation))
            case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
                dims.append(Dim(.symbolic(cString(d.pointee.dim_param) ?? ""), denotation: denotation))
            default:
                dims.append(Dim(.unknown, denotation: denotation))
            }
        }
        return TensorType(elementType: elem.map(DataType.init(rawValue:)), shape: dims)
    }
}
