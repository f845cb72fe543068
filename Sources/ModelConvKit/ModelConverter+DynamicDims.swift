import ModelIR
import TFLiteFormat

/// ONNX → TFLite: dynamic input dims kept as -1 in `shape_signature` (see `DynamicDimensions`).
extension ModelConverter {
    /// The axes of `model`'s graph inputs that may stay dynamic: dims the model does not fix and
    /// `--dim` does not name (an unnamed dim is `<input>_d<axis>`).
    static func dynamicAxes(of model: Model, fixed: [String: Int]) -> [String: [Int]] {
        let initializers = Set(model.graph.initializers.compactMap(\.name))
        var out: [String: [Int]] = [:]
        for input in model.graph.inputs where !initializers.contains(input.name) {
            for (axis, d) in (input.type?.tensorType?.shape ?? []).enumerated() {
                switch d.value {
                case .fixed: continue
                case .symbolic(let s): if fixed[s] == nil { out[input.name, default: []].append(axis) }
                case .unknown: if fixed["\(input.name)_d\(axis)"] == nil { out[input.name, default: []].append(axis) }
                }
            }
        }
        return out
    }

    /// Raises `source` again once per dynamic dim, with that dim doubled, and marks in `converted`
    /// the dims that follow the ones whose probes agree; returns the note for the report.
    static func keepDynamicDims(_ converted: inout Model, source: Model, plan: ConversionPlan, axes: [String: [Int]]) -> String {
        // Inputs' axes by dim name: a symbol shared by several inputs changes in all of them.
        var byName: [String: [(input: String, axis: Int)]] = [:]
        for (input, list) in axes { for a in list { byName[Self.dimName(source, input: input, axis: a), default: []].append((input, a)) } }
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

    /// The name of a dynamic input dim: its symbol, or `<input>_d<axis>`.
    static func dimName(_ model: Model, input: String, axis: Int) -> String {
        let dims = model.graph.inputs.first { $0.name == input }?.type?.tensorType?.shape ?? []
        if axis < dims.count, case .symbolic(let s) = dims[axis].value { return s }
        return "\(input)_d\(axis)"
    }
}
