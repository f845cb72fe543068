import ModelIR
import Passes

/// Rewrites an ONNX-semantics model into the `tflite` dialect (op type = TFLite builtin name),
/// ready for `TFLiteWriter`.
///
/// Layout: the graph is converted to NHWC internally (see `Layout`): weights are transposed at
/// conversion time, activations stay channels-last between ops, so the result has no TRANSPOSE
/// between convolutions, element-wise ops, pools and concatenations. Inputs and outputs keep the
/// source's NCHW layout (a TRANSPOSE at the boundary) unless `nhwcIO` is set.
///
/// Shapes must be static: graph input dims that are not fixed come from `inputShapes`; every
/// other shape is computed here. Subgraphs of constants (Shape → Gather → Concat → Reshape) are
/// folded with `evaluator`.
public struct TFLiteRaising: GraphPass {
    /// Rank-4 inputs and outputs are NHWC (no boundary transposes).
    public var nhwcIO: Bool
    /// Concrete shapes of graph inputs whose declared dims are not all fixed.
    public var inputShapes: [String: [Int64]]
    public var evaluator: ConstantEvaluator?
    /// Store float32 weights as float16 behind DEQUANTIZE (`--float16`; always for float16 sources).
    public var float16Weights: Bool
    /// Values of integer graph inputs given for the conversion; shapes that depend on them
    /// (run-time pads, split sizes) are fixed to these values, as dynamic dims are to the inputs' shapes.
    public var inputValues: [String: Tensor]
    public var name: String { "tflite-raising (layout nchw→nhwc)" }

    public init(nhwcIO: Bool = false, inputShapes: [String: [Int64]] = [:], evaluator: ConstantEvaluator? = nil, float16Weights: Bool = false,
                inputValues: [String: Tensor] = [:]) {
        self.nhwcIO = nhwcIO
        self.inputShapes = inputShapes
        self.evaluator = evaluator
        self.float16Weights = float16Weights
        self.inputValues = inputValues
    }

    public func run(_ model: inout Model) throws(PassError) -> Bool {
        let opset = Int(model.opsetVersion(for: "") ?? 13)
        let g = model.graph
        let ctx = RaisingContext(source: g, opset: opset, opsetImports: model.opsetImports, evaluator: evaluator)
        ctx.inputValues = inputValues
        let variables = StateRaisings.variables(in: g)
        let stateReads = StateRaisings.reads(variables)
        for t in g.initializers { if let n = t.name, !stateReads.contains(n) { ctx.bindConstant(n, t) } }
        let handles = StateRaisings.emitReads(variables, ctx)
        ctx.graphInputs.formUnion(stateReads)
        var inputs: [ValueInfo] = []
        for input in g.inputs where ctx.values[input.name]?.constant == nil && !stateReads.contains(input.name) {
            inputs.append(try bindInput(input, ctx))
        }
        // Exact int8 groups (TFLite → ONNX's integer form) become their TFLite operator again.
        let exact = ExactGroupRecognition.recognize(g, opset: opset)
        let groupEnds = exact.byLast, members = exact.members
        for (i, node) in g.nodes.enumerated() {
            if let group = groupEnds[i] {
                ctx.current = node
                try ExactGroupRaisings.raise(group, ctx)
            } else if !members.contains(i) {
                try Self.raiseNode(node, ctx)
            }
        }
        try StateRaisings.emitAssignments(variables, handles: handles, ctx)
        let outputs = try finishOutputs(g, ctx, skipping: StateRaisings.writes(variables))
        for i in inputs.indices { inputs[i].quantization = ctx.inputQuantization[inputs[i].name] }
        StateRaisings.quantizeReads(variables, ctx)
        var out = Graph(name: g.name ?? "main", inputs: inputs, outputs: outputs, valueInfos: ctx.valueInfos,
                        initializers: ctx.initializers, nodes: ctx.nodes)
        Self.dropUnused(&out)
        var halfWeights = 0
        if float16Weights || Float16Storage.usesFloat16(g) {
            halfWeights = Float16Storage.storeWeightsAsFloat16(&out, sourceSmallWeights: Float16Storage.smallWeights(of: g))
        }
        model.graph = out
        model.opsetImports = []
        model.irVersion = nil
        model.functions = []
        model.subgraphs = StateRaisings.initGraph(variables, quantization: ctx.inputQuantization).map { [$0] } ?? []
        model.producerName = "modelconv"
        model.metadata.removeAll { $0.key == Self.reportKey }
        var notes: [String] = []
        if let note = QuantRaisings.summary(ctx) { notes.append(note) }
        if halfWeights > 0 { notes.append("float16-weights (\(halfWeights) weights stored as float16 behind DEQUANTIZE, float32 compute)") }
        if !variables.isEmpty { notes.append("resource-variables (\(variables.count) state inputs/outputs as VAR_HANDLE/READ_VARIABLE/ASSIGN_VARIABLE)") }
        if !ctx.specialized.isEmpty { notes.append("shapes-from-input-values (\(ctx.specialized.joined(separator: "; ")))") }
        if !notes.isEmpty { model.metadata.append(MetadataEntry(key: Self.reportKey, value: notes.joined(separator: "\n"))) }
        return true
    }

