import ModelIR
import OpSet

// MARK: Declared and inferred types

extension InferenceRun {
    /// Combines a declared type with the inferred one: inferred facts win, declared ones fill gaps;
    /// a provable disagreement is a conflict (an error in strict mode).
    func merge(declared: SymType?, inferred: InferredValue?, node: String, value: String, graph: String) throws(ShapeInferenceError) -> InferredValue? {
        guard let declared else { return inferred }
        guard let inferredType = inferred?.type else { return InferredValue(type: declared) }
        var conflict = false
        let merged = mergeTypes(declared, inferredType, conflict: &conflict)
        if conflict {
            let c = ShapeReport.Conflict(node: node, value: value, graph: graph, declared: declared.description, inferred: inferredType.description)
            if options.strict { throw .conflict(c) }
            report.conflicts.append(c)
        }
        return InferredValue(type: merged, value: merged == inferredType ? inferred?.value : nil)
    }

    private func mergeTypes(_ d: SymType, _ i: SymType, conflict: inout Bool) -> SymType {
        switch (d, i) {
        case (.tensor(let a), .tensor(let b)):
            return .tensor(mergeTensors(a, b, conflict: &conflict))
        case (.sparseTensor(let a), .sparseTensor(let b)):
            return .sparseTensor(mergeTensors(a, b, conflict: &conflict))
        case (.sequence(let a), .sequence(let b)):
            guard let a, let b else { return .sequence(b ?? a) }
            return .sequence(mergeTypes(a, b, conflict: &conflict))
        case (.optional(let a), .optional(let b)):
            guard let a, let b else { return .optional(b ?? a) }
            return .optional(mergeTypes(a, b, conflict: &conflict))
        case (.other, _), (_, .other):
            return d
        default:
            conflict = true
            return i
        }
    }

    private func mergeTensors(_ d: SymTensor, _ i: SymTensor, conflict: inout Bool) -> SymTensor {
        var out = i
        if let a = d.elementType, let b = i.elementType, a != b { conflict = true }
        if out.elementType == nil { out.elementType = d.elementType }
        guard let ds = d.shape else { return out }
        guard let inferredShape = i.shape else { out.shape = ds; return out }
        guard ds.count == inferredShape.count else { conflict = true; return out }
        out.shape = zip(ds, inferredShape).map { a, b in
            guard let a else { return b }
            guard let b else { return a }
            if a.provablyDiffers(from: b) { conflict = true; return b }
            if a.isConstant && !b.isConstant { return a }
            return b
        }
        return out
    }

    // MARK: Writing back

    /// Stores the inferred types in `g`: a value info per node output, typed outputs, and the report entries.
    func writeBack(_ g: inout Graph, scope: Scope, path: String) {
        var index: [String: Int] = [:]
        for (i, v) in g.valueInfos.enumerated() { index[v.name] = i }
        let outputNames = Set(g.outputs.map(\.name))
        let initializers = Set(g.initializers.compactMap(\.name))
        for node in g.nodes {
            for name in node.outputs where !name.isEmpty {
                let type = scope.values[name]?.type
                record(name, type, graph: path)
                guard let type, !outputNames.contains(name), !initializers.contains(name) else { continue }
                if let k = index[name] {
                    g.valueInfos[k].type = withDenotations(type.valueType, from: g.valueInfos[k].type)
                } else {
                    index[name] = g.valueInfos.count
                    g.valueInfos.append(ValueInfo(name: name, type: type.valueType))
                }
            }
        }
        // Value infos that describe graph inputs (TFLite keeps one per tensor) follow the inputs.
        for info in g.inputs {
            guard let k = index[info.name], let t = (scope.values[info.name])?.type else { continue }
            g.valueInfos[k].type = withDenotations(t.valueType, from: g.valueInfos[k].type)
        }
        for i in g.outputs.indices {
            guard let t = (scope.lookup(g.outputs[i].name) ?? nil)?.type else { continue }
            g.outputs[i].type = withDenotations(t.valueType, from: g.outputs[i].type)
        }
    }

    /// `t` with the type and dim denotations of `old` kept where the rank agrees.
    private func withDenotations(_ t: ValueType, from old: ValueType?) -> ValueType {
        guard let old else { return t }
        var out = t
        out.denotation = old.denotation
        if case .tensor(var nt) = t.kind, case .tensor(let ot) = old.kind, let ns = nt.shape, let os = ot.shape, ns.count == os.count {
            nt.shape = zip(ns, os).map { n, o in Dim(n.value, denotation: o.denotation) }
            out.kind = .tensor(nt)
        }
        return out
    }
}
