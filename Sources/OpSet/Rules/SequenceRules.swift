import ModelIR

/// Sequence and optional ops; a sequence's known value records only its length (`shape[0]`).
enum SequenceRules {
    static var schemas: [OpSchema] {
        [
            .op("SequenceConstruct", inputs: 1...Int.max, construct),
            .op("SequenceEmpty", inputs: 0...0, empty),
            .op("SequenceInsert", inputs: 2...3, insert),
            .op("SequenceAt", inputs: 2...2, at),
            .op("SequenceErase", inputs: 1...2, erase),
            .op("SequenceLength", inputs: 1...1, length),
            .op("SplitToSequence", inputs: 1...2, splitToSequence),
            .op("ConcatFromSequence", inputs: 1...1, concatFromSequence),
            .op("Optional", inputs: 0...1, optional),
            .op("OptionalHasElement", inputs: 0...1, hasElement),
            .op("OptionalGetElement", inputs: 1...1, getElement),
        ]
    }

    /// A sequence of `n` elements (when known) of `element` type.
    static func setSequence(_ c: ShapeContext, element: SymType?, length: Int?) {
        c.outputs[0] = InferredValue(type: .sequence(element), value: length.map { KnownValue(shape: [$0], elements: []) })
    }

    static func knownLength(_ c: ShapeContext, _ i: Int) -> Int? { c.value(i)?.shape.first }

    static func elementType(_ c: ShapeContext, _ i: Int) -> SymType? {
        if case .sequence(let e)? = c.type(i) { return e }
        return nil
    }

    // MARK: Building

    static func construct(_ c: ShapeContext) throws(ShapeRuleError) {
        var element: SymType? = c.type(0)
        for i in 1..<max(c.inputCount, 1) { element = ShapeMath.join(element, c.type(i)) }
        setSequence(c, element: element, length: c.inputCount)
    }

    static func empty(_ c: ShapeContext) throws(ShapeRuleError) {
        let dtype = CommonRules.dataType(c, "dtype", default: .float)
        setSequence(c, element: .tensor(SymTensor(dtype, nil)), length: 0)
    }

    static func insert(_ c: ShapeContext) throws(ShapeRuleError) {
        let n = knownLength(c, 0)
        let element = n == 0 ? c.type(1) : ShapeMath.join(elementType(c, 0), c.type(1))
        setSequence(c, element: element, length: n.map { $0 + 1 })
    }

    static func at(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, type: elementType(c, 0))
    }

    static func erase(_ c: ShapeContext) throws(ShapeRuleError) {
        setSequence(c, element: elementType(c, 0), length: knownLength(c, 0).map { max($0 - 1, 0) })
    }

    static func length(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, SymTensor.fixed(.int64, []), value: knownLength(c, 0).map { .scalar(DimExpr(Int64($0))) })
    }

    // MARK: Splitting and joining

    static func splitToSequence(_ c: ShapeContext) throws(ShapeRuleError) {
        guard let t = c.tensor(0), let s = t.shape else { setSequence(c, element: .tensor(SymTensor(c.dtype(0), nil)), length: nil); return }
        let axis = try c.axis(c.int("axis", default: 0), rank: s.count)
        var element = s
        var length: Int? = nil
        if !c.has(1) {
            if c.int("keepdims", default: 1) != 0 { element[axis] = DimExpr(1) } else { element.remove(at: axis) }
            length = s[axis]?.constantValue.map { Int($0) }
        } else if let split = c.value(1) {
            let sizes = split.exprs
            if split.shape.isEmpty {
                let size = sizes.first ?? nil
                if let d = s[axis]?.constantValue, let k = size?.constantValue, k > 0 {
                    element[axis] = d % k == 0 ? size : nil
                    length = Int((d + k - 1) / k)
                } else {
                    element[axis] = size
                }
            } else {
                element[axis] = sizes.allSatisfy({ $0 == sizes.first ?? nil }) ? (sizes.first ?? nil) : nil
                length = sizes.count
            }
        } else {
            element[axis] = nil
        }
        setSequence(c, element: .tensor(SymTensor(t.elementType, element)), length: length)
    }

    static func concatFromSequence(_ c: ShapeContext) throws(ShapeRuleError) {
        guard case .tensor(let t)? = elementType(c, 0), var s = t.shape else {
            c.set(0, SymTensor(elementType(c, 0)?.tensor?.elementType, nil))
            return
        }
        let newAxis = c.int("new_axis", default: 0) != 0
        let n = knownLength(c, 0).map { DimExpr(Int64($0)) }
        let axis = try c.axis(c.int("axis", default: 0), rank: s.count + (newAxis ? 1 : 0))
        if newAxis {
            s.insert(n, at: axis)
        } else {
            s[axis] = n.flatMap { count in s[axis].map { $0 * count } }
        }
        c.set(0, SymTensor(t.elementType, s))
    }

    // MARK: Optionals

    static func optional(_ c: ShapeContext) throws(ShapeRuleError) {
        if c.has(0) {
            c.set(0, type: .optional(c.type(0)))
        } else if case .type(let t)? = c.attribute("type") {
            c.set(0, type: .optional(SymType(t)))
        } else {
            c.set(0, type: .optional(nil))
        }
    }

    static func hasElement(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, SymTensor.fixed(.bool, []))
    }

    static func getElement(_ c: ShapeContext) throws(ShapeRuleError) {
        if case .optional(let e)? = c.type(0) { c.set(0, type: e) } else { c.outputs[0] = c.input(0) }
    }
}