    /// Model metadata key under which the pass leaves its QDQ summary for the conversion report
    /// (taken out again before writing).
    public static let reportKey = "modelconv.report.qdq"

    // MARK: Boundary

    private func bindInput(_ input: ValueInfo, _ ctx: RaisingContext) throws(PassError) -> ValueInfo {
        guard let tt = input.type?.tensorType, let type = tt.elementType, let declared = tt.shape else {
            throw PassError.unsupportedOp(node: input.name, op: "input", reason: "graph input needs a tensor type with a known rank")
        }
        var shape: [Int64] = []
        if let given = inputShapes[input.name], given.count == declared.count {
            shape = given
        } else {
            for d in declared {
                guard let n = d.fixedValue else {
                    throw PassError.unsupportedOp(node: input.name, op: "input",
                                                  reason: "dim \(d) is not fixed; give a value with --dim or concrete inputs (--inputs)")
                }
                shape.append(n)
            }
        }
        let perm = nhwcIO && shape.count == 4 ? Layout.channelsLast(4) : Layout.identity(shape.count)
        let dims = Layout.stored(shape, perm)
        if type == .float16 {
            // float32 compute: widen the input once.
            ctx.current = Node(name: input.name, opType: "input", inputs: [input.name], outputs: [input.name])
            let wide = ctx.temporary("float32", dims, .float)
            ctx.emit("DEQUANTIZE", [input.name], [wide], version: 2)
            ctx.bind(input.name, RaisedValue(name: wide, shape: shape, type: .float, perm: perm))
        } else {
            ctx.bind(input.name, RaisedValue(name: input.name, shape: shape, type: type, perm: perm))
        }
        return ValueInfo(name: input.name, type: ValueType(.tensor(TensorType(elementType: type, shape: dims.map { .fixed($0) }))))
    }

