import ModelIR
import Passes

/// Element-wise arithmetic, activations, softmax, comparisons, casts and (de)quantization.
enum ElementwiseLowerings {
    static let table: [String: Lowering] = {
        var t: [String: Lowering] = [
            "ADD": binary("Add"), "SUB": binary("Sub"), "MUL": binary("Mul"), "DIV": binary("Div"),
            "MAXIMUM": binary("Max"), "MINIMUM": binary("Min"), "POW": binary("Pow"),
            "FLOOR_DIV": floorDiv, "SQUARED_DIFFERENCE": squaredDifference,
            "RELU": standalone(1), "TANH": unary("Tanh"), "LOGISTIC": unary("Sigmoid"), "EXP": unary("Exp"),
            "LOG": unary("Log"), "SQRT": unary("Sqrt"), "ABS": unary("Abs"), "NEG": unary("Neg"),
            "FLOOR": unary("Floor"), "CEIL": unary("Ceil"), "SIN": unary("Sin"), "COS": unary("Cos"),
            "HARD_SWISH": unary("HardSwish"), "ELU": unary("Elu"), "SIGN": unary("Sign"),
            "ROUND": unary("Round"),
            "RSQRT": { ctx, node throws(PassError) in
                try map(ctx, node) { ctx, x in ctx.emit("Reciprocal", [ctx.emit("Sqrt", [x])]) }
            },
            "SQUARE": { ctx, node throws(PassError) in try map(ctx, node) { ctx, x in ctx.emit("Mul", [x, x]) } },
            "RELU6": standalone(3),
            "RELU_N1_TO_1": standalone(2),
            "RELU_0_TO_1": { ctx, node throws(PassError) in
                try map(ctx, node) { ctx, x in
                    ctx.emit("Clip", [x, ctx.floats("min", [0], shape: []), ctx.floats("max", [1], shape: [])])
                }
            },
            "LEAKY_RELU": { ctx, node throws(PassError) in
                try map(ctx, node) { ctx, x in
                    ctx.emit("LeakyRelu", [x], [Attribute(name: "alpha", value: .float(node.floatOption("alpha", default: 0.2)))])
                }
            },
            "PRELU": { ctx, node throws(PassError) in
                let out = node.outputs[0]
                let result = ctx.floatResult(for: out)
                ctx.emit("PRelu", [ctx.real(node.input(0)), ctx.real(node.input(1))], outputs: [result])
                ctx.store(out, from: result)
            },
            "SOFTMAX": softmax("Softmax"), "LOG_SOFTMAX": softmax("LogSoftmax"),
            "QUANTIZE": quantize, "DEQUANTIZE": dequantize, "CAST": cast,
        ]
        for (tfl, onnx) in ["EQUAL": "Equal", "LESS": "Less", "GREATER": "Greater", "LESS_EQUAL": "LessOrEqual",
                            "GREATER_EQUAL": "GreaterOrEqual", "LOGICAL_AND": "And", "LOGICAL_OR": "Or"] {
            t[tfl] = compare(onnx)
        }
        t["NOT_EQUAL"] = notEqual
        t["LOGICAL_NOT"] = logicalNot
        t["SELECT"] = select
        t["SELECT_V2"] = select
        return t
    }()

    // MARK: Builders

    /// A binary op on real values with an optional fused activation.
    static func binary(_ op: String) -> Lowering {
        { ctx, node throws(PassError) in
            let out = node.outputs[0]
            var y = ctx.emit(op, [ctx.real(node.input(0)), ctx.real(node.input(1))])
            y = try ctx.activation(node.option("fused_activation_function"), y)
            let result = ctx.floatResult(for: out)
            ctx.emit("Identity", [y], outputs: [result])
            ctx.store(out, from: result)
        }
    }

    /// A standalone activation op (RELU, RELU_N1_TO_1, RELU6: fused activation `code`) lowered as
    /// that activation, marked standalone: a fused activation lowers to the same ONNX node, and the
    /// raising would fuse it into its producer.
    static func standalone(_ code: Int64) -> Lowering {
        { ctx, node throws(PassError) in
            try map(ctx, node) { (ctx, x) throws(PassError) in
                let y = try ctx.activation(code, x)
                ctx.annotate(y, TFLiteProvenance.entries(operator: node.opType))
                return y
            }
        }
    }

    /// A one-input op on the real value.
    static func unary(_ op: String) -> Lowering {
        { ctx, node throws(PassError) in try map(ctx, node) { ctx, x in ctx.emit(op, [x]) } }
    }

