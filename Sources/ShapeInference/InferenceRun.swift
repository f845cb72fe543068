import ModelIR
import OpSet

/// The state of one inference over a model: symbol names, bindings, the report being built.
final class InferenceRun {
    let model: Model
    let options: ShapeInferenceOptions
    let schemas: OpSchemaSet
    /// Symbol values fixed by the caller.
    var bindings: [String: DimExpr] = [:]
    /// Every symbol name in use (declared or made here).
    var symbols: Set<String> = []
    /// Symbols made for sizes known only at run time.
    var dataDependent: Set<String> = []
    var report = ShapeReport()
    var missingRules: Set<String> = []
    /// An error raised inside a subgraph, passed up through the rule that asked for it.
    var nestedError: ShapeInferenceError?
    var functionDepth = 0
    /// Sites where a symbolic size is taken as equal to a constant (all others: not equal).
    let flipped: Set<String>
    /// Sites consulted, in order.
    var sites: [String] = []

    init(model: Model, options: ShapeInferenceOptions, schemas: OpSchemaSet, flipped: Set<String> = []) {
        self.model = model
        self.options = options
        self.schemas = schemas
        self.flipped = flipped
        for g in [model.graph] + model.graph.nestedGraphs {
            for v in g.inputs + g.outputs + g.valueInfos { collectSymbols(v.type) }
        }
    }

    // MARK: Symbols

    private func collectSymbols(_ t: ValueType?) {
        guard let t else { return }
        switch t.kind {
        case .tensor(let tt), .sparseTensor(let tt):
            for d in tt.shape ?? [] { if case .symbolic(let s) = d.value { symbols.formUnion(DimExpr(dimName: s).symbols) } }
        case .sequence(let e), .optional(let e): collectSymbols(e)
        default: break
        }
    }

    /// A new symbol name derived from `hint`, unique in the model.
    func freshName(_ hint: String) -> String {
        var base = String(hint.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        if base.isEmpty || base.first!.isNumber { base = "d_" + base }
        var name = base
        var k = 1
        while symbols.contains(name) || DimExpr.parse(name)?.symbolName != name {
            k += 1
            name = "\(base)_\(k)"
        }
        symbols.insert(name)
        return name
    }

    /// A symbol for a size known only at run time.
    func dataDependentSymbol(_ hint: String) -> DimExpr {
        let name = freshName(hint)
        dataDependent.insert(name)
        return .symbol(name)
    }

    /// The answer at an undecidable site (recorded for the report and for retries).
    func assumeEqual(_ site: String) -> Bool {
        if !sites.contains(site) { sites.append(site) }
        return flipped.contains(site)
    }

    // MARK: Types

    /// A declared type with the fixed symbols substituted.
    func declaredType(_ t: ValueType?) -> SymType? {
        guard let t else { return nil }
        if case .unspecified = t.kind { return nil }
        return substitute(SymType(t))
    }

    func substitute(_ t: SymType) -> SymType {
        guard !bindings.isEmpty else { return t }
        switch t {
        case .tensor(let s): return .tensor(substitute(s))
        case .sparseTensor(let s): return .sparseTensor(substitute(s))
        case .sequence(let e): return .sequence(e.map(substitute))
        case .optional(let e): return .optional(e.map(substitute))
        case .other: return t
        }
    }

    func substitute(_ s: SymTensor) -> SymTensor {
        SymTensor(s.elementType, s.shape.map { $0.map { $0?.substituting(bindings) } })
    }

    /// The opset version of a domain ("" = default) in the model.
    func opset(_ domain: String, imports: [OpsetImport]? = nil) -> Int {
        if let imports, let v = imports.first(where: { ($0.domain ?? "") == domain || (domain.isEmpty && $0.domain == "ai.onnx") })?.version {
            return Int(v)
        }
        return Int(model.opsetVersion(for: domain) ?? (domain.isEmpty ? 21 : 1))
    }

    // MARK: Report

    func finishReport() -> ShapeReport {
        report.opsWithoutRule = missingRules.sorted()
        report.fixedDims = bindings.compactMapValues { $0.constantValue }
        report.unusedDims = options.dims.keys.filter { !symbols.contains($0) }.sorted()
        report.assumptions = sites.map { flipped.contains($0) ? "\($0) (taken as true)" : "\($0) (taken as false)" }
        return report
    }

    /// Records a value's final type in the report.
    func record(_ name: String, _ type: SymType?, graph: String) {
        var entry = ShapeReport.Value(name: name, graph: graph, dtype: nil, shape: nil, unknown: true)
        switch type {
        case .tensor(let t)?, .sparseTensor(let t)?:
            entry.dtype = t.elementType?.name
            entry.shape = t.shape.map { $0.map { $0?.description ?? "?" } }
            entry.unknown = t.shape.map { dims in
                dims.contains { d in d == nil || !d!.symbols.isDisjoint(with: dataDependent) }
            } ?? true
        case .sequence?, .optional?, .other?:
            entry.dtype = type?.description
            entry.unknown = false
        case nil:
            break
        }
        report.values.append(entry)
    }
}