    /// Gives each graph output its source name and the boundary layout.
    private func finishOutputs(_ g: Graph, _ ctx: RaisingContext, skipping assigned: Set<String>) throws(PassError) -> [ValueInfo] {
        var outputs: [ValueInfo] = []
        let inputNames = Set(g.inputs.map(\.name))
        for o in g.outputs where !assigned.contains(o.name) {
            ctx.current = Node(name: o.name, opType: "output", inputs: [o.name], outputs: [o.name])
            var v = try ctx.value(o.name)
            let perm = nhwcIO && v.rank == 4 ? Layout.channelsLast(4) : Layout.identity(v.rank)
            let declared = o.type?.tensorType?.elementType
            if declared == .float16, v.type == .float {
                // float32 compute, float16 output as declared.
                let source = try ctx.stored(v, perm: perm)
                let half = ctx.temporary("float16", Layout.stored(v.shape, perm), .float16)
                ctx.emit("CAST", [source], [half])
                v = RaisedValue(name: half, shape: v.shape, type: .float16, perm: perm)
            }
            var quantization = v.type == .int8 ? ctx.quantization[o.name] : nil
            if let p = quantization, declared == .uint8 {
                // A uint8 QuantizeLinear output as declared: requantize (same scale, zero point + 128).
                let wide = QuantParams(scales: p.scales, zeroPoints: p.zeroPoints.map { $0 + 128 }, axis: p.axis)
                let source = try ctx.stored(v, perm: perm)
                let u = ctx.temporary("uint8", Layout.stored(v.shape, perm), .uint8)
                ctx.setQuantization(u, wide)
                ctx.emit("QUANTIZE", [source], [u])
                v = RaisedValue(name: u, shape: v.shape, type: .uint8, perm: perm)
                quantization = wide
            }
            if v.constant == nil, v.perm == perm, v.name != o.name, !inputNames.contains(v.name),
               let index = ctx.producer[v.name], !g.outputs.contains(where: { $0.name != o.name && !assigned.contains($0.name) && ctx.values[$0.name]?.name == v.name }) {
                // Rename the producer's tensor to the output name.
                ctx.nodes[index].outputs = ctx.nodes[index].outputs.map { $0 == v.name ? o.name : $0 }
                for i in ctx.nodes.indices { ctx.nodes[i].inputs = ctx.nodes[i].inputs.map { $0 == v.name ? o.name : $0 } }
                for i in ctx.valueInfos.indices where ctx.valueInfos[i].name == v.name { ctx.valueInfos[i].name = o.name }
            } else if v.constant != nil || v.name != o.name || v.perm != perm {
                // A constant output (Shape, Constant, a folded subgraph) is written by a RESHAPE of the constant.
                let source = try ctx.materialized(v)
                var view = v
                view.name = source
                if view.perm == perm {
                    let dims = Layout.stored(v.shape, perm)
                    ctx.reshape(source, to: dims, into: o.name)
                } else {
                    ctx.relayout(view, to: perm, into: o.name)
                }
                ctx.declare(o.name, Layout.stored(v.shape, perm), v.type)
            }
            let dims = Layout.stored(v.shape, perm)
            outputs.append(ValueInfo(name: o.name, type: ValueType(.tensor(TensorType(elementType: v.type, shape: dims.map { .fixed($0) }))),
                                     quantization: quantization))
        }
        return outputs
    }

    /// Removes value infos of tensors no node reads or writes, and duplicates.
    static func dropUnused(_ g: inout Graph) {
        let used = Set(g.nodes.flatMap { $0.inputs + $0.outputs }).union(g.inputs.map(\.name)).union(g.outputs.map(\.name))
        var seen = Set<String>()
        let boundary = Set(g.inputs.map(\.name) + g.outputs.map(\.name))
        g.valueInfos = g.valueInfos.filter { used.contains($0.name) && !boundary.contains($0.name) && seen.insert($0.name).inserted }
        g.initializers = g.initializers.filter { used.contains($0.name ?? "") }
    }

    // MARK: Nodes

    /// Raises one source node: Q/DQ handling, folding, or its entry in the raising table.
    /// (Also used for the nodes of an inlined If branch.)
    static func raiseNode(_ node: Node, _ ctx: RaisingContext) throws(PassError) {
        ctx.current = node
        if try QuantRaisings.raise(node, ctx) { return }
        if try RuntimeShapeRaisings.raise(node, ctx) { return }
        if try fold(node, ctx) { return }
        guard node.normalizedDomain.isEmpty, let raising = TFLiteRaisings.table[node.opType] else {
            throw ctx.unsupported(Self.reason(for: node))
        }
        if let reason = TFLiteRaisings.blocker(node, inputType: ctx.elementType(of: node.inputs.first ?? "")) {
            throw ctx.unsupported(reason)
        }
        if node.inputs.contains(where: { ctx.dequantized[$0] != nil }) { ctx.floatIslands[node.opType, default: 0] += 1 }
        try raising(ctx, node)
    }

    // MARK: Constant folding

    /// Folds a node whose inputs are all constants (and Shape of a value of known shape).
    private static func fold(_ node: Node, _ ctx: RaisingContext) throws(PassError) -> Bool {
        if node.opType == "Constant", node.normalizedDomain.isEmpty {
            return try foldConstantNode(node, ctx)
        }
        if node.opType == "Shape", node.normalizedDomain.isEmpty, let x = try ctx.input(0) {
            var dims = x.shape
            let r = Int64(dims.count)
            func clamp(_ v: Int64) -> Int { Int(max(0, min(r, v < 0 ? v + r : v))) }
            let start = clamp(node.intAttribute("start") ?? 0), end = clamp(node.intAttribute("end") ?? r)
            dims = start < end ? Array(dims[start..<end]) : []
            ctx.bindConstant(node.outputs[0], Tensor(name: nil, dataType: .int64, dims: [Int64(dims.count)],
                                                     contents: .bytes(dims.withUnsafeBytes { ByteView(copying: $0) })))
            return true
        }
        let present = node.inputs.filter { !$0.isEmpty }
        guard !present.isEmpty, present.allSatisfy({ ctx.values[$0]?.constant != nil }), let evaluator = ctx.evaluator else { return false }
        let inputs = node.inputs.map { $0.isEmpty ? nil : ctx.values[$0]?.constant }
        guard let outs = evaluator(node, inputs, ctx.opsetImports), outs.count >= node.outputs.count else { return false }
        for (name, t) in zip(node.outputs, outs) where !name.isEmpty { ctx.bindConstant(name, t) }
        return true
    }

