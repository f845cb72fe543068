import CFloat16
import ModelIR

/// A float16 graph run in Float: every float16 value is held as a Float array whose elements are
/// float16 values, and each op that computes a float16 result rounds it to float16 in place.
///
/// The float16 kernels compute in Float and narrow their result once (`HalfConversion`); here the
/// same Float computation runs on the same (exactly widened) values and the result is rounded to the
/// same float16 values, so outputs are bit-for-bit those of the float16 graph. What goes away is the
/// widening of every input and the narrowing into a new array after every op, which cost a float16
/// model a third of its time. Only runs that keep no intermediates use it (intermediates keep their
/// declared types), and only when every op of the graph is one whose float16 kernel works that way.
struct HalfPromotion: Sendable {
    /// The steps to run by value index (Cast to float16 becomes Cast to float plus rounding), with
    /// every float16 constant widened to Float.
    let program: SlotProgram
    /// Declared element type of every graph input (a run given other types uses the float16 graph).
    let inputTypes: [String: DataType]
    /// The graph outputs that are float16 (narrowed back after the run).
    let halfOutputs: Set<String>

    // MARK: Which ops qualify

    /// Ops whose float16 kernel computes in Float on the widened inputs and narrows once: their
    /// result is rounded to float16 after the Float kernel.
    static let computing: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Exp", "Sqrt", "Erf",
        "LeakyRelu", "Conv", "BatchNormalization", "AveragePool", "GlobalAveragePool", "MatMul", "Gemm",
        "Softmax", "ReduceMean", "ReduceSum",
    ]
    /// Ops whose result elements are input elements (or constants of the graph): nothing to round.
    static let selecting: Set<String> = [
        "Relu", "Clip", "Abs", "Neg", "Max", "Min", "MaxPool", "GlobalMaxPool", "ReduceMax", "ReduceMin",
        "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Slice", "Split", "Gather",
        "Expand", "Tile", "Identity", "Dropout", "DepthToSpace", "SpaceToDepth",
    ]
    /// Ops whose outputs are int64 whatever the input type.
    static let indexing: Set<String> = ["Shape", "Size", "ArgMax", "ArgMin"]

    /// Widened float16 constants above this many elements make the promotion not worth its memory.
    static let maxWidenedElements = 1 << 26

    // MARK: Planning

    /// The promoted form of `steps`, or nil when the graph has no float16 value to promote or an op
    /// (or a value's type) the promotion cannot vouch for.
    init?(steps: [PreparedGraph.Step], graph: Graph, constants: [String: RuntimeValue], replaceable: Set<String>,
          environment: KernelCall.Environment) {
        var types: [String: DataType] = [:]
        for (name, value) in constants { if let t = value.tensor { types[name] = t.dataType } }
        var inputTypes: [String: DataType] = [:]
        for input in graph.inputs {
            guard let t = input.type?.tensorType?.elementType else { return nil }
            types[input.name] = t
            inputTypes[input.name] = t
        }
        var promoted: [PreparedGraph.Step] = []
        promoted.reserveCapacity(steps.count)
        var anyHalf = false
        for var step in steps {
            let node = step.node
            if step.isFolded { promoted.append(step); continue }
            guard node.normalizedDomain.isEmpty, let first = node.inputs.first, !first.isEmpty,
                  let inputType = types[first] else { return nil }
            let outputs = node.outputs.filter { !$0.isEmpty }
            // Several outputs only where each is a piece of the input (Split) or a boolean mask (Dropout).
            let hasMask = node.opType == "Dropout" && outputs.count == 2 && node.outputs.count == 2
            guard outputs.count == 1 || hasMask || (node.opType == "Split" && outputs.count == node.outputs.count) else { return nil }
            let outputType: DataType
            if node.opType == "Cast" {
                guard let code = node.intAttribute("to") else { return nil }
                let target = DataType(rawValue: Int32(truncatingIfNeeded: code))
                if target == .float16 {
                    // Rounding a Float once gives the float16 cast only from float or float16.
                    guard inputType == .float || inputType == .float16 else { return nil }
                    step = step.castingToFloat()
                    step.roundsToHalf = true
                } else if inputType == .float16 {
                    guard target == .float || target == .double else { return nil }
                }
                outputType = target
            } else if HalfPromotion.indexing.contains(node.opType) {
                outputType = .int64
            } else if HalfPromotion.computing.contains(node.opType) {
                outputType = inputType
                step.roundsToHalf = inputType == .float16
            } else if HalfPromotion.selecting.contains(node.opType) {
                outputType = inputType
            } else {
                return nil
            }
            anyHalf = anyHalf || inputType == .float16 || outputType == .float16
            for name in outputs { types[name] = outputType }
            if hasMask { types[outputs[1]] = .bool }
            promoted.append(step)
        }
        guard anyHalf else { return nil }
        var widened: [String: RuntimeValue] = [:], widenedCount = 0
        for (name, value) in constants {
            guard let t = value.tensor, case .float16(let halves) = t.storage else { widened[name] = value; continue }
            widenedCount += halves.count
            guard widenedCount <= HalfPromotion.maxWidenedElements else { return nil }
            widened[name] = .tensor(NDArray(shape: t.shape, floats: HalfConversion.floats(halves)))
        }
        // Conv epilogues fold here too, rounding after each op that computes (as the steps mark).
        let fixed = widened.filter { !replaceable.contains($0.key) }
        let fused = ConvEpilogueFusion.fused(promoted, graph: graph, constants: fixed, environment: environment) ?? promoted
        program = SlotProgram(steps: fused, graph: graph, constants: widened)
        self.inputTypes = inputTypes
        halfOutputs = Set(graph.outputs.map(\.name).filter { types[$0] == .float16 })
    }

    // MARK: Running

    /// `given` with float16 inputs widened; nil when an input's type is not the declared one (the
    /// run then uses the float16 graph, which reports the mismatch as usual).
    func promotedInputs(_ given: [String: RuntimeValue]) -> [String: RuntimeValue]? {
        var result = given
        for (name, value) in given {
            guard let declared = inputTypes[name] else { continue }
            guard let t = value.tensor, t.dataType == declared else { return nil }
            if case .float16(let halves) = t.storage {
                result[name] = .tensor(NDArray(shape: t.shape, floats: HalfConversion.floats(halves)))
            }
        }
        return result
    }

    /// The graph output `name` in its declared type.
    func restored(_ value: RuntimeValue, name: String) -> RuntimeValue {
        guard halfOutputs.contains(name), let t = value.tensor, case .float(let a) = t.storage else { return value }
        return .tensor(NDArray(dataType: .float16, shape: t.shape, storage: .float16(HalfConversion.halves(a))))
    }

    /// Rounds a Float tensor's elements to float16 in place.
    static func round(_ value: inout RuntimeValue) {
        guard case .tensor(var array) = value else { return }
        value = .optional(nil)  // drop this reference, so the elements are rounded without a copy
        if case .float(var elements) = array.storage {
            array.storage = .float([])
            elements.withUnsafeMutableBufferPointer { round($0) }
            array.storage = .float(elements)
        }
        value = .tensor(array)
    }

    /// Rounds each element to the nearest float16 value, in place.
    static func round(_ elements: UnsafeMutableBufferPointer<Float>) {
        if HalfConversion.hardware {
            if let base = elements.baseAddress { cfloat16_round(base, elements.count) }
        } else {
            for i in elements.indices { elements[i] = Float(Float16(elements[i])) }
        }
    }
}

extension PreparedGraph.Step {
    /// This Cast step with its target type float.
    func castingToFloat() -> PreparedGraph.Step {
        var node = self.node
        node.attributes = node.attributes.map { $0.name == "to" ? Attribute(name: "to", value: .int(Int64(DataType.float.rawValue))) : $0 }
        var step = PreparedGraph.Step(site: KernelCall.Site(node: node, opset: opset, environment: site.environment),
                                      kernel: kernel, isFolded: isFolded)
        step.releases = releases
        return step
    }
}
