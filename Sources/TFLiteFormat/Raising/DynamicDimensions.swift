import ModelIR

/// Dynamic input dims of a raised model, kept as -1 in `shape_signature`.
///
/// The raising computes static shapes, so the source is raised again at probes: each with one
/// dynamic dim changed. Where the two graphs differ only in tensor dims
/// and in RESHAPE targets that differ in one entry, the result runs at any size LiteRT resizes it
/// to: the differing dims are marked dynamic and those RESHAPE entries become -1. Any other
/// difference (an option, a constant, an op) means the graph depends on the size it was raised
/// at, and the shapes stay fixed.
public enum DynamicDimensions {
    /// What one probe showed: the tensor dims that follow the input size, and the RESHAPE
    /// targets (constant name → entry) that must become -1.
    public struct Relaxation: Sendable {
        public var dims: [String: Set<Int>] = [:]
        public var reshapeTargets: [String: Int] = [:]

        public init() {}
    }

    /// The relaxation that makes `raised` follow the sizes `probe` was raised at, or why none does.
    public static func relaxation(_ raised: Model, probe: Model) -> Result<Relaxation, Refusal> {
        let (g, p) = (raised.graph, probe.graph)
        if let reason = structuralDifference(g, p) { return .failure(Refusal(reason: reason)) }
        var out = Relaxation()
        switch reshapeTargets(g, p) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let targets): out.reshapeTargets = targets
        }
        var probeDims: [String: [Dim]] = [:]
        for v in p.inputs + p.outputs + p.valueInfos { if let d = v.type?.tensorType?.shape { probeDims[v.name] = d } }
        for v in g.inputs + g.outputs + g.valueInfos {
            guard let dims = v.type?.tensorType?.shape, let other = probeDims[v.name] else { continue }
            guard dims.count == other.count else { return .failure(Refusal(reason: "the rank of '\(v.name)' depends on the input size")) }
            let differing = Set(dims.indices.filter { dims[$0] != other[$0] })
            if !differing.isEmpty { out.dims[v.name, default: []].formUnion(differing) }
        }
        return .success(out)
    }

    /// Why a probe's sizes cannot be followed.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// `a` and `b` together, or nil when a RESHAPE target would need two -1 entries.
    public static func merged(_ a: Relaxation, _ b: Relaxation) -> Relaxation? {
        var out = a
        for (name, entry) in b.reshapeTargets {
            if let other = out.reshapeTargets[name], other != entry { return nil }
            out.reshapeTargets[name] = entry
        }
        out.dims.merge(b.dims) { $0.union($1) }
        return out
    }

    /// Marks the relaxed dims of `raised` unknown (their given sizes stay in `shape`) and sets -1
    /// in the relaxed RESHAPE targets.
    public static func apply(_ r: Relaxation, to raised: inout Model) {
        var g = raised.graph
        for c in g.initializers.indices {
            guard let name = g.initializers[c].name, let entry = r.reshapeTargets[name], var target = ConstantData.ints(g.initializers[c]) else { continue }
            target[entry] = -1
            var relaxed = ConstantData.int32Tensor(target.map { Int32($0) }, dims: g.initializers[c].dims)
            relaxed.name = name
            g.initializers[c] = relaxed
            for n in g.nodes.indices where g.nodes[n].opType == "RESHAPE" && g.nodes[n].inputs.count > 1 && g.nodes[n].inputs[1] == name {
                g.nodes[n].attributes = g.nodes[n].attributes.map { $0.name == "new_shape" ? Attribute(name: "new_shape", value: .ints(target)) : $0 }
            }
        }
        for list in [\Graph.inputs, \Graph.outputs, \Graph.valueInfos] as [WritableKeyPath<Graph, [ValueInfo]>] {
            for i in g[keyPath: list].indices {
                guard let axes = r.dims[g[keyPath: list][i].name] else { continue }
                relax(&g[keyPath: list][i], axes: axes)
            }
        }
        raised.graph = g
    }

    // MARK: Comparison

    /// The first difference other than dims and RESHAPE targets, or nil.
    static func structuralDifference(_ g: Graph, _ p: Graph) -> String? {
        guard g.nodes.count == p.nodes.count else {
            return "the graph has \(g.nodes.count) ops at the given shapes and \(p.nodes.count) at other sizes"
        }
        for (a, b) in zip(g.nodes, p.nodes) {
            let label = "\(a.opType) '\(a.outputs.first ?? "")'"
            guard a.opType == b.opType, a.inputs == b.inputs, a.outputs == b.outputs else { return "\(label) has no counterpart at other sizes" }
            let compared: (Attribute) -> Bool = { a.opType != "RESHAPE" || $0.name != "new_shape" }
            guard a.attributes.filter(compared) == b.attributes.filter(compared) else { return "the options of \(label) depend on the input size" }
        }
        guard g.inputs.map(\.name) == p.inputs.map(\.name), g.outputs.map(\.name) == p.outputs.map(\.name) else {
            return "the graph's inputs or outputs differ at other sizes"
        }
        return nil
    }

    /// The RESHAPE targets that differ in exactly one entry (constant name → entry); any other
    /// differing constant is refused.
    static func reshapeTargets(_ g: Graph, _ p: Graph) -> Result<[String: Int], Refusal> {
        var probeConstants: [String: Tensor] = [:]
        for t in p.initializers { if let n = t.name { probeConstants[n] = t } }
        var readers: [String: [(node: Int, input: Int)]] = [:]
        for (i, n) in g.nodes.enumerated() { for (k, name) in n.inputs.enumerated() { readers[name, default: []].append((i, k)) } }
        var out: [String: Int] = [:]
        for t in g.initializers {
            guard let name = t.name, let other = probeConstants[name] else {
                return .failure(Refusal(reason: "constant '\(t.name ?? "?")' has no counterpart at other sizes"))
            }
            if t.dataType == other.dataType, t.dims == other.dims, t.byteView == other.byteView { continue }
            let users = readers[name] ?? []
            guard t.dataType == .int32, other.dataType == .int32, t.dims.count == 1, t.dims == other.dims,
                  !users.isEmpty, users.allSatisfy({ g.nodes[$0.node].opType == "RESHAPE" && $0.input == 1 }),
                  let x = ConstantData.ints(t), let y = ConstantData.ints(other) else {
                return .failure(Refusal(reason: "constant '\(name)' depends on the input size"))
            }
            let differing = x.indices.filter { x[$0] != y[$0] }
            guard differing.count == 1, !x.contains(-1) else {
                return .failure(Refusal(reason: "a RESHAPE to \(x) takes \(differing.count) sizes from the input (TFLite infers at most one)"))
            }
            out[name] = differing[0]
        }
        return .success(out)
    }

    /// Marks `axes` of `v` unknown, recording the given sizes for the written `shape`.
    static func relax(_ v: inout ValueInfo, axes: Set<Int>) {
        guard var tt = v.type?.tensorType, let dims = tt.shape else { return }
        let sizes = dims.map { $0.fixedValue ?? 1 }
        tt.shape = dims.enumerated().map { axes.contains($0.offset) ? Dim.unknown : $0.element }
        v.type = ValueType(.tensor(tt))
        v.metadata.removeAll { $0.key == TFLiteDialect.shapeKey }
        v.metadata.append(MetadataEntry(key: TFLiteDialect.shapeKey, value: sizes.map(String.init).joined(separator: ",")))
    }
}
