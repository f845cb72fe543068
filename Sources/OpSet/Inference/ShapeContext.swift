import ModelIR

/// Why a shape rule rejected a node: the graph is malformed for this op.
public enum ShapeRuleError: Error, CustomStringConvertible, Equatable {
    /// The inputs or attributes contradict the op's definition (rank mismatch, incompatible dims, …).
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let reason): return reason
        }
    }
}

/// Infers the outputs of a subgraph (If/Loop/Scan body) given what is known of its inputs; the
/// returned graph carries the value infos inference wrote into it.
/// A speculative inference (a branch that is not taken) returns nil instead of failing.
public typealias SubgraphInference = (Graph, [InferredValue?], _ speculative: Bool) throws(ShapeRuleError) -> (outputs: [InferredValue?], graph: Graph)?

/// What a shape rule sees of one node: its inputs' types and known values, its attributes, the opset;
/// the rule sets the outputs.
public final class ShapeContext {
    public let node: Node
    /// The opset version of the node's domain.
    public let opset: Int
    /// One entry per node input; nil for omitted optional inputs and inputs of unknown type.
    public let inputs: [InferredValue?]
    /// One entry per node output, filled by the rule; nil leaves an output unknown.
    public var outputs: [InferredValue?]
    /// Subgraphs the rule inferred into, by attribute name (the engine writes them back into the node).
    public var updatedSubgraphs: [String: Graph] = [:]
    /// The most elements a known value may have.
    public let valueLimit: Int
    let inferSubgraph: SubgraphInference?
    let freshSymbol: (String) -> DimExpr
    /// Decides an undecidable test on symbolic sizes (e.g. `batch == 1`) at a named site; the engine
    /// starts from the generic answer (not equal) and flips a site when that makes the graph invalid.
    let assumeEqual: (String) -> Bool

    public init(
        node: Node, opset: Int, inputs: [InferredValue?], valueLimit: Int = 1024,
        inferSubgraph: SubgraphInference? = nil, freshSymbol: @escaping (String) -> DimExpr,
        assumeEqual: @escaping (String) -> Bool = { _ in false }
    ) {
        self.node = node
        self.opset = opset
        self.inputs = inputs
        self.outputs = Array(repeating: nil, count: node.outputs.count)
        self.valueLimit = valueLimit
        self.inferSubgraph = inferSubgraph
        self.freshSymbol = freshSymbol
        self.assumeEqual = assumeEqual
    }

    // MARK: Inputs

    /// Whether input `i` is given (present and not the empty name).
    public func has(_ i: Int) -> Bool { i < node.inputs.count && !node.inputs[i].isEmpty }

    /// Number of inputs the node lists (omitted ones included).
    public var inputCount: Int { node.inputs.count }

    public func input(_ i: Int) -> InferredValue? { i < inputs.count ? inputs[i] : nil }

    public func type(_ i: Int) -> SymType? { input(i)?.type }

    public func tensor(_ i: Int) -> SymTensor? { input(i)?.type?.tensor }

    public func shape(_ i: Int) -> [DimExpr?]? { tensor(i)?.shape }

    public func rank(_ i: Int) -> Int? { tensor(i)?.rank }

    public func dtype(_ i: Int) -> DataType? {
        switch input(i)?.type {
        case .tensor(let t)?, .sparseTensor(let t)?: return t.elementType
        default: return nil
        }
    }

    public func value(_ i: Int) -> KnownValue? { input(i)?.value }

    /// Input `i`'s elements as constant integers, when known.
    public func int64s(_ i: Int) -> [Int64]? { value(i)?.int64s }

    /// Input `i`'s elements as integer expressions (nil elements unknown), when its length is known.
    public func exprs(_ i: Int) -> [DimExpr?]? {
        if let v = value(i) { return v.exprs }
        if let s = shape(i), s.count <= 1, let n = (s.first ?? DimExpr(1))?.constantValue, n >= 0, n <= valueLimit {
            return Array(repeating: nil, count: Int(n))
        }
        return nil
    }

    // MARK: Outputs

