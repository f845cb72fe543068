import ModelIR

/// Element-wise ops: unary maps, broadcasting binary and variadic ops, comparisons, Where, Cast.
enum ElementwiseRules {
    static let unaryOps = [
        "Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Ceil", "Cos", "Cosh", "Elu", "Erf", "Exp",
        "Floor", "HardSigmoid", "HardSwish", "LeakyRelu", "Log", "Neg", "Reciprocal", "Relu", "Round", "Selu",
        "Sigmoid", "Sign", "Sin", "Sinh", "Softplus", "Softsign", "Sqrt", "Tan", "Tanh", "ThresholdedRelu", "Celu",
        "Shrink", "Mish", "Gelu", "BitwiseNot", "Not", "Softmax", "LogSoftmax", "Hardmax", "LRN", "Trilu",
        "MeanVarianceNormalization", "LpNormalization", "InstanceNormalization", "ReverseSequence", "Binarizer",
    ]
    static let binaryOps = ["Add", "Sub", "Mul", "Div", "Pow", "Mod", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "PRelu"]
    static let comparisonOps = ["Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor"]
    static let variadicOps = ["Max", "Min", "Sum", "Mean"]

    static var schemas: [OpSchema] {
        unaryOps.map { OpSchema.op($0, inputs: 1...3, unary) }
            + binaryOps.map { OpSchema.op($0, inputs: 2...2, broadcasting) }
            + comparisonOps.map { OpSchema.op($0, inputs: 2...2, comparison) }
            + variadicOps.map { OpSchema.op($0, inputs: 1...Int.max, broadcasting) }
            + [
                .op("Identity", inputs: 1...1, CommonRules.identity),
                .op("Clip", inputs: 1...3, unary),
                .op("CumSum", inputs: 2...2, CommonRules.sameAsInput),
                .op("IsNaN", inputs: 1...1, CommonRules.boolOfInput),
                .op("IsInf", inputs: 1...1, CommonRules.boolOfInput),
                .op("Where", inputs: 3...3, whereRule),
                .op("Cast", inputs: 1...1, cast),
                .op("CastLike", inputs: 2...2, cast),
                .op("Dropout", inputs: 1...3, outputs: 1...2, dropout),
            ]
    }

    // MARK: Rules

    /// Same shape and type as input 0; a few ops also map known values.
    static func unary(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let t = c.tensor(0) else { c.set(0, type: c.type(0)); return }
        let value = c.value(0).map { v in KnownValue(shape: v.shape, elements: v.elements.map { KnownValue.unary(c.node.opType, $0) }) }
        c.set(0, t, value: value?.isComplete == true ? value : nil)
    }

    /// Numpy broadcasting of every input; element type of input 0 (PRelu, BitShift and arithmetic alike).
    static func broadcasting(_ c: ShapeContext) throws(ShapeRuleError) {
        let shapes = (0..<c.inputCount).map { c.shape($0) }
        let shape: [DimExpr?]?
        if c.opset < 7 && binaryOps.contains(c.node.opType) {
            // Before opset 7: B matches A, or broadcasts into it with the legacy `broadcast`/`axis` attributes.
            shape = c.shape(0)
        } else if c.node.opType == "PRelu" {
            // The slope broadcasts into X (unidirectionally); the result has X's shape.
            if let x = c.shape(0), let slope = c.shape(1), try ShapeMath.broadcast([x, slope])?.count != x.count {
                throw c.invalid("slope \(ShapeMath.render(slope)) does not broadcast to X \(ShapeMath.render(x))")
            }
            shape = c.shape(0)
        } else {
            shape = try ShapeMath.broadcast(shapes)
        }
        let dtype = c.dtype(0) ?? (1..<max(c.inputCount, 1)).lazy.compactMap { c.dtype($0) }.first
        let isFloat = dtype?.isFloatingPoint ?? false
        var value: KnownValue? = nil
        let values = (0..<c.inputCount).compactMap { c.value($0) }
        if values.count == c.inputCount, !values.isEmpty {
            let op = c.node.opType
            value = KnownValue.broadcastMap(values, limit: c.valueLimit) { args in
                var acc = args[0]
                for a in args.dropFirst() { acc = KnownValue.binary(op == "Mean" ? "Add" : op, acc, a, isFloat: isFloat) }
                if op == "Mean" { acc = KnownValue.binary("Div", acc, .int(DimExpr(Int64(args.count))), isFloat: isFloat) }
                return acc
            }
        }
        c.set(0, SymTensor(dtype, shape), value: value)
    }

    /// Broadcast shape, element type bool.
    static func comparison(_ c: ShapeContext) throws(ShapeRuleError) {
        let shape = try ShapeMath.broadcast([c.shape(0), c.shape(1)])
        var value: KnownValue? = nil
        if let a = c.value(0), let b = c.value(1) {
            let op = c.node.opType
            value = KnownValue.broadcastMap([a, b], limit: c.valueLimit) { args in
                let r = KnownValue.binary(op, args[0], args[1], isFloat: false)
                // A symbolic size against a constant: generic unless the engine says otherwise.
                if op == "Equal", r == .unknown, case .int(let x) = args[0], case .int(let y) = args[1], x.isConstant != y.isConstant {
                    return .int(DimExpr(c.assumesEqual("\(x) == \(y)") ? 1 : 0))
                }
                return r
            }
        }
        c.set(0, SymTensor(.bool, shape), value: value)
    }

    static func whereRule(_ c: ShapeContext) throws(ShapeRuleError) {
        let shape = try ShapeMath.broadcast([c.shape(0), c.shape(1), c.shape(2)])
        var value: KnownValue? = nil
        if let cond = c.value(0), let x = c.value(1), let y = c.value(2) {
            value = KnownValue.broadcastMap([cond, x, y], limit: c.valueLimit) { args in
                guard let t = args[0].number else { return .unknown }
                return t != 0 ? args[1] : args[2]
            }
        }
        c.set(0, SymTensor(c.dtype(1) ?? c.dtype(2), shape), value: value)
    }

    static func cast(_ c: ShapeContext) throws(ShapeRuleError) {
        let to = c.node.opType == "CastLike" ? c.dtype(1) : CommonRules.dataType(c, "to", default: nil)
        var value: KnownValue? = nil
        if let v = c.value(0), let to {
            value = KnownValue(shape: v.shape, elements: v.elements.map { KnownValue.cast($0, to: to) })
        }
        c.set(0, SymTensor(to, c.shape(0)), value: value)
    }

    static func dropout(_ c: ShapeContext) throws(ShapeRuleError) {
        try identityTensor(c)
        c.set(1, SymTensor(c.opset < 10 ? c.dtype(0) : .bool, c.shape(0)))
    }

    /// Output 0 is input 0 (type and value).
    static func identityTensor(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let t = c.tensor(0) else { c.set(0, type: c.type(0)); return }
        c.set(0, t, value: c.value(0))
    }
}
