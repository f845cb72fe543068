import CProtobufONNX
import ModelIR

// MARK: Model, graph, node

extension ReadContext {
    func model(_ m: Onnx__ModelProto) throws(ONNXError) -> Model {
        guard let g = m.graph else { throw .missingGraph(path: path) }
        if m.n_configuration > 0 {
            throw .unsupported(path: path, element: "model", reason: "device configurations (ModelProto.configuration) are not supported")
        }
        var functions: [Function] = []
        for f in cMessages(m.n_functions, m.functions) { functions.append(try function(f.pointee)) }
        var training: [TrainingInfo] = []
        for t in cMessages(m.n_training_info, m.training_info) {
            training.append(TrainingInfo(
                initialization: try t.pointee.initialization.map { p throws(ONNXError) in try graph(p.pointee) },
                algorithm: try t.pointee.algorithm.map { p throws(ONNXError) in try graph(p.pointee) },
                initializationBinding: entries(t.pointee.n_initialization_binding, t.pointee.initialization_binding),
                updateBinding: entries(t.pointee.n_update_binding, t.pointee.update_binding)))
        }
        return Model(
            irVersion: m.has_ir_version != 0 ? m.ir_version : nil,
            opsetImports: opsets(m.n_opset_import, m.opset_import),
            producerName: cString(m.producer_name), producerVersion: cString(m.producer_version),
            domain: cString(m.domain), modelVersion: m.has_model_version != 0 ? m.model_version : nil,
            docString: cString(m.doc_string), graph: try graph(g.pointee),
            metadata: entries(m.n_metadata_props, m.metadata_props), functions: functions, trainingInfo: training)
    }

    func graph(_ g: Onnx__GraphProto) throws(ONNXError) -> Graph {
        var out = Graph(name: cString(g.name), docString: cString(g.doc_string))
        out.inputs = try valueInfos(g.n_input, g.input)
        out.outputs = try valueInfos(g.n_output, g.output)
        out.valueInfos = try valueInfos(g.n_value_info, g.value_info)
        for t in cMessages(g.n_initializer, g.initializer) { out.initializers.append(try tensor(t.pointee)) }
        for s in cMessages(g.n_sparse_initializer, g.sparse_initializer) {
            out.sparseInitializers.append(try sparseTensor(s.pointee))
        }
        for n in cMessages(g.n_node, g.node) { out.nodes.append(try node(n.pointee)) }
        for a in cMessages(g.n_quantization_annotation, g.quantization_annotation) {
            out.quantizationAnnotations.append(Graph.TensorAnnotation(
                tensorName: cString(a.pointee.tensor_name),
                quantParameterTensorNames: entries(a.pointee.n_quant_parameter_tensor_names, a.pointee.quant_parameter_tensor_names)))
        }
        out.metadata = entries(g.n_metadata_props, g.metadata_props)
        return out
    }

    func node(_ n: Onnx__NodeProto) throws(ONNXError) -> Node {
        let label = cString(n.name) ?? cString(n.op_type) ?? "?"
        guard let opType = cString(n.op_type) else {
            throw .invalidField(path: path, element: "node '\(label)'", reason: "has no op_type")
        }
        if n.n_device_configurations > 0 {
            throw .unsupported(path: path, element: "node '\(label)'", reason: "device_configurations are not supported")
        }
        var attributes: [Attribute] = []
        for a in cMessages(n.n_attribute, n.attribute) { attributes.append(try attribute(a.pointee, owner: label)) }
        return Node(
            name: cString(n.name), opType: opType, domain: cString(n.domain), overload: cString(n.overload),
            inputs: strings(n.n_input, n.input), outputs: strings(n.n_output, n.output), attributes: attributes,
            docString: cString(n.doc_string), metadata: entries(n.n_metadata_props, n.metadata_props))
    }

    func function(_ f: Onnx__FunctionProto) throws(ONNXError) -> Function {
        var nodes: [Node] = []
        for n in cMessages(f.n_node, f.node) { nodes.append(try node(n.pointee)) }
        var defaults: [Attribute] = []
        let label = "function '\(cString(f.name) ?? "?")'"
        for a in cMessages(f.n_attribute_proto, f.attribute_proto) { defaults.append(try attribute(a.pointee, owner: label)) }
        return Function(
            name: cString(f.name), domain: cString(f.domain), overload: cString(f.overload),
            inputs: strings(f.n_input, f.input), outputs: strings(f.n_output, f.output),
            attributeNames: strings(f.n_attribute, f.attribute), attributeDefaults: defaults, nodes: nodes,
            valueInfos: try valueInfos(f.n_value_info, f.value_info), opsetImports: opsets(f.n_opset_import, f.opset_import),
            docString: cString(f.doc_string), metadata: entries(f.n_metadata_props, f.metadata_props))
    }

    // MARK: Small pieces

    func strings(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        cArray(n, p).map { $0.map { String(cString: $0) } ?? "" }
    }

    func entries(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?) -> [MetadataEntry] {
        cMessages(n, p).map { MetadataEntry(key: cString($0.pointee.key) ?? "", value: cString($0.pointee.value) ?? "") }
    }

    func opsets(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__OperatorSetIdProto>?>?) -> [OpsetImport] {
        cMessages(n, p).map {
            OpsetImport(domain: cString($0.pointee.domain), version: $0.pointee.has_version != 0 ? $0.pointee.version : nil)
        }
    }
}
