import Foundation
import ModelIR

/// Resampling and signal ops: Resize, Upsample, DFT, STFT, Col2Im, CenterCropPad.
enum ResizeSignalRules {
    static var schemas: [OpSchema] {
        [
            .op("Resize", inputs: 1...4, resize),
            .op("Upsample", inputs: 1...2, resize),
            .op("DFT", inputs: 1...3, dft),
            .op("STFT", inputs: 2...4, stft),
            .op("Col2Im", inputs: 3...3, col2im),
            .op("CenterCropPad", inputs: 2...2, centerCropPad),
        ]
    }

    // MARK: Resize

    static func resize(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        let r = s.count
        var axes = Array(0..<r)
        if let a = c.ints("axes") {
            var list: [Int] = []
            for x in a { list.append(try c.axis(x, rank: r)) }
            axes = list
        }
        let scalesIndex = c.node.opType == "Upsample" || c.opset < 11 ? 1 : 2
        if c.node.opType == "Resize", c.opset >= 11, c.has(3) {
            guard let sizes = c.exprs(3) else { c.set(0, SymTensor(c.dtype(0), s.map { _ in nil })); return }
            guard sizes.count == axes.count else { throw c.invalid("sizes has \(sizes.count) entries for \(axes.count) axes") }
            var out = s
            let policy = c.string("keep_aspect_ratio_policy") ?? "stretch"
            if policy != "stretch", let target = SymTensor(nil, sizes).fixedDims,
               let source = SymTensor(nil, axes.map { s[$0] }).fixedDims {
                let ratios = zip(target, source).map { Double($0) / Double($1) }
                let scale = policy == "not_larger" ? ratios.min() ?? 1 : ratios.max() ?? 1
                for (k, axis) in axes.enumerated() {
                    out[axis] = DimExpr(Int64((Double(source[k]) * scale).rounded(.toNearestOrEven)))
                }
            } else {
                for (k, axis) in axes.enumerated() { out[axis] = sizes[k] }
            }
            c.set(0, SymTensor(c.dtype(0), out))
            return
        }
        let scales: [Double]?
        if c.node.opType == "Upsample", c.opset < 9 {
            scales = c.floats("scales")?.map { Double($0) }
        } else {
            scales = c.value(scalesIndex)?.doubles
        }
        guard let scales, scales.count == axes.count else {
            c.set(0, SymTensor(c.dtype(0), s.map { _ in nil }))
            return
        }
        var out = s
        let roi = c.string("coordinate_transformation_mode") == "tf_crop_and_resize" ? c.value(1)?.doubles : nil
        for (k, axis) in axes.enumerated() {
            var scale = scales[k]
            if let roi, roi.count == 2 * axes.count { scale *= roi[k + axes.count] - roi[k] }
            out[axis] = scaled(s[axis], by: scale)
        }
        c.set(0, SymTensor(c.dtype(0), out))
    }

    /// `floor(d * scale)`, exact for symbolic dims when the scale is an integer or its reciprocal.
    static func scaled(_ d: DimExpr?, by scale: Double) -> DimExpr? {
        guard let d else { return nil }
        if let n = d.constantValue { return DimExpr(Int64((Double(n) * scale + 1e-9).rounded(.down))) }
        if scale == scale.rounded() { return d * Int64(scale) }
        let inverse = 1 / scale
        if abs(inverse - inverse.rounded()) < 1e-9 { return d.floorDiv(DimExpr(Int64(inverse.rounded()))) }
        return nil
    }

    // MARK: Fourier transforms

    static func dft(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0), s.count >= 2 else { c.set(0, SymTensor(c.dtype(0), c.shape(0))); return }
        let axisValue = c.opset >= 20 ? (c.int64s(2)?.first ?? -2) : c.int("axis", default: 1)
        let axis = try c.axis(axisValue, rank: s.count)
        var out = s
        out[s.count - 1] = DimExpr(2)
        var length = s[axis]
        if c.has(1) { length = c.value(1)?.elements.first?.expr }
        if c.int("onesided", default: 0) != 0 { length = length.flatMap { $0.floorDiv(DimExpr(2)) }.map { $0 + 1 } }
        out[axis] = length
        c.set(0, SymTensor(c.dtype(0), out))
    }

    static func stft(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0), s.count >= 2 else { c.set(0, SymTensor(c.dtype(0), [nil, nil, nil, DimExpr(2)])); return }
        let step = c.value(1)?.elements.first?.expr
        let frameLength = c.has(3) ? c.value(3)?.elements.first?.expr : (c.shape(2)?.first ?? nil)
        var frames: DimExpr? = nil
        if let step, let frameLength, let length = s[1] { frames = (length - frameLength).floorDiv(step).map { $0 + 1 } }
        var bins = frameLength
        if c.int("onesided", default: 1) != 0 { bins = frameLength.flatMap { $0.floorDiv(DimExpr(2)) }.map { $0 + 1 } }
        c.set(0, SymTensor(c.dtype(0), [s[0], frames, bins, DimExpr(2)]))
    }

    // MARK: Images

    static func col2im(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0), s.count == 3, let image = c.exprs(1), let block = c.exprs(2) else {
            c.set(0, SymTensor(c.dtype(0), nil))
            return
        }
        let channels = ShapeMath.product(block).flatMap { b in s[1].flatMap { $0.exactlyDivided(by: b) } }
        c.set(0, SymTensor(c.dtype(0), [s[0], channels] + image))
    }

    static func centerCropPad(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let s = c.shape(0) else { c.set(0, SymTensor(c.dtype(0), nil)); return }
        var axes = Array(0..<s.count)
        if let a = c.ints("axes") {
            var list: [Int] = []
            for x in a { list.append(try c.axis(x, rank: s.count)) }
            axes = list
        }
        guard let target = c.exprs(1), target.count == axes.count else { c.set(0, SymTensor(c.dtype(0), s.map { _ in nil })); return }
        var out = s
        for (k, axis) in axes.enumerated() { out[axis] = target[k] }
        c.set(0, SymTensor(c.dtype(0), out))
    }
}