    private static func foldConstantNode(_ node: Node, _ ctx: RaisingContext) throws(PassError) -> Bool {
        guard let attr = node.attributes.first else { throw ctx.invalid("Constant without a value") }
        let t: Tensor
        switch attr.value {
        case .tensor(let v): t = v
        case .float(let f): t = ConstantData.floatTensor([f], dims: [])
        case .floats(let f): t = ConstantData.floatTensor(f, dims: [Int64(f.count)])
        case .int(let i): t = Tensor(name: nil, dataType: .int64, dims: [], contents: .bytes([i].withUnsafeBytes { ByteView(copying: $0) }))
        case .ints(let i): t = Tensor(name: nil, dataType: .int64, dims: [Int64(i.count)], contents: .bytes(i.withUnsafeBytes { ByteView(copying: $0) }))
        default: throw ctx.unsupported("Constant with a \(attr.value.kind) value is not supported")
        }
        ctx.bindConstant(node.outputs[0], t)
        return true
    }

    // MARK: Coverage

    /// The ONNX ops this pass raises, sorted, with their constraints.
    public static var supportedOps: [String] {
        TFLiteRaisings.table.keys.sorted().map(TFLiteRaisings.summary) + ["Constant, Shape and any op whose inputs are all constant — folded at conversion time"]
    }

    /// Every node the pass cannot raise, with the reason (checked before any work is done).
    public static func unsupportedNodes(in model: Model) -> [(node: String, op: String, reason: String)] {
        RaisingPreflight.blockers(in: model)
    }

    static func reason(for node: Node) -> String {
        if node.attributes.contains(where: { !$0.subgraphs.isEmpty }), TFLiteRaisings.table[node.opType] == nil {
            return "control flow (\(node.opType) with subgraphs) has no TFLite raising yet"
        }
        if !node.normalizedDomain.isEmpty { return "ops of domain '\(node.normalizedDomain)' have no TFLite equivalent here" }
        return "no TFLite raising for \(node.opType) yet (unless its inputs fold to constants)"
    }
}

/// A raising: emits the TFLite nodes for one ONNX node.
typealias Raising = @Sendable (RaisingContext, Node) throws(PassError) -> Void

/// The raising table: one entry per ONNX op, one file per family.
enum TFLiteRaisings {
    static let table: [String: Raising] = {
        var t: [String: Raising] = [:]
        for family in [ConvRaisings.table, ElementwiseRaisings.table, ShapeRaisings.table, QuantRaisings.table, SliceRaisings.table]
            + families.map({ $0.table }) {
            t.merge(family) { a, _ in a }
        }
        return t
    }()

    /// Op families that declare their pre-flight checks and constraints with their raisings.
    static let families: [any RaisingFamily.Type] = [
        ControlFlowRaisings.self, PadRaisings.self, PReluRaisings.self, ResizeRaisings.self, ConvTransposeRaisings.self, SplitRaisings.self,
        GatherRaisings.self, RecurrentRaisings.self,
    ]

    /// Pre-flight checks of ops whose limits show without running anything (attributes, constant
    /// inputs): a reason when the node cannot be raised.
    static let checks: [String: PreflightCheck] = {
        var t: [String: PreflightCheck] = [:]
        for family in families { t.merge(family.checks) { a, _ in a } }
        return t
    }()
}

extension ValueType {
    /// A sequence, map, optional, sparse or opaque value: nothing a TFLite tensor can hold.
    var isContainer: Bool {
        switch kind {
        case .tensor, .unspecified: return false
        case .sparseTensor, .sequence, .map, .optional, .opaque: return true
        }
    }
}
