import CProtobufONNX
import ModelFiles
import ModelIR

// MARK: Attributes and types

extension WriteContext {
    func attribute(_ a: Attribute) throws(ONNXError) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let p = arena.message(onnxio_init_attribute)
        p.pointee.name = arena.string(a.name)
        p.pointee.ref_attr_name = arena.string(a.refAttrName)
        p.pointee.doc_string = arena.string(a.docString)
        let kind = a.value.kind
        if kind != .undefined {
            p.pointee.has_type = 1
            p.pointee.type = Onnx__AttributeProto__AttributeType(rawValue: UInt32(kind.rawValue))
        }
        switch a.value {
        case .float(let f): p.pointee.has_f = 1; p.pointee.f = f
        case .int(let i): p.pointee.has_i = 1; p.pointee.i = i
        case .string(let s): p.pointee.has_s = 1; p.pointee.s = arena.bytes(s)
        case .tensor(let t): p.pointee.t = try tensor(t, mayGoExternal: false)
        case .graph(let g): p.pointee.g = try graph(g, initializersMayGoExternal: false)
        case .sparseTensor(let s): p.pointee.sparse_tensor = try sparseTensor(s)
        case .type(let t): p.pointee.tp = typeProto(t)
        case .floats(let v): (p.pointee.n_floats, p.pointee.floats) = arena.copy(v)
        case .ints(let v): (p.pointee.n_ints, p.pointee.ints) = arena.copy(v)
        case .strings(let v): (p.pointee.n_strings, p.pointee.strings) = arena.copy(v.map { arena.bytes($0) })
        case .tensors(let v):
            var out: [UnsafeMutablePointer<Onnx__TensorProto>?] = []
            for t in v { out.append(try tensor(t, mayGoExternal: false)) }
            (p.pointee.n_tensors, p.pointee.tensors) = arena.copy(out)
        case .graphs(let v):
            var out: [UnsafeMutablePointer<Onnx__GraphProto>?] = []
            for g in v { out.append(try graph(g, initializersMayGoExternal: false)) }
            (p.pointee.n_graphs, p.pointee.graphs) = arena.copy(out)
        case .sparseTensors(let v):
            var out: [UnsafeMutablePointer<Onnx__SparseTensorProto>?] = []
            for s in v { out.append(try sparseTensor(s)) }
            (p.pointee.n_sparse_tensors, p.pointee.sparse_tensors) = arena.copy(out)
        case .types(let v):
            (p.pointee.n_type_protos, p.pointee.type_protos) = arena.copy(v.map { typeProto($0) })
        case .empty:
            break
        }
        return p
    }

    func valueInfos(_ v: [ValueInfo]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<Onnx__ValueInfoProto>?>?) {
        arena.copy(v.map { info in
            let p = arena.message(onnxio_init_value_info)
            p.pointee.name = arena.string(info.name)
            p.pointee.type = info.type.map { typeProto($0) }
            p.pointee.doc_string = arena.string(info.docString)
            (p.pointee.n_metadata_props, p.pointee.metadata_props) = entries(info.metadata)
            return p
        })
    }

    func typeProto(_ t: ValueType) -> UnsafeMutablePointer<Onnx__TypeProto> {
        let p = arena.message(onnxio_init_type_proto)
        p.pointee.denotation = arena.string(t.denotation)
        switch t.kind {
        case .tensor(let tt):
            let q = arena.message(onnxio_init_type_proto_tensor)
            if let e = tt.elementType { q.pointee.has_elem_type = 1; q.pointee.elem_type = e.rawValue }
            q.pointee.shape = shape(tt.shape)
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
            p.pointee.tensor_type = q
        case .sparseTensor(let tt):
            let q = arena.message(onnxio_init_type_proto_sparse_tensor)
            if let e = tt.elementType { q.pointee.has_elem_type = 1; q.pointee.elem_type = e.rawValue }
            q.pointee.shape = shape(tt.shape)
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE
            p.pointee.sparse_tensor_type = q
        case .sequence(let e):
            let q = arena.message(onnxio_init_type_proto_sequence)
            q.pointee.elem_type = e.map { typeProto($0) }
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE
            p.pointee.sequence_type = q
        case .optional(let e):
            let q = arena.message(onnxio_init_type_proto_optional)
            q.pointee.elem_type = e.map { typeProto($0) }
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE
            p.pointee.optional_type = q
        case .map(let key, let value):
            let q = arena.message(onnxio_init_type_proto_map)
            if key != .undefined { q.pointee.has_key_type = 1; q.pointee.key_type = key.rawValue }
            q.pointee.value_type = value.map { typeProto($0) }
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_MAP_TYPE
            p.pointee.map_type = q
        case .opaque(let domain, let name):
            let q = arena.message(onnxio_init_type_proto_opaque)
            q.pointee.domain = arena.string(domain)
            q.pointee.name = arena.string(name)
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_OPAQUE_TYPE
            p.pointee.opaque_type = q
        case .unspecified:
            break
        }
        return p
    }

    private func shape(_ dims: [Dim]?) -> UnsafeMutablePointer<Onnx__TensorShapeProto>? {
        guard let dims else { return nil }
        let s = arena.message(onnxio_init_tensor_shape)
        (s.pointee.n_dim, s.pointee.dim) = arena.copy(dims.map { d in
            let p = arena.message(onnxio_init_dimension)
            p.pointee.denotation = arena.string(d.denotation)
            switch d.value {
            case .fixed(let n):
                p.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                p.pointee.dim_value = n
            case .symbolic(let name):
                p.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                p.pointee.dim_param = arena.string(name)
            case .unknown:
                break
            }
            return p
        })
        return s
    }
}
