import ModelIR
import OpSet

// MARK: Graphs

extension InferenceRun {
    /// Infers the main graph: binds inputs (naming and fixing dims), then runs every node.
    func inferMain() throws(ShapeInferenceError) -> Graph {
        var g = model.graph
        let initializerNames = Set(g.initializers.compactMap(\.name))
        // Name unnamed dynamic input dims, then fix the dims the caller gave.
        var inputTypes: [String: SymType] = [:]
        for info in g.inputs where !initializerNames.contains(info.name) {
            guard var t = SymType(optionalType: info.type) else { continue }
            if options.nameUnknownInputDims, case .tensor(var s) = t, let shape = s.shape {
                s.shape = shape.enumerated().map { axis, d in
                    guard d == nil else { return d }
                    let symbol = freshName("\(info.name)_d\(axis)")
                    report.namedDims.append(.init(input: info.name, axis: axis, symbol: symbol))
                    return .symbol(symbol)
                }
                t = .tensor(s)
            }
            inputTypes[info.name] = t
        }
        try bindDims(inputTypes)
        let scope = Scope(parent: nil)
        for (i, info) in g.inputs.enumerated() where !initializerNames.contains(info.name) {
            guard let t = inputTypes[info.name].map(substitute) else { scope.define(info.name, nil); continue }
            var value: KnownValue? = nil
            if let given = options.inputValues[info.name] { value = KnownValue(tensor: given, limit: options.valueLimit) }
            scope.define(info.name, InferredValue(type: t, value: value))
            g.inputs[i].type = t.valueType
        }
        try infer(&g, scope: scope, path: "main", imports: nil)
        return g
    }

    /// Fixes symbols from `--dim` values and concrete input shapes.
    private func bindDims(_ inputTypes: [String: SymType]) throws(ShapeInferenceError) {
        for (name, value) in options.dims { bindings[name] = DimExpr(value) }
        for (input, dims) in options.inputShapes.sorted(by: { $0.key < $1.key }) {
            guard let t = inputTypes[input] else {
                throw .badOption("input shape given for '\(input)', which is not a graph input")
            }
            guard let shape = t.tensor?.shape else { continue }
            guard shape.count == dims.count else {
                throw .badOption("input '\(input)' has rank \(shape.count), the given shape \(dims) has rank \(dims.count)")
            }
            for (axis, (d, v)) in zip(shape, dims).enumerated() {
                guard let d = d?.substituting(bindings) else { continue }
                if let name = d.symbolName {
                    bindings[name] = DimExpr(v)
                } else if let fixed = d.constantValue, fixed != v {
                    throw .badOption("input '\(input)' axis \(axis) is \(fixed), the given shape says \(v)")
                }
            }
        }
    }

    /// Infers every node of `g` in `scope` and writes the types back into `g`.
    func infer(_ g: inout Graph, scope: Scope, path: String, imports: [OpsetImport]?) throws(ShapeInferenceError) {
        for t in g.initializers {
            guard let name = t.name else { continue }
            scope.define(name, InferredValue(type: .tensor(.fixed(t.dataType, t.dims)), value: KnownValue(tensor: t, limit: options.valueLimit)))
        }
        for s in g.sparseInitializers {
            guard let name = s.values.name else { continue }
            scope.define(name, InferredValue(type: .sparseTensor(.fixed(s.values.dataType, s.dims))))
        }
        var declaredTypes: [String: ValueType] = [:]
        for v in g.valueInfos + g.outputs { if let t = v.type { declaredTypes[v.name] = t } }
        for i in g.nodes.indices {
            try infer(node: &g.nodes[i], scope: scope, declared: declaredTypes, graph: path, imports: imports)
        }
        writeBack(&g, scope: scope, path: path)
    }

    // MARK: Nodes

    func infer(node: inout Node, scope: Scope, declared: [String: ValueType], graph: String, imports: [OpsetImport]?) throws(ShapeInferenceError) {
        var inputs: [InferredValue?] = []
        for name in node.inputs {
            if name.isEmpty { inputs.append(nil); continue }
            guard let v = scope.lookup(name) else { throw .undefinedValue(node: node.label, value: name, graph: graph) }
            inputs.append(v)
        }
        let outputs = try outputs(of: &node, inputs: inputs, scope: scope, graph: graph, imports: imports)
        for (i, name) in node.outputs.enumerated() where !name.isEmpty {
            let inferred = i < outputs.count ? outputs[i] : nil
            let merged = try merge(declared: declaredType(declared[name]), inferred: inferred, node: node.label, value: name, graph: graph)
            scope.define(name, merged)
        }
    }

