import CFlatTFLite
import ModelFiles
import ModelIR

// MARK: Operators

extension TFLiteReadContext {
    /// One operator as a `tflite` dialect node: inputs/outputs by value name, options as attributes.
    func node(_ s: Int, _ o: Int, names: [String]) throws(TFLiteError) -> Node {
        var op = tfl_operator()
        try check(tfl_model_operator(handle, s, o, &op, &err, err.count))
        let element = "subgraph \(s), operator \(o)"
        guard Int(op.opcode_index) < codes.count else {
            throw .invalid(path: path, reason: "\(element): operator code index \(op.opcode_index) out of range (\(codes.count) codes)")
        }
        let code = codes[Int(op.opcode_index)]
        func name(_ i: Int32) throws(TFLiteError) -> String {
            if i == -1 { return "" }
            guard i >= 0, Int(i) < names.count else {
                throw .invalid(path: path, reason: "\(element): tensor index \(i) out of range (\(names.count) tensors)")
            }
            return names[Int(i)]
        }
        var inputs: [String] = []
        for i in UnsafeBufferPointer(start: op.inputs, count: op.input_count) { inputs.append(try name(i)) }
        var outputs: [String] = []
        for i in UnsafeBufferPointer(start: op.outputs, count: op.output_count) { outputs.append(try name(i)) }

        var attributes: [Attribute] = [Attribute(name: TFLiteDialect.versionAttribute, value: .int(Int64(code.version)))]
        attributes += try options(s, o, which: 1, typeAttribute: TFLiteDialect.optionsAttribute, prefix: "", element: element)
        attributes += try options(s, o, which: 2, typeAttribute: TFLiteDialect.options2Attribute,
                                  prefix: TFLiteDialect.options2FieldPrefix, element: element)
        if let custom = op.custom_options {
            attributes.append(Attribute(name: TFLiteDialect.customOptionsAttribute,
                                        value: .string(Array(UnsafeBufferPointer(start: custom, count: op.custom_options_size)))))
            attributes.append(Attribute(name: TFLiteDialect.customOptionsFormatAttribute, value: .int(Int64(op.custom_options_format))))
        } else if let large = op.large_custom_options {
            attributes.append(Attribute(name: TFLiteDialect.customOptionsAttribute,
                                        value: .string(Array(UnsafeBufferPointer(start: large, count: Int(op.large_custom_options_size))))))
            attributes.append(Attribute(name: TFLiteDialect.customOptionsFormatAttribute, value: .int(Int64(op.custom_options_format))))
        }
        if let p = op.intermediates {
            var values: [[UInt8]] = []
            for i in UnsafeBufferPointer(start: p, count: op.intermediate_count) { values.append(Array(try name(i).utf8)) }
            attributes.append(Attribute(name: TFLiteDialect.intermediatesAttribute, value: .strings(values)))
        }
        if let p = op.mutating_variable_inputs {
            attributes.append(Attribute(name: TFLiteDialect.mutatingVariableInputsAttribute,
                                        value: .ints(UnsafeBufferPointer(start: p, count: op.mutating_variable_input_count).map { Int64($0) })))
        }
        let isCustom = code.builtin_code == 32  // BuiltinOperator.CUSTOM
        let opType: String
        if isCustom {
            opType = code.custom_code.map { String(cString: $0) } ?? ""
        } else {
            guard let n = tfl_builtin_operator_name(code.builtin_code) else {
                throw .unsupported(path: path, element: element, reason: "unknown builtin operator code \(code.builtin_code)")
            }
            opType = String(cString: n)
        }
        return Node(name: outputs.first.map { "\(opType)_\($0)" }, opType: opType,
                    domain: isCustom ? TFLiteDialect.customDomain : TFLiteDialect.domain,
                    inputs: inputs, outputs: outputs, attributes: attributes)
    }

    /// The present fields of an operator's options table as attributes (plus the table's type name).
    func options(_ s: Int, _ o: Int, which: Int32, typeAttribute: String, prefix: String, element: String) throws(TFLiteError) -> [Attribute] {
        var info = tfl_options_info()
        var fields = [tfl_option_field](repeating: tfl_option_field(), count: Int(TFL_MAX_OPTION_FIELDS))
        try check(tfl_operator_options(handle, s, o, which, &info, &fields, fields.count, &err, err.count))
        guard info.type != 0, let typeName = info.type_name else { return [] }
        var out = [Attribute(name: typeAttribute, value: .string(Array(String(cString: typeName).utf8)))]
        for f in fields.prefix(info.field_count) where f.is_subgraph_index != 0 && f.kind != TFL_FIELD_VECTOR {
            calls[s, default: []].append(Int(f.int_value))
        }
        for f in fields.prefix(info.field_count) where f.present != 0 {
            guard let cname = f.name else { continue }
            let name = prefix + String(cString: cname)
            switch f.kind {
            case TFL_FIELD_BOOL, TFL_FIELD_INT, TFL_FIELD_ENUM:
                out.append(Attribute(name: name, value: .int(f.int_value)))
            case TFL_FIELD_FLOAT:
                out.append(Attribute(name: name, value: .float(Float(f.float_value))))
            case TFL_FIELD_STRING:
                let bytes = f.string_value.map { p in Array(UnsafeRawBufferPointer(start: p, count: f.string_len).bindMemory(to: UInt8.self)) } ?? []
                out.append(Attribute(name: name, value: .string(bytes)))
            case TFL_FIELD_VECTOR:
                out.append(Attribute(name: name, value: try vector(f, element: "\(element), option \(name)")))
            default:
                throw .unsupported(path: path, element: element, reason: "option field \(name) has unknown kind \(f.kind)")
            }
        }
        return out
    }

    private func vector(_ f: tfl_option_field, element: String) throws(TFLiteError) -> Attribute.Value {
        let n = f.vector_count
        guard let p = f.vector_data else { return .ints([]) }
        func load<T>(_: T.Type) -> [T] { Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: T.self), count: n)) }
        switch f.scalar_type {
        case TFL_SCALAR_BOOL, TFL_SCALAR_UINT8: return .ints(load(UInt8.self).map { Int64($0) })
        case TFL_SCALAR_INT8: return .ints(load(Int8.self).map { Int64($0) })
        case TFL_SCALAR_INT16: return .ints(load(Int16.self).map { Int64($0) })
        case TFL_SCALAR_UINT16: return .ints(load(UInt16.self).map { Int64($0) })
        case TFL_SCALAR_INT32: return .ints(load(Int32.self).map { Int64($0) })
        case TFL_SCALAR_UINT32: return .ints(load(UInt32.self).map { Int64($0) })
        case TFL_SCALAR_INT64: return .ints(load(Int64.self))
        case TFL_SCALAR_FLOAT32: return .floats(load(Float.self))
        case TFL_SCALAR_FLOAT64: return .floats(load(Double.self).map { Float($0) })
        default: throw .unsupported(path: path, element: element, reason: "vector of scalar type \(f.scalar_type)")
        }
    }
}
