import ModelIR

/// Losses, training optimizers (`ai.onnx.preview.training`) and text ops.
enum MiscRules {
    static let trainingDomain = "ai.onnx.preview.training"

    static var schemas: [OpSchema] {
        [
            .op("SoftmaxCrossEntropyLoss", inputs: 2...3, outputs: 1...2, loss),
            .op("NegativeLogLikelihoodLoss", inputs: 2...3, loss),
            .op("Adagrad", domain: trainingDomain, inputs: 3...Int.max, outputs: 1...Int.max, optimizer),
            .op("Adam", domain: trainingDomain, inputs: 3...Int.max, outputs: 1...Int.max, optimizer),
            .op("Momentum", domain: trainingDomain, inputs: 3...Int.max, outputs: 1...Int.max, optimizer),
            .op("TfIdfVectorizer", inputs: 1...1, tfIdf),
            .op("StringNormalizer", inputs: 1...1, stringNormalizer),
            .op("StringConcat", inputs: 2...2, stringConcat),
            .op("RegexFullMatch", inputs: 1...1, CommonRules.boolOfInput),
            .op("StringSplit", inputs: 1...1, outputs: 1...2, stringSplit),
        ]
    }

    // MARK: Losses

    static func loss(_ c: ShapeContext) throws(ShapeRuleError) {
        let reduction = c.string("reduction") ?? "mean"
        let shape: [DimExpr?]? = reduction == "none" ? c.shape(1) : []
        c.set(0, SymTensor(c.dtype(0), shape))
        c.set(1, SymTensor(c.dtype(0), c.shape(0)))
    }

    // MARK: Optimizers

    /// Outputs are new values of the optimized tensors and their states, typed like the inputs they replace.
    static func optimizer(_ c: ShapeContext) throws(ShapeRuleError) {
        let groups: [Int] = c.node.opType == "Adam" ? [0, 2, 3] : [0, 2]
        let perTensor = c.node.opType == "Adam" ? 4 : 3
        let n = (c.inputCount - 2) / perTensor
        guard n > 0 else { throw c.invalid("\(c.node.opType) has no tensors to optimize") }
        for (g, group) in groups.enumerated() {
            for k in 0..<n {
                let out = g * n + k
                guard out < c.node.outputs.count else { continue }
                c.set(out, type: c.type(2 + group * n + k))
            }
        }
    }

    // MARK: Text

    static func tfIdf(_ c: ShapeContext) throws(ShapeRuleError) {
        let width = (c.ints("ngram_indexes")?.max()).map { DimExpr($0 + 1) }
        guard let s = c.shape(0) else { c.set(0, SymTensor(.float, nil)); return }
        c.set(0, SymTensor(.float, s.count <= 1 ? [width] : [s[0], width]))
    }

    static func stringNormalizer(_ c: ShapeContext) throws(ShapeRuleError) {
        guard var s = c.shape(0), !s.isEmpty else { c.set(0, SymTensor(.string, nil)); return }
        let stopwords: Bool
        if case .strings(let w)? = c.attribute("stopwords") { stopwords = !w.isEmpty } else { stopwords = false }
        if stopwords { s[s.count - 1] = c.fresh(output: 0, axis: s.count - 1) }
        c.set(0, SymTensor(.string, s))
    }

    static func stringConcat(_ c: ShapeContext) throws(ShapeRuleError) {
        c.set(0, SymTensor(.string, try ShapeMath.broadcast([c.shape(0), c.shape(1)])))
    }

    /// Substrings go along a new last axis as long as the longest split (data-dependent).
    static func stringSplit(_ c: ShapeContext) throws(ShapeRuleError) {
        let s = c.shape(0)
        c.set(0, SymTensor(.string, s.map { $0 + [c.fresh(output: 0, axis: $0.count)] }))
        c.set(1, SymTensor(.int64, s))
    }
}