    public func set(_ i: Int, _ t: SymTensor, value: KnownValue? = nil) {
        guard i < outputs.count else { return }
        var v = value
        if let given = v, given.count > valueLimit { v = nil }
        outputs[i] = .tensor(t, value: v)
    }

    public func set(_ i: Int, type: SymType?) {
        guard i < outputs.count else { return }
        outputs[i] = type.map { InferredValue(type: $0) }
    }

    /// Whether the node lists output `i`.
    public func wants(_ i: Int) -> Bool { i < node.outputs.count && !node.outputs[i].isEmpty }

    /// A new symbol for a dim only known at run time (its name derives from `hint`).
    public func fresh(_ hint: String) -> DimExpr { freshSymbol(hint) }

    /// A new symbol for dim `axis` of output `i`.
    public func fresh(output i: Int, axis: Int) -> DimExpr {
        let name = i < node.outputs.count ? node.outputs[i] : "out"
        return freshSymbol("\(name)_d\(axis)")
    }

    /// Infers a subgraph attribute with the given input types and records its updated form.
    public func subgraph(_ attribute: String, inputs: [SymType?]) throws(ShapeRuleError) -> [InferredValue?]? {
        try subgraph(attribute, values: inputs.map { $0.map { InferredValue(type: $0) } })
    }

    /// Infers a subgraph attribute with the given input types and values and records its updated form.
    public func subgraph(_ attribute: String, values: [InferredValue?]) throws(ShapeRuleError) -> [InferredValue?]? {
        guard let g = graph(attribute), let inferSubgraph, let (outs, updated) = try inferSubgraph(g, values, false) else { return nil }
        updatedSubgraphs[attribute] = updated
        return outs
    }

    /// Infers a subgraph that will not run (an If branch not taken): its value infos are written
    /// when it infers cleanly; when it does not, the engine notes why and leaves it as it is.
    public func speculativeSubgraph(_ attribute: String) {
        guard let g = graph(attribute), let inferSubgraph else { return }
        if let result = try? inferSubgraph(g, [], true) { updatedSubgraphs[attribute] = result.graph }
    }

    /// Whether to take an undecidable symbolic size as equal to a constant, at site `what` of this node.
    public func assumesEqual(_ what: String) -> Bool {
        assumeEqual("\(node.outputs.first ?? node.label): \(what)")
    }

    // MARK: Errors

    public func invalid(_ reason: String) -> ShapeRuleError { .invalid(reason) }
}

// MARK: Attributes

extension ShapeContext {
    public func attribute(_ name: String) -> Attribute.Value? { node.attribute(name)?.value }

    public func int(_ name: String) -> Int64? {
        if case .int(let v)? = attribute(name) { return v }
        return nil
    }

    public func int(_ name: String, default value: Int64) -> Int64 { int(name) ?? value }

    public func ints(_ name: String) -> [Int64]? {
        switch attribute(name) {
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: return nil
        }
    }

    public func float(_ name: String) -> Float? {
        switch attribute(name) {
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: return nil
        }
    }

    public func floats(_ name: String) -> [Float]? {
        if case .floats(let v)? = attribute(name) { return v }
        return nil
    }

    public func string(_ name: String) -> String? {
        if case .string(let v)? = attribute(name) { return String(decoding: v, as: UTF8.self) }
        return nil
    }

    public func graph(_ name: String) -> Graph? {
        if case .graph(let g)? = attribute(name) { return g }
        return nil
    }

    public func tensorAttribute(_ name: String) -> Tensor? {
        if case .tensor(let t)? = attribute(name) { return t }
        return nil
    }

    /// `axis` in [-rank, rank) made non-negative, or an error naming the attribute.
    public func axis(_ a: Int64, rank: Int, what: String = "axis") throws(ShapeRuleError) -> Int {
        let r = Int64(rank)
        guard a >= -r, a < max(r, 1) || (r == 0 && a == 0) else {
            throw .invalid("\(what) \(a) is out of range for rank \(rank)")
        }
        return Int(a < 0 ? a + r : a)
    }
}
