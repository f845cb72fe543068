import Interpreter
import ModelIR

extension Tolerance {
    /// The tier for graph output `name` from how it is computed, not only its dtype:
    /// the real-valued output of a DequantizeLinear is compared in quantization steps of its scale,
    /// a Cast from float16/bfloat16 gets the float16 tier. Layout-only ops are looked through.
    public static func forOutput(_ name: String, of model: Model, dtype: DataType, quantizedSteps: Double) -> Tolerance {
        let producer = Dictionary(model.graph.nodes.flatMap { n in n.outputs.map { ($0, n) } }, uniquingKeysWith: { a, _ in a })
        let transparent: Set<String> = ["Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose"]
        var value = name
        var hops = 0
        while let node = producer[value], hops < 16, node.normalizedDomain.isEmpty {
            hops += 1
            switch node.opType {
            case let op where transparent.contains(op):
                value = node.inputs.first ?? ""
                continue
            case "DequantizeLinear":
                if let scale = maxScale(node.inputs.count > 1 ? node.inputs[1] : "", in: model) {
                    var t = Tolerance.quantized(steps: quantizedSteps)
                    t.stepSize = scale
                    return t
                }
            case "Cast":
                if let source = node.inputs.first, [.float16, .bfloat16].contains(elementType(source, in: model)) {
                    return .float16
                }
            default: break
            }
            break
        }
        return forOutput(dtype, quantized: quantizedSteps > 0)
    }

    private static func maxScale(_ name: String, in model: Model) -> Double? {
        guard let t = model.graph.initializer(named: name), let a = try? NDArray(tensor: t) else { return nil }
        return a.doubles.max()
    }

    private static func elementType(_ value: String, in model: Model) -> DataType? {
        let infos = model.graph.valueInfos + model.graph.inputs + model.graph.outputs
        if let t = infos.first(where: { $0.name == value })?.type?.tensorType?.elementType { return t }
        // Without a declared type, the producing Cast's target or the initializer tells.
        if let node = model.graph.nodes.first(where: { $0.outputs.contains(value) }), node.opType == "Cast",
           case .int(let to)? = node.attribute("to")?.value {
            return DataType(rawValue: Int32(to))
        }
        return model.graph.initializer(named: value)?.dataType
    }
}
