import ModelIR
import Passes

/// Rewrites a model of the `tflite` dialect into ONNX-semantics ops (default domain, `opset`).
///
/// Layout stays NHWC at the graph boundary; ops that ONNX defines channels-first get explicit
/// Transposes around them (a layout pass may cancel them). Quantized values become QDQ.
public struct TFLiteLowering: GraphPass {
    public var opset: Int
    /// Int8 convolutions, fully connected, add/sub, average pool and mean become integer ONNX ops
    /// that reproduce TFLite's fixed-point rounding exactly (`IntegerLowerings`); false: QDQ form.
    public var exactIntegers: Bool
    /// Each exact group's last node records the TFLite operator it stands for (`ExactGroupRecord`,
    /// node metadata), so that ONNX → TFLite can raise it back; off for targets without node metadata (`.ort`).
    public var recordsExactGroups: Bool
    public var name: String { exactIntegers ? "tflite-lowering (int8 exact)" : "tflite-lowering (int8 as QDQ)" }

    public init(opset: Int = 17, exactIntegers: Bool = true, recordsExactGroups: Bool = true) {
        self.opset = opset
        self.exactIntegers = exactIntegers
        self.recordsExactGroups = recordsExactGroups
    }

    public func run(_ model: inout Model) throws(PassError) -> Bool {
        let all = [model.graph] + model.subgraphs
        guard all.contains(where: { g in g.nodes.contains { $0.normalizedDomain.hasPrefix("tflite") } }) else { return false }
        let state = try VariableState(model: model)
        model.graph = try lower(model.graph, state: state, isMain: true)
        model.subgraphs = []  // control flow bodies are inlined or rejected by the op lowerings
        model.opsetImports = [OpsetImport(domain: "", version: Int64(opset))]
        model.irVersion = 8
        // Metadata buffers become text properties (base64 when they are not text).
        for m in model.binaryMetadata {
            let bytes = m.bytes.bytes
            let text = String(validating: bytes, as: UTF8.self).flatMap { t in t.contains("\u{0}") ? nil : t }
            model.metadata.append(MetadataEntry(key: "tflite.metadata." + m.name, value: text ?? "base64:" + Base64.encode(bytes)))
        }
        model.binaryMetadata = []
        model.signatures = []
        return true
    }

    /// Operators that have no outputs in a valid model.
    static let outputless: Set<String> = ["ASSIGN_VARIABLE", "CALL_ONCE"]

    /// The TFLite builtins (and `CUSTOM:<code>` custom ops) this pass can lower, sorted.
    public static var supportedOps: [String] { TFLiteLowerings.table.keys.sorted() }

    /// Every node of the model's graphs that has no lowering: (graph index, node label, op).
    public static func unsupportedNodes(in model: Model) -> [(graph: Int, node: String, op: String)] {
        var out: [(Int, String, String)] = []
        for (i, g) in ([model.graph] + model.subgraphs).enumerated() {
            for n in g.nodes where n.normalizedDomain.hasPrefix("tflite") {
                let key = n.normalizedDomain == TFLiteDialect.customDomain ? "CUSTOM:" + n.opType : n.opType
                if TFLiteLowerings.table[key] == nil { out.append((i, n.label, key)) }
            }
        }
        return out
    }

    func lower(_ graph: Graph, state: VariableState, isMain: Bool) throws(PassError) -> Graph {
        let ctx = LoweringContext(source: graph, opset: opset)
        ctx.variables = state
        for node in graph.nodes {
            ctx.current = node
            // Every operator but the variable writes computes something; the lowerings write output 0.
            if node.normalizedDomain.hasPrefix("tflite"), node.outputs.isEmpty, !TFLiteLowering.outputless.contains(node.opType) {
                throw PassError.invalid(node: node.label, reason: "the \(node.opType) operator has no outputs; the file is damaged")
            }
            if exactIntegers, node.normalizedDomain == TFLiteDialect.domain, let exact = IntegerLowerings.table[node.opType] {
                let first = ctx.nodeCount
                if try exact(ctx, node) {
                    if recordsExactGroups { ctx.recordExactGroup(node, firstNode: first) }
                    continue
                }
            }
            guard let lowering = TFLiteLowerings.table[node.normalizedDomain == TFLiteDialect.customDomain ? "CUSTOM:" + node.opType : node.opType],
                  node.normalizedDomain.hasPrefix("tflite") else {
                if node.normalizedDomain.hasPrefix("tflite") {
                    throw PassError.unsupportedOp(node: node.label, op: node.opType, reason: "no ONNX lowering for this TFLite operator")
                }
                ctx.keep(node)
                continue
            }
            try lowering(ctx, node)
        }
        var g = ctx.graph()
        if isMain { ctx.finishState(&g) }
        return g
    }
}

/// A lowering: emits the ONNX nodes for one TFLite node.
typealias Lowering = @Sendable (LoweringContext, Node) throws(PassError) -> Void

/// The lowering table: one entry per TFLite builtin (custom ops as `CUSTOM:<code>`), one file per family.
enum TFLiteLowerings {
    static let table: [String: Lowering] = {
        var t: [String: Lowering] = [:]
        for family in [ConvLowerings.table, ElementwiseLowerings.table, ShapeLowerings.table, ReduceLowerings.table, StateLowerings.table] {
            t.merge(family) { a, _ in a }
        }
        return t
    }()
}

// MARK: Option access

extension Node {
    /// An integer (or bool/enum) option field of a TFLite node.
    func option(_ name: String, default value: Int64 = 0) -> Int64 { intAttribute(name) ?? value }

    func floatOption(_ name: String, default value: Float) -> Float { floatAttribute(name) ?? value }

    func intsOption(_ name: String) -> [Int64]? { intsAttribute(name) }

    /// Input `i`, or "" when absent.
    func input(_ i: Int) -> String { i < inputs.count ? inputs[i] : "" }
}
