import ModelIR
import TFLiteFormat

/// ONNX → TFLite: dynamic input dims kept as -1 in `shape_signature` (see `DynamicDimensions`).
extension ModelConverter {
    /// The dims of `model`'s graph inputs that may stay dynamic, by name (a symbol, or
    /// `<input>_d<axis>` for an unnamed dim): dims the model does not fix and `--dim` does not name.
    /// A symbol shared by several inputs lists all its places.
    static func dynamicDims(of model: Model, fixed: [String: Int]) -> [String: [(input: String, axis: Int)]] {
        let initializers = Set(model.graph.initializers.compactMap(\.name))
        var out: [String: [(input: String, axis: Int)]] = [:]
        for input in model.graph.inputs where !initializers.contains(input.name) {
            for (axis, d) in (input.type?.tensorType?.shape ?? []).enumerated() {
                let name: String
                switch d.value {
                case .fixed: continue
                case .symbolic(let s): name = s
                case .unknown: name = "\(input.name)_d\(axis)"
                }
                if fixed[name] == nil { out[name, default: []].append((input.name, axis)) }
            }
        }
        return out
    }

    /// Raises `source` again once per dynamic dim (all its places doubled), and marks in `converted`
    /// the dims that follow the ones whose probes agree; returns the note for the report.
    static func keepDynamicDims(_ converted: inout Model, source: Model, plan: ConversionPlan,
                                dims byName: [String: [(input: String, axis: Int)]]) -> String {
        var kept: [String] = [], fixed: [String] = []
        var combined = DynamicDimensions.Relaxation()
        for (name, places) in byName.sorted(by: { $0.key < $1.key }) {
            var probePlan = plan
            for (input, axis) in places {
                guard var shape = probePlan.inputShapes[input], axis < shape.count else { continue }
                shape[axis] = max(2, shape[axis] * 2)
                probePlan.inputShapes[input] = shape
            }
            var probe = source
            do {
                _ = try probePlan.run(&probe)
            } catch {
                fixed.append("\(name): the graph does not convert at another size: \(error)")
                continue
            }
            switch DynamicDimensions.relaxation(converted, probe: probe) {
            case .failure(let refusal):
                fixed.append("\(name): \(refusal.reason)")
            case .success(let r):
                guard let both = DynamicDimensions.merged(combined, r) else {
                    fixed.append("\(name): a RESHAPE would need two sizes from the input")
                    continue
                }
                combined = both
                kept.append(name)
            }
        }
        DynamicDimensions.apply(combined, to: &converted)
        var notes: [String] = []
        if !kept.isEmpty { notes.append("dynamic-dims (\(kept.joined(separator: ", ")) kept as -1 in shape_signature)") }
        if !fixed.isEmpty { notes.append("dims-fixed (to the given shapes; --dim fixes them without this note: \(fixed.joined(separator: "; ")))") }
        return notes.joined(separator: ", ")
    }
}
