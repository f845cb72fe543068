import Foundation
import ModelIR

/// Ops that make tensors: Constant, ConstantOfShape, Range, EyeLike, random generators, windows.
enum GeneratorRules {
    static var schemas: [OpSchema] {
        [
            .op("Constant", inputs: 0...0, constant),
            .op("ConstantOfShape", inputs: 1...1, constantOfShape),
            .op("Range", inputs: 3...3, range),
            .op("EyeLike", inputs: 1...1, like),
            .op("RandomUniformLike", inputs: 1...1, like),
            .op("RandomNormalLike", inputs: 1...1, like),
            .op("Bernoulli", inputs: 1...1, like),
            .op("RandomUniform", inputs: 0...0, random),
            .op("RandomNormal", inputs: 0...0, random),
            .op("Multinomial", inputs: 1...1, multinomial),
            .op("HannWindow", inputs: 1...1, window),
            .op("HammingWindow", inputs: 1...1, window),
            .op("BlackmanWindow", inputs: 1...1, window),
            .op("MelWeightMatrix", inputs: 5...5, melWeightMatrix),
        ]
    }

    // MARK: Constants

    static func constant(_ c: ShapeContext) throws(ShapeRuleError) {
        switch c.attribute("value") ?? c.node.attributes.first?.value {
        case .tensor(let t)?:
            c.set(0, SymTensor.fixed(t.dataType, t.dims), value: KnownValue(tensor: t, limit: c.valueLimit))
        case .sparseTensor(let t)?:
            c.set(0, SymTensor.fixed(t.values.dataType, t.dims))
        case .float(let f)?:
            c.set(0, SymTensor.fixed(.float, []), value: KnownValue(shape: [], elements: [.real(Double(f))]))
        case .floats(let f)?:
            c.set(0, SymTensor.fixed(.float, [Int64(f.count)]), value: KnownValue(shape: [f.count], elements: f.map { .real(Double($0)) }))
        case .int(let v)?:
            c.set(0, SymTensor.fixed(.int64, []), value: .scalar(DimExpr(v)))
        case .ints(let v)?:
            c.set(0, SymTensor.fixed(.int64, [Int64(v.count)]), value: .vector(v.map { DimExpr($0) }))
        case .string?:
            c.set(0, SymTensor.fixed(.string, []))
        case .strings(let s)?:
            c.set(0, SymTensor.fixed(.string, [Int64(s.count)]))
        default:
            throw c.invalid("Constant has no value attribute")
        }
    }

    static func constantOfShape(_ c: ShapeContext) throws(ShapeRuleError) {
        let fill = c.tensorAttribute("value")
        let dtype = fill?.dataType ?? .float
        guard let dims = c.exprs(0) else { c.set(0, SymTensor(dtype, nil)); return }
        for d in dims { if let v = d?.constantValue, v < 0 { throw c.invalid("shape has the negative dim \(v)") } }
        var value: KnownValue? = nil
        if let fixed = SymTensor(nil, dims).fixedDims, fixed.reduce(1, *) <= Int64(c.valueLimit) {
            let element = fill.flatMap { KnownValue(tensor: $0, limit: 1)?.elements.first } ?? (dtype.isFloatingPoint ? .real(0) : .int(DimExpr(0)))
            value = KnownValue(shape: fixed.map { Int($0) }, elements: Array(repeating: element, count: Int(fixed.reduce(1, *))))
        }
        c.set(0, SymTensor(dtype, dims), value: value)
    }

    // MARK: Range

    static func range(_ c: ShapeContext) throws(ShapeRuleError) {
        let dtype = c.dtype(0) ?? c.dtype(1)
        let start = c.value(0)?.elements.first, limit = c.value(1)?.elements.first, delta = c.value(2)?.elements.first
        if let s = start?.number, let l = limit?.number, let d = delta?.number {
            guard d != 0 else { throw c.invalid("Range delta is 0") }
            let n = max(Int64((ceil((l - s) / d))), 0)
            var value: KnownValue? = nil
            if n <= c.valueLimit {
                let isFloat = dtype?.isFloatingPoint ?? false
                value = KnownValue(shape: [Int(n)], elements: (0..<n).map { i in
                    isFloat ? .real(s + Double(i) * d) : .int(DimExpr(Int64(s) + i * Int64(d)))
                })
            }
            c.set(0, SymTensor(dtype, [DimExpr(n)]), value: value)
            return
        }
        if case .int(let s)? = start, case .int(let l)? = limit, let d = delta?.expr?.constantValue, d != 0 {
            let span = d > 0 ? l - s : s - l
            c.set(0, SymTensor(dtype, [span.ceilDiv(DimExpr(abs(d)))]))
            return
        }
        c.set(0, SymTensor(dtype, [c.fresh(output: 0, axis: 0)]))
    }

    // MARK: Like and random

    static func like(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, SymTensor(CommonRules.dataType(c, "dtype", default: c.dtype(0)), c.shape(0)))
    }

    static func random(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, SymTensor.fixed(CommonRules.dataType(c, "dtype", default: .float), c.ints("shape") ?? []))
    }

    static func multinomial(_ c: ShapeContext) throws(ShapeRuleError) {
        let batch = c.shape(0)?.first ?? nil
        c.set(0, SymTensor(CommonRules.dataType(c, "dtype", default: .int32), [batch, DimExpr(c.int("sample_size", default: 1))]))
    }

    // MARK: Signal windows

    static func window(_ c: ShapeContext) throws(ShapeRuleError) {
        let size = c.value(0)?.elements.first?.expr ?? c.fresh(output: 0, axis: 0)
        c.set(0, SymTensor(CommonRules.dataType(c, "output_datatype", default: .float), [size]))
    }

    static func melWeightMatrix(_ c: ShapeContext) throws(ShapeRuleError) {
        let dft = c.value(1)?.elements.first?.expr
        let bins = c.value(0)?.elements.first?.expr
        let rows = dft.flatMap { $0.floorDiv(DimExpr(2)) }.map { $0 + 1 }
        c.set(0, SymTensor(CommonRules.dataType(c, "output_datatype", default: .float), [rows, bins]))
    }
}