    /// Applies `body` to the real value of input 0 and stores output 0.
    static func map(_ ctx: LoweringContext, _ node: Node, _ body: (LoweringContext, String) throws(PassError) -> String) throws(PassError) {
        let out = node.outputs[0]
        let y = try body(ctx, ctx.real(node.input(0)))
        let result = ctx.floatResult(for: out)
        ctx.emit("Identity", [y], outputs: [result])
        ctx.store(out, from: result)
    }

    static func compare(_ op: String) -> Lowering {
        { ctx, node throws(PassError) in
            ctx.emit(op, [ctx.real(node.input(0)), ctx.real(node.input(1))], outputs: [node.outputs[0]])
        }
    }

    static let notEqual: Lowering = { ctx, node throws(PassError) in
        ctx.emit("Not", [ctx.emit("Equal", [ctx.real(node.input(0)), ctx.real(node.input(1))])], outputs: [node.outputs[0]])
    }

    static let logicalNot: Lowering = { ctx, node throws(PassError) in
        ctx.emit("Not", [node.input(0)], outputs: [node.outputs[0]])
    }

    static let select: Lowering = { ctx, node throws(PassError) in
        let out = node.outputs[0]
        let result = ctx.floatResult(for: out)
        ctx.emit("Where", [node.input(0), ctx.real(node.input(1)), ctx.real(node.input(2))], outputs: [result])
        ctx.store(out, from: result)
    }

    static let floorDiv: Lowering = { ctx, node throws(PassError) in
        let a = ctx.real(node.input(0)), b = ctx.real(node.input(1))
        if let t = ctx.dataType(node.input(0)), t.isInteger {
            // Integer floor division: Floor(Cast(a)/Cast(b)) back to the integer type.
            let fa = ctx.emit("Cast", [a], [Attribute(name: "to", value: .int(Int64(DataType.double.rawValue)))])
            let fb = ctx.emit("Cast", [b], [Attribute(name: "to", value: .int(Int64(DataType.double.rawValue)))])
            let q = ctx.emit("Floor", [ctx.emit("Div", [fa, fb])])
            ctx.emit("Cast", [q], outputs: [node.outputs[0]], [Attribute(name: "to", value: .int(Int64(t.rawValue)))])
        } else {
            ctx.emit("Floor", [ctx.emit("Div", [a, b])], outputs: [node.outputs[0]])
        }
    }

    static let squaredDifference: Lowering = { ctx, node throws(PassError) in
        try map(ctx, node) { ctx, a in
            let d = ctx.emit("Sub", [a, ctx.real(node.input(1))])
            return ctx.emit("Mul", [d, d])
        }
    }

    static func softmax(_ op: String) -> Lowering {
        { ctx, node throws(PassError) in
            try map(ctx, node) { ctx, x in
                let beta = node.floatOption("beta", default: 1)
                let scaled = beta == 1 ? x : ctx.emit("Mul", [x, ctx.floats("beta", [beta], shape: [])])
                return ctx.emit(op, [scaled], [Attribute(name: "axis", value: .int(-1))])
            }
        }
    }

    // MARK: Types and quantization

    /// float → int (QuantizeLinear), or int → int requantization (DQ then Q).
    static let quantize: Lowering = { ctx, node throws(PassError) in
        let out = node.outputs[0]
        guard ctx.quantization(out) != nil else { throw ctx.invalid("QUANTIZE output has no quantization parameters") }
        ctx.store(out, from: ctx.real(node.input(0)))
    }

    /// int → float (DequantizeLinear) or float16 → float32 (Cast).
    static let dequantize: Lowering = { ctx, node throws(PassError) in
        let input = node.input(0), out = node.outputs[0]
        if ctx.dataType(input) == .float16 {
            ctx.emit("Cast", [input], outputs: [out], [Attribute(name: "to", value: .int(Int64(DataType.float.rawValue)))])
            return
        }
        guard ctx.quantization(input) != nil else { throw ctx.invalid("DEQUANTIZE input has no quantization parameters") }
        ctx.emit("Identity", [ctx.real(input)], outputs: [out])
    }

    static let cast: Lowering = { ctx, node throws(PassError) in
        let out = node.outputs[0]
        guard let to = ctx.dataType(out) else { throw ctx.unsupported("CAST needs a known output type") }
        ctx.emit("Cast", [node.input(0)], outputs: [out], [Attribute(name: "to", value: .int(Int64(to.rawValue)))])
    }
}
