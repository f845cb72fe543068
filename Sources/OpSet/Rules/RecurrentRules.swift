import ModelIR

/// Recurrent layers (RNN, GRU, LSTM) and quantization (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear).
enum RecurrentRules {
    static var schemas: [OpSchema] {
        [
            .op("RNN", inputs: 3...6, outputs: 0...2, recurrent),
            .op("GRU", inputs: 3...6, outputs: 0...2, recurrent),
            .op("LSTM", inputs: 3...8, outputs: 0...3, recurrent),
            .op("QuantizeLinear", inputs: 2...3, quantize),
            .op("DequantizeLinear", inputs: 2...3, dequantize),
            .op("DynamicQuantizeLinear", inputs: 1...1, outputs: 3...3, dynamicQuantize),
        ]
    }

    // MARK: Recurrent layers

    static func recurrent(_ c: ShapeContext) throws(ShapeRuleError) {
        let layout = c.int("layout", default: 0)
        let x = c.shape(0)
        if let x, x.count != 3 { throw c.invalid("X must have rank 3, has rank \(x.count)") }
        let (seq, batch): (DimExpr?, DimExpr?) = x.map { layout == 0 ? ($0[0], $0[1]) : ($0[1], $0[0]) } ?? (nil, nil)
        let bidirectional = c.string("direction") == "bidirectional"
        let dirs = c.shape(1)?.first ?? DimExpr(bidirectional ? 2 : 1)
        let hidden = c.int("hidden_size").map { DimExpr($0) } ?? c.shape(2).flatMap { $0.count == 3 ? $0[2] : nil }
        let dtype = c.dtype(0)
        if layout == 0 {
            c.set(0, SymTensor(dtype, [seq, dirs, batch, hidden]))
            c.set(1, SymTensor(dtype, [dirs, batch, hidden]))
            c.set(2, SymTensor(dtype, [dirs, batch, hidden]))
        } else {
            c.set(0, SymTensor(dtype, [batch, seq, dirs, hidden]))
            c.set(1, SymTensor(dtype, [batch, dirs, hidden]))
            c.set(2, SymTensor(dtype, [batch, dirs, hidden]))
        }
    }

    // MARK: Quantization

    static func quantize(_ c: ShapeContext) throws(ShapeRuleError) {
        let dtype = CommonRules.dataType(c, "output_dtype", default: nil).flatMap { $0 == .undefined ? nil : $0 }
            ?? c.dtype(2) ?? .uint8
        try checkAxisParams(c)
        c.set(0, SymTensor(dtype, c.shape(0)))
    }

    static func dequantize(_ c: ShapeContext) throws(ShapeRuleError) {
        let dtype: DataType? = c.opset >= 19 ? (c.dtype(1) ?? .float) : .float
        try checkAxisParams(c)
        c.set(0, SymTensor(dtype, c.shape(0)))
    }

    /// Per-axis scales must match the size of the quantized axis.
    static func checkAxisParams(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let x = c.shape(0), let scale = c.shape(1), scale.count == 1, !x.isEmpty,
              c.int("block_size", default: 0) == 0 else { return }
        let axis = try c.axis(c.int("axis", default: 1), rank: x.count)
        if let n = scale[0]?.constantValue, n != 1 {
            _ = try ShapeMath.unify(x[axis], scale[0], "scale has \(n) entries for axis \(axis)")
        }
    }

    static func dynamicQuantize(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, SymTensor(.uint8, c.shape(0)))
        c.set(1, SymTensor.fixed(.float, []))
        c.set(2, SymTensor.fixed(.uint8, []))
    }
}
