import ModelIR

/// Convolutions and pooling: Conv (also integer and QLinear forms), ConvTranspose, pools, unpooling, ROI ops.
enum ConvPoolRules {
    static var schemas: [OpSchema] {
        [
            .op("Conv", inputs: 2...3, conv),
            .op("ConvInteger", inputs: 2...4, conv),
            .op("QLinearConv", inputs: 8...9, conv),
            .op("ConvTranspose", inputs: 2...3, convTranspose),
            .op("AveragePool", inputs: 1...1, pool),
            .op("MaxPool", inputs: 1...1, outputs: 1...2, pool),
            .op("LpPool", inputs: 1...1, pool),
            .op("GlobalAveragePool", inputs: 1...1, globalPool),
            .op("GlobalMaxPool", inputs: 1...1, globalPool),
            .op("GlobalLpPool", inputs: 1...1, globalPool),
            .op("MaxUnpool", inputs: 2...3, maxUnpool),
            .op("MaxRoiPool", inputs: 2...2, roiPool),
            .op("RoiAlign", inputs: 3...3, roiPool),
            .op("GridSample", inputs: 2...2, gridSample),
            .op("DeformConv", inputs: 3...5, conv),
            .op("AffineGrid", inputs: 2...2, affineGrid),
        ]
    }

    // MARK: Window arithmetic

    /// Attributes of a sliding window over `n` spatial axes.
    struct Window {
        var kernel: [Int64]
        var strides: [Int64]
        var dilations: [Int64]
        var pads: [Int64]
        var autoPad: String
        var ceilMode: Bool

