import CFlatTFLite
import ModelFiles
import ModelIR

// MARK: Operators and options

extension TFLiteWriteContext {
    func op(_ node: Node, subgraph s: Int32, lookup: ([String]) throws(TFLiteError) -> [Int32]) throws(TFLiteError) {
        let element = "node '\(node.label)'"
        let domain = node.normalizedDomain
        guard domain == TFLiteDialect.domain || domain == TFLiteDialect.customDomain else {
            throw .notRepresentable(path: path, element: element,
                                    reason: "op \(node.qualifiedOpType) is not a TFLite operator; it must be legalized to TFLite builtins first")
        }
        var version: Int32 = 1
        if case .int(let v)? = node.attribute(TFLiteDialect.versionAttribute)?.value { version = Int32(v) }
        let builtin: Int32
        var custom: String? = nil
        if domain == TFLiteDialect.customDomain {
            builtin = 32
            custom = node.opType
        } else {
            guard let code = builtinCodes[node.opType] else {
                throw .notRepresentable(path: path, element: element, reason: "\(node.opType) is not a TFLite builtin operator")
            }
            builtin = code
        }
        var op = tfl_operator()
        op.opcode_index = try opcode(builtin: builtin, custom: custom, version: version)
        let inputs = try lookup(node.inputs), outputs = try lookup(node.outputs)
        (op.input_count, op.inputs) = constArray(inputs)
        (op.output_count, op.outputs) = constArray(outputs)
        op.debug_metadata_index = -1
        if case .strings(let names)? = node.attribute(TFLiteDialect.intermediatesAttribute)?.value {
            let indices = try lookup(names.map { String(decoding: $0, as: UTF8.self) })
            let (n, p) = constArray(indices)
            op.intermediate_count = n
            op.intermediates = p ?? UnsafePointer(arena.array(Int32.self, count: 1))
        }
        if case .ints(let flags)? = node.attribute(TFLiteDialect.mutatingVariableInputsAttribute)?.value {
            let (n, p) = constArray(flags.map { UInt8($0 != 0 ? 1 : 0) })
            op.mutating_variable_input_count = n
            op.mutating_variable_inputs = p ?? UnsafePointer(arena.array(UInt8.self, count: 1))
        }
        if case .string(let bytes)? = node.attribute(TFLiteDialect.customOptionsAttribute)?.value {
            let (n, p) = constArray(bytes)
            op.custom_options_size = n
            op.custom_options = p ?? UnsafePointer(arena.array(UInt8.self, count: 1))
            if case .int(let f)? = node.attribute(TFLiteDialect.customOptionsFormatAttribute)?.value { op.custom_options_format = Int32(f) }
        }
        let (type1, fields1) = try options(node, which: 1, typeAttribute: TFLiteDialect.optionsAttribute, prefix: nil, element: element)
        let (type2, fields2) = try options(node, which: 2, typeAttribute: TFLiteDialect.options2Attribute,
                                          prefix: TFLiteDialect.options2FieldPrefix, element: element)
        op.builtin_options_type = type1
        op.builtin_options_2_type = type2
        _ = try index(tfl_builder_add_operator(builder, s, &op, fields1, fields1.count, fields2, fields2.count, &err, err.count))
    }

    private func opcode(builtin: Int32, custom: String?, version: Int32) throws(TFLiteError) -> UInt32 {
        let key = CodeKey(builtin: builtin, custom: custom, version: version)
        if let i = codes[key] { return i }
        var code = tfl_operator_code(builtin_code: builtin, custom_code: UnsafePointer(arena.string(custom)), version: version)
        let i = UInt32(try index(tfl_builder_add_operator_code(builder, &code, &err, err.count)))
        codes[key] = i
        return i
    }

    /// The options table type and its fields, from the node's attributes.
    private func options(_ node: Node, which: Int32, typeAttribute: String, prefix: String?, element: String)
        throws(TFLiteError) -> (Int32, [tfl_option_field]) {
        guard case .string(let typeBytes)? = node.attribute(typeAttribute)?.value else { return (0, []) }
        let typeName = String(decoding: typeBytes, as: UTF8.self)
        let type = tfl_options_type_from_name(which, typeName)
        guard type > 0 else {
            throw .notRepresentable(path: path, element: element, reason: "unknown options table \(typeName)")
        }
        var schema = [tfl_option_field](repeating: tfl_option_field(), count: Int(TFL_MAX_OPTION_FIELDS))
        var count = 0
        try check(tfl_options_schema(which, type, &schema, schema.count, &count, &err, err.count))
        var kinds: [String: tfl_option_field] = [:]
        for f in schema.prefix(count) { if let n = f.name { kinds[String(cString: n)] = f } }
        var out: [tfl_option_field] = []
        for attr in node.attributes {
            let field: String
            if let prefix {
                guard attr.name.hasPrefix(prefix) else { continue }
                field = String(attr.name.dropFirst(prefix.count))
            } else {
                guard !attr.name.hasPrefix("_") else { continue }
                field = attr.name
            }
            guard var f = kinds[field] else {
                throw .notRepresentable(path: path, element: element, reason: "\(typeName) has no field '\(field)'")
            }
            f.present = 1
            f.name = UnsafePointer(arena.string(field))
            switch attr.value {
            case .int(let v): f.int_value = v
            case .float(let v): f.float_value = Double(v)
            case .string(let bytes):
                let (n, p) = arena.copy(bytes.map { CChar(bitPattern: $0) } + [0])
                f.string_value = UnsafePointer(p)
                f.string_len = n - 1
            case .ints(let v):
                f.scalar_type = TFL_SCALAR_INT64
                let (n, p) = arena.copy(v.isEmpty ? [0] : v)
                f.vector_data = UnsafeRawPointer(p)
                f.vector_count = v.isEmpty ? 0 : n
            case .floats(let v):
                f.scalar_type = TFL_SCALAR_FLOAT32
                let (n, p) = arena.copy(v.isEmpty ? [0] : v)
                f.vector_data = UnsafeRawPointer(p)
                f.vector_count = v.isEmpty ? 0 : n
            default:
                throw .notRepresentable(path: path, element: element, reason: "option \(field) has an unsupported value kind \(attr.value.kind)")
            }
            out.append(f)
        }
        return (type, out)
    }
}
