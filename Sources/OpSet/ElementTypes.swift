import ModelIR

/// Propagates element types (dtypes only, not shapes) through a graph with the op signatures:
/// an output whose type constraint also binds an input gets that input's type; fixed types
/// (`tensor(int64)`) are taken as they are; ops whose output type comes from an attribute or a
/// particular input are handled by name.
public struct ElementTypes: Sendable {
    public var operators: ONNXOperators

    public init(operators: ONNXOperators = .standard) { self.operators = operators }

    /// Element types of every value of `graph` that can be determined, by name (`outer`: enclosing scopes).
    public func infer(_ graph: Graph, opsets: [String: Int], outer: [String: DataType] = [:]) -> [String: DataType] {
        var types = outer
        for v in graph.inputs + graph.outputs + graph.valueInfos {
            if let t = v.type?.tensorType?.elementType { types[v.name] = t }
        }
        for t in graph.initializers { if let n = t.name { types[n] = t.dataType } }
        for node in graph.nodes {
            let outputs = outputTypes(node, types: types, opsets: opsets)
            for (name, t) in zip(node.outputs, outputs) where !name.isEmpty {
                if types[name] == nil, let t { types[name] = t }
            }
            for a in node.attributes {
                for g in a.subgraphs { types.merge(infer(g, opsets: opsets, outer: types)) { old, _ in old } }
            }
        }
        return types
    }

    private func outputTypes(_ node: Node, types: [String: DataType], opsets: [String: Int]) -> [DataType?] {
        let input = { (i: Int) -> DataType? in i < node.inputs.count ? types[node.inputs[i]] : nil }
        func attrType(_ name: String) -> DataType? {
            if case .int(let v)? = node.attribute(name)?.value { return DataType(rawValue: Int32(v)) }
            return nil
        }
        let domain = node.normalizedDomain
        if domain.isEmpty {
            switch node.opType {
            case "Cast": return [attrType("to")]
            case "CastLike": return [input(1)]
            case "Constant":
                switch node.attributes.first?.value {
                case .tensor(let t)?: return [t.dataType]
                case .float?, .floats?: return [.float]
                case .int?, .ints?: return [.int64]
                case .string?, .strings?: return [.string]
                default: return [nil]
                }
            case "ConstantOfShape":
                if case .tensor(let t)? = node.attribute("value")?.value { return [t.dataType] }
                return [.float]
            case "EyeLike", "RandomNormalLike", "RandomUniformLike": return [attrType("dtype") ?? input(0)]
            case "RandomNormal", "RandomUniform": return [attrType("dtype") ?? .float]
            case "QuantizeLinear": return [attrType("output_dtype") ?? input(2) ?? .uint8]
            case "DequantizeLinear": return [input(1) ?? .float]
            case "DynamicQuantizeLinear": return [.uint8, .float, .uint8]
            case "If":
                if case .graph(let g)? = node.attribute("then_branch")?.value { return subgraphOutputs(g, types, opsets) }
            case "Loop":
                if case .graph(let g)? = node.attribute("body")?.value { return Array(subgraphOutputs(g, types, opsets).dropFirst()) }
            case "Scan":
                if case .graph(let g)? = node.attribute("body")?.value { return subgraphOutputs(g, types, opsets) }
            default: break
            }
        }
        guard let sig = operators.signature(domain: domain, name: node.opType, opset: opsets[domain] ?? 21) else {
            return node.outputs.map { _ in nil }
        }
        var bound: [String: DataType] = [:]
        for i in node.inputs.indices {
            guard let f = sig.formalInput(i), OperatorSignature.isConstraint(f.typeString), let t = input(i) else { continue }
            bound[f.typeString] = bound[f.typeString] ?? t
        }
        return node.outputs.indices.map { i in
            guard let f = sig.formalOutput(i) else { return nil }
            if OperatorSignature.isConstraint(f.typeString) {
                return bound[f.typeString] ?? sig.singleTypeConstraints[f.typeString].flatMap(Self.fixedType)
            }
            return Self.fixedType(f.typeString)
        }
    }

    /// The element types of a subgraph's outputs: declared, else inferred (enclosing scope visible).
    private func subgraphOutputs(_ g: Graph, _ outer: [String: DataType], _ opsets: [String: Int]) -> [DataType?] {
        let inner = infer(g, opsets: opsets, outer: outer)
        return g.outputs.map { $0.type?.tensorType?.elementType ?? inner[$0.name] }
    }

    /// `tensor(int64)` → int64.
    static func fixedType(_ s: String) -> DataType? {
        let names: [String: DataType] = [
            "tensor(float)": .float, "tensor(double)": .double, "tensor(float16)": .float16, "tensor(int64)": .int64,
            "tensor(int32)": .int32, "tensor(int8)": .int8, "tensor(uint8)": .uint8, "tensor(bool)": .bool,
            "tensor(string)": .string, "tensor(int16)": .int16, "tensor(uint16)": .uint16, "tensor(bfloat16)": .bfloat16,
        ]
        return names[s]
    }
}
