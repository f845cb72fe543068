import CProtobufONNX
import ModelFiles
import ModelIR

/// Builds the protobuf-c message tree for one model write. Weights are referenced, not copied.
final class WriteContext {
    let arena = CArena()
    let path: String
    /// Where large initializers go, when external data is used.
    let external: ExternalDataSink?

    init(path: String, external: ExternalDataSink?) {
        self.path = path
        self.external = external
    }

    // MARK: Model, graph, node

    func model(_ m: Model) throws(ONNXError) -> UnsafeMutablePointer<Onnx__ModelProto> {
        let p = arena.message(onnxio_init_model)
        if let v = m.irVersion { p.pointee.has_ir_version = 1; p.pointee.ir_version = v }
        (p.pointee.n_opset_import, p.pointee.opset_import) = opsets(m.opsetImports)
        p.pointee.producer_name = arena.string(m.producerName)
        p.pointee.producer_version = arena.string(m.producerVersion)
        p.pointee.domain = arena.string(m.domain)
        if let v = m.modelVersion { p.pointee.has_model_version = 1; p.pointee.model_version = v }
        p.pointee.doc_string = arena.string(m.docString)
        p.pointee.graph = try graph(m.graph, initializersMayGoExternal: true)
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = entries(m.metadata)
        var functions: [UnsafeMutablePointer<Onnx__FunctionProto>?] = []
        for f in m.functions { functions.append(try function(f)) }
        (p.pointee.n_functions, p.pointee.functions) = arena.copy(functions)
        var training: [UnsafeMutablePointer<Onnx__TrainingInfoProto>?] = []
        for t in m.trainingInfo {
            let tp = arena.message(onnxio_init_training_info)
            if let g = t.initialization { tp.pointee.initialization = try graph(g, initializersMayGoExternal: false) }
            if let g = t.algorithm { tp.pointee.algorithm = try graph(g, initializersMayGoExternal: false) }
            (tp.pointee.n_initialization_binding, tp.pointee.initialization_binding) = entries(t.initializationBinding)
            (tp.pointee.n_update_binding, tp.pointee.update_binding) = entries(t.updateBinding)
            training.append(tp)
        }
        (p.pointee.n_training_info, p.pointee.training_info) = arena.copy(training)
        return p
    }

    func graph(_ g: Graph, initializersMayGoExternal: Bool) throws(ONNXError) -> UnsafeMutablePointer<Onnx__GraphProto> {
        let p = arena.message(onnxio_init_graph)
        p.pointee.name = arena.string(g.name)
        p.pointee.doc_string = arena.string(g.docString)
        var nodes: [UnsafeMutablePointer<Onnx__NodeProto>?] = []
        for n in g.nodes { nodes.append(try node(n)) }
        (p.pointee.n_node, p.pointee.node) = arena.copy(nodes)
        var inits: [UnsafeMutablePointer<Onnx__TensorProto>?] = []
        for t in g.initializers { inits.append(try tensor(t, mayGoExternal: initializersMayGoExternal)) }
        (p.pointee.n_initializer, p.pointee.initializer) = arena.copy(inits)
        var sparse: [UnsafeMutablePointer<Onnx__SparseTensorProto>?] = []
        for s in g.sparseInitializers { sparse.append(try sparseTensor(s)) }
        (p.pointee.n_sparse_initializer, p.pointee.sparse_initializer) = arena.copy(sparse)
        (p.pointee.n_input, p.pointee.input) = valueInfos(g.inputs)
        (p.pointee.n_output, p.pointee.output) = valueInfos(g.outputs)
        (p.pointee.n_value_info, p.pointee.value_info) = valueInfos(g.valueInfos)
        let annotations: [UnsafeMutablePointer<Onnx__TensorAnnotation>?] = g.quantizationAnnotations.map { a in
            let ap = arena.message(onnxio_init_tensor_annotation)
            ap.pointee.tensor_name = arena.string(a.tensorName)
            (ap.pointee.n_quant_parameter_tensor_names, ap.pointee.quant_parameter_tensor_names) = entries(a.quantParameterTensorNames)
            return ap
        }
        (p.pointee.n_quantization_annotation, p.pointee.quantization_annotation) = arena.copy(annotations)
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = entries(g.metadata)
        return p
    }

    func node(_ n: Node) throws(ONNXError) -> UnsafeMutablePointer<Onnx__NodeProto> {
        let p = arena.message(onnxio_init_node)
        (p.pointee.n_input, p.pointee.input) = arena.strings(n.inputs)
        (p.pointee.n_output, p.pointee.output) = arena.strings(n.outputs)
        p.pointee.name = arena.string(n.name)
        p.pointee.op_type = arena.string(n.opType)
        p.pointee.domain = arena.string(n.domain)
        p.pointee.overload = arena.string(n.overload)
        var attrs: [UnsafeMutablePointer<Onnx__AttributeProto>?] = []
        for a in n.attributes { attrs.append(try attribute(a)) }
        (p.pointee.n_attribute, p.pointee.attribute) = arena.copy(attrs)
        p.pointee.doc_string = arena.string(n.docString)
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = entries(n.metadata)
        return p
    }

    func function(_ f: Function) throws(ONNXError) -> UnsafeMutablePointer<Onnx__FunctionProto> {
        let p = arena.message(onnxio_init_function)
        p.pointee.name = arena.string(f.name)
        p.pointee.domain = arena.string(f.domain)
        p.pointee.overload = arena.string(f.overload)
        (p.pointee.n_input, p.pointee.input) = arena.strings(f.inputs)
        (p.pointee.n_output, p.pointee.output) = arena.strings(f.outputs)
        (p.pointee.n_attribute, p.pointee.attribute) = arena.strings(f.attributeNames)
        var defaults: [UnsafeMutablePointer<Onnx__AttributeProto>?] = []
        for a in f.attributeDefaults { defaults.append(try attribute(a)) }
        (p.pointee.n_attribute_proto, p.pointee.attribute_proto) = arena.copy(defaults)
        var nodes: [UnsafeMutablePointer<Onnx__NodeProto>?] = []
        for n in f.nodes { nodes.append(try node(n)) }
        (p.pointee.n_node, p.pointee.node) = arena.copy(nodes)
        p.pointee.doc_string = arena.string(f.docString)
        (p.pointee.n_opset_import, p.pointee.opset_import) = opsets(f.opsetImports)
        (p.pointee.n_value_info, p.pointee.value_info) = valueInfos(f.valueInfos)
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = entries(f.metadata)
        return p
    }

    // MARK: Small pieces

    func entries(_ e: [MetadataEntry]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?) {
        arena.copy(e.map { entry in
            let p = arena.message(onnxio_init_string_string_entry)
            p.pointee.key = arena.string(entry.key)
            p.pointee.value = arena.string(entry.value)
            return p
        })
    }

    func opsets(_ o: [OpsetImport]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<Onnx__OperatorSetIdProto>?>?) {
        arena.copy(o.map { op in
            let p = arena.message(onnxio_init_operator_set_id)
            p.pointee.domain = arena.string(op.domain)
            if let v = op.version { p.pointee.has_version = 1; p.pointee.version = v }
            return p
        })
    }
}
