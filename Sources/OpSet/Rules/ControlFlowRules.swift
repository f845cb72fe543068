import ModelIR

/// Control flow (If, Loop, Scan, SequenceMap) inferred into their subgraphs.
enum ControlFlowRules {
    static var schemas: [OpSchema] {
        [
            .op("If", inputs: 1...1, outputs: 0...Int.max, ifRule),
            .op("Loop", inputs: 2...Int.max, outputs: 0...Int.max, loop),
            .op("Scan", inputs: 1...Int.max, outputs: 0...Int.max, scan),
            .op("SequenceMap", inputs: 1...Int.max, outputs: 1...Int.max, sequenceMap),
        ]
    }

    // MARK: If

    /// With a known condition the outputs come from the branch taken (the other is inferred as far
    /// as it goes); otherwise from both, joined.
    static func ifRule(_ c: ShapeContext) throws(ShapeRuleError) {
        let condition = c.value(0)?.elements.first?.number
        let thenOut = condition == 0 ? [] : try c.subgraph("then_branch", inputs: []) ?? []
        let elseOut = condition.map { $0 != 0 } == true ? [] : try c.subgraph("else_branch", inputs: []) ?? []
        if let condition { c.speculativeSubgraph(condition != 0 ? "else_branch" : "then_branch") }
        for i in 0..<c.node.outputs.count {
            let a = i < thenOut.count ? thenOut[i] : nil
            let b = i < elseOut.count ? elseOut[i] : nil
            if let condition {
                c.outputs[i] = condition != 0 ? a : b
            } else {
                let joined = ShapeMath.join(a?.type, b?.type)
                c.set(i, type: joined)
                if let va = a?.value, va == b?.value, case .tensor(let t)? = joined { c.set(i, t, value: va) }
            }
        }
    }

    // MARK: Loop

    static func loop(_ c: ShapeContext) throws(ShapeRuleError) {
        let carried = max(c.inputCount - 2, 0)
        var carriedTypes: [SymType?] = (0..<carried).map { c.type(2 + $0) }
        // An empty sequence constrains nothing: the body's first result gives the element type.
        var unconstrained: [Bool] = (0..<carried).map { c.value(2 + $0)?.shape == [0] }
        for k in 0..<carried where unconstrained[k] { carriedTypes[k] = .sequence(nil) }
        let initialCondition: KnownValue? = c.has(1) ? c.value(1) : .scalar(DimExpr(1))
        var outs: [InferredValue?] = []
        for _ in 0..<3 {
            let inputs: [InferredValue?] = [
                .tensor(.fixed(.int64, [])), .tensor(.fixed(.bool, []), value: initialCondition),
            ] + carriedTypes.map { $0.map { InferredValue(type: $0) } }
            outs = try c.subgraph("body", values: inputs) ?? []
            var changed = false
            for k in 0..<carried {
                let next = 1 + k < outs.count ? outs[1 + k]?.type : nil
                let joined = unconstrained[k] || !sameKind(carriedTypes[k], next) ? next : ShapeMath.join(carriedTypes[k], next)
                unconstrained[k] = false
                if joined != carriedTypes[k] { carriedTypes[k] = joined; changed = true }
            }
            if !changed { break }
        }
        for k in 0..<min(carried, c.node.outputs.count) { c.set(k, type: carriedTypes[k]) }
        // The trip count is M when the condition starts true and the body keeps it true.
        let keepsGoing = initialCondition?.elements.first?.number.map { $0 != 0 } == true
            && outs.first??.value?.elements.first?.number.map { $0 != 0 } == true
        let tripCount: DimExpr
        if c.has(0), keepsGoing, let m = c.value(0)?.elements.first?.expr {
            tripCount = m
        } else {
            tripCount = c.fresh(c.node.outputs.count > carried ? "\(c.node.outputs[carried])_d0" : "loop_trips")
        }
        for j in carried..<c.node.outputs.count {
            let element = 1 + j < outs.count ? outs[1 + j]?.type : nil
            if case .tensor(let t)? = element {
                c.set(j, SymTensor(t.elementType, t.shape.map { [tripCount] + $0 }))
            } else {
                c.set(j, type: nil)
            }
        }
    }

    /// Whether two types are the same kind (tensor, sequence, optional, …).
    static func sameKind(_ a: SymType?, _ b: SymType?) -> Bool {
        switch (a, b) {
        case (.tensor?, .tensor?), (.sequence?, .sequence?), (.optional?, .optional?), (.sparseTensor?, .sparseTensor?): return true
        case (nil, _), (_, nil): return true
        default: return false
        }
    }

    // MARK: Scan

    static func scan(_ c: ShapeContext) throws(ShapeRuleError) {
        guard c.graph("body") != nil else { throw c.invalid("Scan needs a body") }
        let m = Int(c.int("num_scan_inputs", default: 0))
        let batched = c.opset < 9
        let first = batched ? 1 : 0
        let n = c.inputCount - first - m
        guard n >= 0 else { throw c.invalid("num_scan_inputs \(m) exceeds the inputs") }
        let inputAxes = c.ints("scan_input_axes") ?? Array(repeating: 0, count: m)
        var sequenceLength: DimExpr? = nil
        var bodyInputs: [SymType?] = []
        for k in 0..<n {
            let t = c.tensor(first + k)
            bodyInputs.append(t.map { .tensor(SymTensor($0.elementType, batched ? $0.shape.map { Array($0.dropFirst()) } : $0.shape)) })
        }
        for k in 0..<m {
            guard let t = c.tensor(first + n + k), var s = t.shape else { bodyInputs.append(nil); continue }
            if batched { s = Array(s.dropFirst()) }
            let axis = try c.axis(k < inputAxes.count ? inputAxes[k] : 0, rank: s.count)
            if sequenceLength == nil { sequenceLength = s[axis] }
            s.remove(at: axis)
            bodyInputs.append(.tensor(SymTensor(t.elementType, s)))
        }
        let outs = try c.subgraph("body", inputs: bodyInputs) ?? []
        let batch = batched ? (c.shape(first)?.first ?? nil) : nil
        let outputAxes = c.ints("scan_output_axes")
        for j in 0..<c.node.outputs.count {
            guard j < outs.count, case .tensor(let t)? = outs[j]?.type, var s = t.shape else { c.set(j, type: nil); continue }
            if j >= n {
                let k = j - n
                let axis = try c.axis(outputAxes.map { k < $0.count ? $0[k] : 0 } ?? 0, rank: s.count + 1)
                s.insert(sequenceLength, at: axis)
            }
            if batched { s.insert(batch, at: 0) }
            c.set(j, SymTensor(t.elementType, s))
        }
    }

    // MARK: SequenceMap

    static func sequenceMap(_ c: ShapeContext) throws(ShapeRuleError) {
        var inputs: [SymType?] = []
        for i in 0..<c.inputCount {
            if case .sequence(let e)? = c.type(i) { inputs.append(e) } else { inputs.append(c.type(i)) }
        }
        let outs = try c.subgraph("body", inputs: inputs) ?? []
        for j in 0..<c.node.outputs.count {
            c.set(j, type: .sequence(j < outs.count ? outs[j]?.type : nil))
        }
    }
}
