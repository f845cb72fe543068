import ModelIR
import Passes
import TFLiteFormat

/// The passes a conversion between two formats runs, in order.
struct ConversionPlan {
    let source: ModelFormat
    let target: ModelFormat
    let opset: Int
    /// ONNX → TFLite: rank-4 inputs and outputs NHWC instead of the source's NCHW.
    var nhwcIO = false
    /// ONNX → TFLite: concrete shapes for graph inputs with dynamic dims.
    var inputShapes: [String: [Int64]] = [:]
    /// ONNX → TFLite: store float32 weights as float16 behind DEQUANTIZE.
    var float16 = false
    /// TFLite → ONNX: exact integer lowering of int8 ops, or QDQ.
    var int8Form = Int8Form.exact
    /// ONNX → TFLite: values of small given inputs, for shapes that depend on them (run-time pads, split sizes).
    var inputValues: [String: Tensor] = [:]

    /// Nodes the plan cannot convert, with the reason, found before any work is done.
    func preflight(_ model: Model) -> [String] {
        switch (source, target) {
        case (.tflite, .onnx):
            return TFLiteLowering.unsupportedNodes(in: model).map { "graph \($0.graph), node '\($0.node)': \($0.op) has no ONNX lowering" }
        case (.onnx, .tflite):
            return TFLiteRaising.unsupportedNodes(in: model).map { "node '\($0.node)': \($0.op): \($0.reason)" }
        case (.ort, .onnx):
            return ContribOpDecomposition.unsupportedNodes(in: model).map {
                "node '\($0.node)': \($0.op) is an onnxruntime contrib op with no standard ONNX rewrite "
                    + "(when onnxruntime's optimizer added it, an .ort made at optimization level 'basic' avoids it)"
            }
        default:
            return []
        }
    }

    /// Throws the pre-flight list when any node cannot be converted.
    func refuseBlockers(_ model: Model) throws(ModelConvError) {
        let blockers = preflight(model)
        guard blockers.isEmpty else {
            throw .unsupported("cannot convert \(blockers.count) node(s), nothing was written:\n  " + blockers.joined(separator: "\n  "))
        }
    }

    /// Runs the plan; returns the names of the passes that changed the model.
    func run(_ model: inout Model) throws(ModelConvError) -> [String] {
        try refuseBlockers(model)
        let passes: [any GraphPass]
        switch (source, target) {
        case (let a, let b) where a == b:
            passes = []
        case (.tflite, .onnx):
            passes = [TFLiteLowering(opset: opset, exactIntegers: int8Form == .exact), ONNXExportCleanup()]
        case (.ort, .onnx):
            passes = [ContribOpDecomposition(), TransposeSinking(), ORTDetailsRemoval()]
        case (.onnx, .ort):
            passes = [ConstantsToInitializers(), ExpandFunctionOps(), Float16ComputeCasts()]
        case (.tflite, .ort):
            // .ort keeps no node metadata: no records of the exact groups.
            passes = [TFLiteLowering(opset: opset, exactIntegers: int8Form == .exact, recordsExactGroups: false), ONNXExportCleanup(),
                      ConstantsToInitializers(), ExpandFunctionOps(), Float16ComputeCasts()]
        case (.onnx, .tflite):
            passes = [TFLiteRaising(nhwcIO: nhwcIO, inputShapes: inputShapes, evaluator: ConstantFolding.evaluator, float16Weights: float16,
                                    inputValues: inputValues)]
        default:
            throw .unsupported("converting .\(source.rawValue) to .\(target.rawValue) is not supported by this build yet")
        }
        do {
            var applied = try PassPipeline(passes).run(&model)
            // Notes a pass leaves for the report (not written to the file).
            if let i = model.metadata.firstIndex(where: { $0.key == TFLiteRaising.reportKey }) {
                applied += model.metadata.remove(at: i).value.split(separator: "\n").map(String.init)
            }
            return applied
        } catch {
            // Passes run before the writer: an unsupported variant leaves no output file.
            throw error.isUnsupported ? .unsupported("cannot convert, nothing was written: \(error)") : .input("cannot convert: \(error)")
        }
    }
}

/// Makes a lowered model a clean ONNX file: metadata as text properties, no format-specific
/// value annotations, and value infos only for values the graph still uses.
struct ONNXExportCleanup: GraphPass {
    var name: String { "onnx-export-cleanup" }

    func run(_ model: inout Model) throws(PassError) -> Bool {
        var g = model.graph
        var used = Set(g.nodes.flatMap { $0.inputs + $0.outputs })
        used.formUnion(g.inputs.map(\.name))
        used.formUnion(g.outputs.map(\.name))
        g.valueInfos = g.valueInfos.compactMap { v in
            guard used.contains(v.name), v.type?.tensorType != nil else { return nil }
            var v = v
            v.metadata = v.metadata.filter { !$0.key.hasPrefix("tflite.") }
            return v
        }
        let initializerNames = Set(g.initializers.compactMap(\.name))
        let boundary = initializerNames.union(g.inputs.map(\.name)).union(g.outputs.map(\.name))
        g.valueInfos.removeAll { boundary.contains($0.name) }
        // Value metadata other than TFLite details (e.g. the state role of a variable) needs ONNX IR 10.
        // So does node metadata (the TFLite operator each exact int8 group stands for).
        if (g.inputs + g.outputs + g.valueInfos).contains(where: { !$0.metadata.isEmpty }) || g.nodes.contains(where: { !$0.metadata.isEmpty }) {
            model.irVersion = max(model.irVersion ?? 8, 10)
        }
        g.initializers.removeAll { t in !used.contains(t.name ?? "") }
        if (g.name ?? "").isEmpty { g.name = "main" }  // ONNX requires a graph name
        model.graph = g
        model.producerName = "modelconv"
        return true
    }
}

/// Makes an ORT model a clean ONNX one: drops the ORT-only node details (since_version, node index,
/// execution provider) kept in node metadata, and names the graphs (ONNX requires names, ORT has none).
struct ORTDetailsRemoval: GraphPass {
    var name: String { "ort-to-onnx-cleanup" }

    func run(_ model: inout Model) throws(PassError) -> Bool {
        var changed = false
        func clean(_ g: inout Graph, name: String) {
            if (g.name ?? "").isEmpty {
                g.name = name
                changed = true
            }
            for i in g.nodes.indices {
                let before = g.nodes[i].metadata.count
                g.nodes[i].metadata.removeAll { $0.key.hasPrefix("ort.") }
                changed = changed || before != g.nodes[i].metadata.count
                let label = g.nodes[i].label
                g.nodes[i].updateSubgraphs { sub, attribute, j in
                    clean(&sub, name: "\(label)_\(attribute)" + (j.map { "_\($0)" } ?? ""))
                }
            }
        }
        clean(&model.graph, name: "main")
        // Before IR version 4 every initializer must also be a graph input.
        if let ir = model.irVersion, ir < 4 {
            let inputs = Set(model.graph.inputs.map(\.name))
            for t in model.graph.initializers where !inputs.contains(t.name ?? "") {
                model.graph.inputs.append(ValueInfo(name: t.name ?? "", type: t.valueType))
                changed = true
            }
        }
        return changed
    }
}
