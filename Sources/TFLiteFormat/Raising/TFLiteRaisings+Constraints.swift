import ModelIR

/// The limits of the raisings: shown by `modelconv ops --target tflite` and checked before any
/// work is done, so a variant TFLite's builtins cannot express is refused with a reason instead
/// of converting into a model that LiteRT rejects or that computes something else.
extension TFLiteRaisings {
    // MARK: Element types

    /// The element types of input 0 each op's TFLite kernel takes (ops not listed: any type).
    /// float16 values are widened to float32 before any op, so they count as float32.
    static let elementTypes: [String: [DataType]] = {
        let float: [DataType] = [.float]
        let arithmetic: [DataType] = [.float, .int32, .int64]
        let ordered: [DataType] = [.float, .int8, .uint8, .int16, .int32, .int64]
        // Comparisons of int8/uint8 need quantized tensors (LiteRT aborts on plain ones).
        let comparable: [DataType] = [.float, .int16, .int32, .int64]
        var t: [String: [DataType]] = [
            "Add": arithmetic, "Sub": arithmetic, "Mul": arithmetic, "Sum": arithmetic, "Div": float,
            "Max": ordered, "Min": ordered, "Clip": ordered, "Neg": arithmetic,
            "Greater": comparable, "Less": comparable, "Equal": [.bool] + comparable, "ArgMax": [.float, .int8, .uint8, .int32],
            "ReduceSum": arithmetic, "ReduceMax": ordered, "ReduceMin": ordered,
            "Gather": [.float, .int8, .uint8, .int16, .int32, .int64, .bool],
        ]
        // int32 POW fails at run time on negative exponents.
        for op in ["Pow", "Abs", "Exp", "Log", "Sqrt", "Sigmoid", "Tanh", "Floor", "Ceil", "Relu", "LeakyRelu", "HardSigmoid",
                   "HardSwish", "Reciprocal", "Softmax", "BatchNormalization", "Conv", "MaxPool", "AveragePool",
                   "GlobalAveragePool", "GlobalMaxPool", "Gemm", "MatMul", "ReduceMean", "LSTM"] {
            t[op] = float
        }
        return t
    }()

    /// Element types CAST reads and writes (float16 is computed as float32).
    static let castTypes: Set<DataType> = [.float, .float16, .double, .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .bool]

    /// Why `op` cannot take input 0 of type `type`, or nil.
    static func typeBlocker(_ op: String, _ type: DataType) -> String? {
        guard let allowed = elementTypes[op], !allowed.contains(type == .float16 ? .float : type) else { return nil }
        return "\(op) of \(type) is not supported (supported: \(allowed.map(\.name).joined(separator: ", ")))"
    }

    // MARK: Attributes and outputs

    /// Why `node` cannot be raised, judged from its attributes and outputs alone (no shapes needed), or nil.
    static func staticBlocker(_ node: Node) -> String? {
        func used(_ i: Int) -> Bool { i < node.outputs.count && !node.outputs[i].isEmpty }
        switch node.opType {
        case "MaxPool", "AveragePool":
            if let k = node.intsAttribute("kernel_shape"), !(1...2).contains(k.count) {
                return "only 1-D and 2-D pooling is supported (kernel_shape has \(k.count) dims)"
            }
            if let d = node.intsAttribute("dilations"), d.contains(where: { $0 != 1 }) { return "dilated pooling is not supported" }
            if used(1) { return "MaxPool's Indices output has no TFLite equivalent" }
        case "Conv":
            if let k = node.intsAttribute("kernel_shape"), !(1...2).contains(k.count) {
                return "only 1-D and 2-D convolutions are supported (kernel_shape has \(k.count) dims)"
            }
        case "BatchNormalization":
            if (node.intAttribute("training_mode") ?? 0) != 0 || used(1) || used(2) { return "training-mode BatchNormalization is not supported" }
        case "Cast":
            if let to = node.intAttribute("to"), !castTypes.contains(DataType(rawValue: Int32(truncatingIfNeeded: to))) {
                return "Cast to \(DataType(rawValue: Int32(truncatingIfNeeded: to))) has no TFLite equivalent"
            }
        default:
            break
        }
        return nil
    }

    /// Why `node`, whose input 0 has type `type` (when known), cannot be raised, or nil.
    static func blocker(_ node: Node, inputType type: DataType?) -> String? {
        if let reason = staticBlocker(node) { return reason }
        guard let type else { return nil }
        if node.opType == "Cast", !castTypes.contains(type) { return "Cast from \(type) has no TFLite equivalent" }
        return typeBlocker(node.opType, type)
    }

    // MARK: Table text

    /// Limits of the raisings beyond element types, shown by `modelconv ops --target tflite`.
    static let constraints: [String: String] = [
        "Conv": "1-D (as 2-D over a height of 1) or 2-D, constant weights; groups become DEPTHWISE_CONV_2D or SPLIT + CONV_2D + CONCATENATION",
        "MaxPool": "1-D or 2-D, no dilations, no Indices output; explicit pads equal to SAME, or padded with PADV2",
        "AveragePool": "1-D or 2-D, no dilations; pads equal to SAME, or padded with PAD",
        "Gemm": "constant B and C", "MatMul": "constant 2-D B → FULLY_CONNECTED, else BATCH_MATMUL",
        "BatchNormalization": "inference mode, constant scale, bias, mean and variance",
"Dropout": "inference (training_mode a constant false, or ratio a constant 0)",
        "Pow": "an exponent of another type is cast to float32",
        "Cast": "between " + castTypes.map(\.name).sorted().joined(separator: ", "),
        "Softmax": "any axis (moved last by the layout)", "Reshape": "constant shape",
        "Squeeze": "constant axes", "Unsqueeze": "constant axes", "ReduceSum": "constant axes",
        "Slice": "constant starts/ends/axes/steps", "Expand": "constant shape",
        "QuantizeLinear": "int8/uint8 (uint8 becomes int8, zero point − 128), per-tensor for activations; fused into the int8 op before it",
        "DequantizeLinear": "of constants (weights, per-channel), of QuantizeLinear outputs or of int8/uint8 graph inputs (per-tensor); DEQUANTIZE only before float ops",
    ].merging(families.flatMap { $0.constraints }) { a, _ in a }

    /// The table line of `op`: its element types and its other constraints.
    static func summary(_ op: String) -> String {
        let types = elementTypes[op].map { $0.count == 1 ? "\($0[0].name) only" : $0.map(\.name).joined(separator: ", ") }
        let parts = [types, constraints[op]].compactMap { $0 }
        return parts.isEmpty ? op : "\(op) — " + parts.joined(separator: "; ")
    }
}