    /// The inferred outputs of one node: its rule, a model-local function, or nothing known.
    private func outputs(of node: inout Node, inputs: [InferredValue?], scope: Scope, graph: String, imports: [OpsetImport]?) throws(ShapeInferenceError) -> [InferredValue?] {
        let domain = node.normalizedDomain
        let version = opset(domain, imports: imports)
        if let schema = schemas.schema(for: node, opset: version), let rule = schema.shapeRule {
            if node.inputs.count < schema.minInputs {
                throw .invalidNode(node: node.label, op: node.qualifiedOpType, graph: graph,
                                   reason: "expects at least \(schema.minInputs) inputs, has \(node.inputs.count)")
            }
            let nodePath = "\(graph) > \(node.label)"
            let context = ShapeContext(
                node: node, opset: version, inputs: inputs, valueLimit: options.valueLimit,
                inferSubgraph: { [unowned self] sub, types, speculative throws(ShapeRuleError) in
                    let mark = (self.sites.count, self.report.values.count)
                    do throws(ShapeInferenceError) {
                        return try self.inferSubgraph(sub, inputTypes: types, parent: scope, path: nodePath, imports: imports)
                    } catch {
                        if speculative {
                            // A branch that does not run may be invalid under the known condition.
                            self.sites.removeSubrange(mark.0...)
                            self.report.values.removeSubrange(mark.1...)
                            self.report.notes.append("\(nodePath)/\(sub.name ?? "branch") (not taken) was not inferred: \(error)")
                            return nil
                        }
                        self.nestedError = self.nestedError ?? error
                        throw ShapeRuleError.invalid(error.description)
                    }
                },
                freshSymbol: { [unowned self] hint in self.dataDependentSymbol(hint) },
                assumeEqual: { [unowned self] site in self.assumeEqual(site) })
            do throws(ShapeRuleError) {
                try rule(context)
            } catch {
                if let nested = nestedError { nestedError = nil; throw nested }
                throw .invalidNode(node: node.label, op: node.qualifiedOpType, graph: graph, reason: error.description)
            }
            for (name, sub) in context.updatedSubgraphs {
                if let k = node.attributes.firstIndex(where: { $0.name == name }) { node.attributes[k].value = .graph(sub) }
            }
            return context.outputs
        }
        if let function = model.functions.first(where: { ($0.domain ?? "") == node.domain ?? "" && $0.name == node.opType }) {
            return try call(function, node: node, inputs: inputs, graph: graph)
        }
        missingRules.insert(node.qualifiedOpType)
        return []
    }

    /// Infers a subgraph whose inputs have `inputTypes`, seeing the enclosing scope.
    func inferSubgraph(_ sub: Graph, inputTypes: [InferredValue?], parent: Scope, path: String, imports: [OpsetImport]?) throws(ShapeInferenceError) -> ([InferredValue?], Graph) {
        var g = sub
        let scope = Scope(parent: parent)
        let subPath = "\(path)/\(g.name ?? "body")"
        for (i, info) in g.inputs.enumerated() {
            let given = i < inputTypes.count ? inputTypes[i] : nil
            let merged = try merge(declared: declaredType(info.type), inferred: given ?? nil,
                                   node: "(subgraph input)", value: info.name, graph: subPath)
            scope.define(info.name, merged)
            if let t = merged?.type { g.inputs[i].type = t.valueType }
        }
        try infer(&g, scope: scope, path: subPath, imports: imports)
        let outs: [InferredValue?] = g.outputs.map { o in (scope.lookup(o.name) ?? nil) }
        return (outs, g)
    }
}

extension SymType {
    /// The inferred form of an optional declared type (nil when absent or unspecified).
    init?(optionalType t: ValueType?) {
        guard let t else { return nil }
        if case .unspecified = t.kind { return nil }
        self.init(t)
    }
}