        init(_ c: ShapeContext, spatial n: Int, kernel: [Int64]) throws(ShapeRuleError) {
            self.kernel = kernel
            strides = c.ints("strides") ?? Array(repeating: 1, count: n)
            dilations = c.ints("dilations") ?? Array(repeating: 1, count: n)
            pads = c.ints("pads") ?? Array(repeating: 0, count: 2 * n)
            autoPad = c.string("auto_pad") ?? "NOTSET"
            ceilMode = c.int("ceil_mode", default: 0) != 0
            guard kernel.count == n, strides.count == n, dilations.count == n, pads.count == 2 * n else {
                throw c.invalid("kernel_shape \(kernel), strides \(strides), dilations \(dilations) or pads \(pads) do not fit \(n) spatial axes")
            }
            guard strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }) else {
                throw c.invalid("strides and dilations must be positive")
            }
            // Bounds that keep the window arithmetic below far from overflow (no real model comes near).
            let limit: Int64 = 1 << 31
            guard (kernel + strides + dilations).allSatisfy({ $0 <= limit }), pads.allSatisfy({ (-limit...limit).contains($0) }),
                  kernel.allSatisfy({ $0 >= 0 }) else {
                throw c.invalid("kernel_shape \(kernel), strides \(strides), dilations \(dilations) or pads \(pads) are out of range")
            }
        }

        /// The output size of spatial axis `i` for input size `d`.
        func output(_ d: DimExpr?, axis i: Int) -> DimExpr? {
            guard let d else { return nil }
            let span = (kernel[i] - 1) * dilations[i] + 1
            let s = DimExpr(strides[i])
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                return d.ceilDiv(s)
            case "VALID":
                return (d - span + 1).ceilDiv(s)
            default:
                let padded = d + (pads[i] + pads[i + kernel.count] - span)
                guard ceilMode else { return padded.floorDiv(s).map { $0 + 1 } }
                guard var out = padded.ceilDiv(s).map({ $0 + 1 }) else { return nil }
                // The last window must start inside the input or its leading padding.
                if let o = out.constantValue, let n = d.constantValue, (o - 1) * strides[i] >= n + pads[i] { out = DimExpr(o - 1) }
                return out
            }
        }
    }

    // MARK: Convolution

    static func conv(_ c: ShapeContext) throws(ShapeRuleError) {
        let op = c.node.opType
        let wIndex = op == "QLinearConv" ? 3 : 1
        let dtype: DataType? = op == "ConvInteger" ? .int32 : (op == "QLinearConv" ? (c.dtype(7) ?? c.dtype(0)) : c.dtype(0))
        guard let x = c.shape(0) else { c.set(0, SymTensor(dtype, c.rank(wIndex).map { Array(repeating: nil, count: $0) })); return }
        guard x.count >= 3 else { throw c.invalid("input has rank \(x.count); Conv needs batch, channel and spatial axes") }
        let w = c.shape(wIndex)
        if let w, w.count != x.count { throw c.invalid("weight has rank \(w.count) but the input has rank \(x.count)") }
        let n = x.count - 2
        let group = c.int("group", default: 1)
        guard group >= 1, group <= 1 << 31 else { throw c.invalid("group \(group) must be between 1 and 2^31") }
        if let w, let cin = x[1]?.constantValue, let wc = w[1]?.constantValue, cin != wc &* group {
            throw c.invalid("input has \(cin) channels but weight expects \(wc) x group \(group)")
        }
        guard let kernel = c.ints("kernel_shape") ?? w.flatMap({ SymTensor(nil, Array($0.dropFirst(2))).fixedDims }) else {
            c.set(0, SymTensor(dtype, [x[0], w?[0]] + Array(repeating: nil, count: n)))
            return
        }
        let window = try Window(c, spatial: n, kernel: kernel)
        let spatial = (0..<n).map { window.output(x[2 + $0], axis: $0) }
        c.set(0, SymTensor(dtype, [x[0], w?[0] ?? nil] + spatial))
    }

    static func convTranspose(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let x = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        guard x.count >= 3 else { throw c.invalid("input has rank \(x.count); ConvTranspose needs batch, channel and spatial axes") }
        let n = x.count - 2
        let w = c.shape(1)
        if let w, w.count != x.count { throw c.invalid("weight has rank \(w.count) but the input has rank \(x.count)") }
        let group = c.int("group", default: 1)
        let channels = w?[1].map { $0 * group } ?? nil
        if let outShape = c.ints("output_shape") {
            let spatial = outShape.suffix(n).map { DimExpr($0) }
            c.set(0, SymTensor(c.dtype(0), [x[0], channels] + spatial))
            return
        }
        guard let kernel = c.ints("kernel_shape") ?? w.flatMap({ SymTensor(nil, Array($0.dropFirst(2))).fixedDims }) else {
            c.set(0, SymTensor(c.dtype(0), [x[0], channels] + Array(repeating: nil, count: n)))
            return
        }
        let window = try Window(c, spatial: n, kernel: kernel)
        let outputPadding = c.ints("output_padding") ?? Array(repeating: 0, count: n)
        let spatial: [DimExpr?] = (0..<n).map { i in
            guard let d = x[2 + i] else { return nil }
            if window.autoPad == "SAME_UPPER" || window.autoPad == "SAME_LOWER" { return d * window.strides[i] }
            let span = (kernel[i] - 1) * window.dilations[i] + 1
            let pads = window.autoPad == "VALID" ? 0 : window.pads[i] + window.pads[i + n]
            return (d - 1) * window.strides[i] + (outputPadding[i] + span - pads)
        }
        c.set(0, SymTensor(c.dtype(0), [x[0], channels] + spatial))
    }

    // MARK: Pooling

    static func pool(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let x = c.shape(0) else {
            c.set(0, SymTensor(c.dtype(0), nil)); c.set(1, SymTensor(.int64, nil))
            return
        }
        guard x.count >= 3 else { throw c.invalid("input has rank \(x.count); pooling needs batch, channel and spatial axes") }
        guard let kernel = c.ints("kernel_shape") else { throw c.invalid("kernel_shape is required") }
        let window = try Window(c, spatial: x.count - 2, kernel: kernel)
        let out = [x[0], x[1]] + (0..<(x.count - 2)).map { window.output(x[2 + $0], axis: $0) }
        c.set(0, SymTensor(c.dtype(0), out))
        c.set(1, SymTensor(.int64, out))
    }

    static func globalPool(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let x = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        guard x.count >= 2 else { throw c.invalid("input has rank \(x.count); global pooling needs batch and channel axes") }
        c.set(0, SymTensor(c.dtype(0), [x[0], x[1]] + Array(repeating: DimExpr(1), count: x.count - 2)))
    }

    static func maxUnpool(_ c: ShapeContext) throws(ShapeRuleError) {
        if c.has(2), let shape = c.exprs(2) {
            c.set(0, SymTensor(c.dtype(0), shape))
            return
        }
        guard let x = c.shape(0), x.count >= 3, let kernel = c.ints("kernel_shape") else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        let n = x.count - 2
        let window = try Window(c, spatial: n, kernel: kernel)
        let spatial: [DimExpr?] = (0..<n).map { i in
            x[2 + i].map { ($0 - 1) * window.strides[i] + (kernel[i] - window.pads[i] - window.pads[i + n]) }
        }
        c.set(0, SymTensor(c.dtype(0), [x[0], x[1]] + spatial))
    }

    // MARK: ROI and sampling

    static func roiPool(_ c: ShapeContext) throws(ShapeRuleError) {
        let channels = c.shape(0).flatMap { $0.count > 1 ? $0[1] : nil }
        let rois = c.shape(1)?.first ?? nil
        let hw: [DimExpr?]
        if c.node.opType == "MaxRoiPool" {
            hw = (c.ints("pooled_shape") ?? []).map { DimExpr($0) }
        } else {
            hw = [DimExpr(c.int("output_height", default: 1)), DimExpr(c.int("output_width", default: 1))]
        }
        c.set(0, SymTensor(c.dtype(0), [rois, channels] + hw))
    }

    /// theta [N, 2, 3] (or [N, 3, 4]) and size (N, C, H, W[, D]) give a grid [N, H, W(, D), 2 or 3].
    static func affineGrid(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let size = c.exprs(1), size.count >= 4 else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        let spatial = Array(size.dropFirst(2))
        c.set(0, SymTensor(c.dtype(0), [size[0]] + spatial + [DimExpr(Int64(spatial.count))]))
    }

    static func gridSample(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let x = c.shape(0), let g = c.shape(1), x.count >= 3, g.count == x.count else {
            c.set(0, SymTensor(c.dtype(0), c.rank(0).map { Array(repeating: nil, count: $0) }))
            return
        }
        c.set(0, SymTensor(c.dtype(0), [x[0], x[1]] + Array(g[1..<(g.count - 1)])))
    }
}
