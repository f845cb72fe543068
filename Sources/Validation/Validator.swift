import Interpreter
import ModelIR

/// Runs models in the reference interpreter and compares their outputs.
public struct Validator: Sendable {
    public var kernels: KernelTable
    /// Allowed distance, in quantization steps, for quantized integer outputs.
    public var quantizedSteps: Double
    /// The candidate stores float32 weights as float16 (`--float16`): float32 outputs are judged in the float16 tier.
    public var float16Weights: Bool

    public init(kernels: KernelTable = .standard, quantizedSteps: Double = 1, float16Weights: Bool = false) {
        self.kernels = kernels
        self.quantizedSteps = quantizedSteps
        self.float16Weights = float16Weights
    }

    /// Runs `model` and returns its outputs (and intermediates when asked).
    public func run(_ model: Model, name: String, inputs: [String: NDArray], keepIntermediates: Bool = false) throws(ValidationError) -> Interpreter.RunResult {
        try run(interpreter(for: model), name: name, inputs: inputs, keepIntermediates: keepIntermediates)
    }

    /// An interpreter for `model` with this validator's kernels, to run it several times.
    public func interpreter(for model: Model) -> Interpreter { Interpreter(model: model, kernels: kernels) }

    /// Runs a prepared interpreter (see `interpreter(for:)`); `name` labels errors.
    public func run(_ interpreter: Interpreter, name: String, inputs: [String: NDArray], keepIntermediates: Bool = false,
                    profile: OpProfile? = nil) throws(ValidationError) -> Interpreter.RunResult {
        do {
            return try interpreter.run(inputs: inputs.mapValues { .tensor($0) }, keepIntermediates: keepIntermediates, profile: profile)
        } catch {
            throw .run(model: name, reason: error.description)
        }
    }

    /// Compares `candidate` with `reference` on the same inputs; on failure, localizes the first divergence.
    public func compare(
        reference: Model, referenceName: String, candidate: Model, candidateName: String,
        inputs: [String: NDArray], inputSources: [String: String]
    ) throws(ValidationError) -> ValidationReport {
        let a = try run(reference, name: referenceName, inputs: inputs)
        let candidateInputs = inputs.filter { name, _ in InputSet.graphInputs(of: candidate).contains { $0.name == name } }
        let b = try run(candidate, name: candidateName, inputs: candidateInputs)
        var report = ValidationReport(
            reference: referenceName, candidate: candidateName,
            inputs: summaries(inputs, sources: inputSources), outputs: [], firstDivergence: nil, unmatchedOutputs: [])
        let pairs = matchOutputs(a.outputs, b.outputs)
        // State outputs a conversion added (next values of variables) need not exist on both sides.
        let stateOutputs = Set((reference.graph.outputs + candidate.graph.outputs).filter { $0.metadata("modelconv.role") == "state" }.map(\.name))
        for (name, expected, actual) in pairs.matched {
            guard let e = expected.tensor, let x = actual.tensor else { continue }
            var tol = Tolerance.forOutput(name, of: reference, dtype: e.dataType, quantizedSteps: quantizedSteps)
            if float16Weights && tol.tier == .float32 { tol = .float16 }
            report.outputs.append(OutputComparison(name: name, actual: x, expected: e, tolerance: tol))
        }
        report.unmatchedOutputs = pairs.unmatched.filter { !stateOutputs.contains($0) }
        if !report.passed {
            report.firstDivergence = try locateDivergence(reference: reference, candidate: candidate,
                                                          inputs: inputs, candidateInputs: candidateInputs)
        }
        return report
    }

    /// Compares `model`'s outputs with stored ones (keys `output:<name>` or `<name>`).
    public func compare(
        model: Model, name: String, expected: [String: NDArray], inputs: [String: NDArray],
        inputSources: [String: String], tolerance: ((String, NDArray) -> Tolerance)? = nil
    ) throws(ValidationError) -> ValidationReport {
        let result = try run(model, name: name, inputs: inputs)
        var report = ValidationReport(
            reference: "stored outputs", candidate: name, inputs: summaries(inputs, sources: inputSources),
            outputs: [], firstDivergence: nil, unmatchedOutputs: [])
        for (outputName, value) in result.outputs {
            guard let stored = expected["output:\(outputName)"] ?? expected[outputName] else {
                // State outputs a conversion added (next values of variables) have no stored reference.
                let info = model.graph.outputs.first { $0.name == outputName }
                if info?.metadata("modelconv.role") != "state" { report.unmatchedOutputs.append(outputName) }
                continue
            }
            guard let actual = value.tensor else { continue }
            let tol = tolerance?(outputName, stored)
                ?? Tolerance.forOutput(outputName, of: model, dtype: stored.dataType, quantizedSteps: quantizedSteps)
            report.outputs.append(OutputComparison(name: outputName, actual: actual, expected: stored, tolerance: tol))
        }
        return report
    }

    // MARK: Pieces

    private func summaries(_ inputs: [String: NDArray], sources: [String: String]) -> [ValidationReport.InputSummary] {
        inputs.keys.sorted().map { name in
            let v = inputs[name]!
            return .init(name: name, dtype: v.dataType.name, shape: v.shape, source: sources[name] ?? "given")
        }
    }

    /// Outputs matched by name, or by position when the names differ but the counts agree.
    private func matchOutputs(_ a: [(name: String, value: RuntimeValue)], _ b: [(name: String, value: RuntimeValue)])
        -> (matched: [(String, RuntimeValue, RuntimeValue)], unmatched: [String]) {
        let bByName = Dictionary(b.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x })
        if a.allSatisfy({ bByName[$0.name] != nil }) {
            return (a.map { ($0.name, $0.value, bByName[$0.name]!) }, b.map(\.name).filter { n in !a.contains { $0.name == n } })
        }
        if a.count == b.count { return (zip(a, b).map { ($0.name, $0.value, $1.value) }, []) }
        let matched = a.compactMap { o in bByName[o.name].map { (o.name, o.value, $0) } }
        let unmatched = a.map(\.name).filter { bByName[$0] == nil } + b.map(\.name).filter { n in !a.contains { $0.name == n } }
        return (matched, unmatched)
    }

    /// Runs both models keeping intermediates and returns the first value (in the reference's
    /// execution order) that both compute and that disagrees; NHWC/NCHW layouts are matched.
    private func locateDivergence(reference: Model, candidate: Model, inputs: [String: NDArray],
                                  candidateInputs: [String: NDArray]) throws(ValidationError) -> ValidationReport.Divergence? {
        let a = try run(reference, name: "reference", inputs: inputs, keepIntermediates: true)
        let b = try run(candidate, name: "candidate", inputs: candidateInputs, keepIntermediates: true)
        let producer = Dictionary(reference.graph.nodes.flatMap { n in n.outputs.map { ($0, n) } }, uniquingKeysWith: { x, _ in x })
        var compared = 0
        for name in a.order {
            guard let x = a.intermediates[name]?.tensor, let yRaw = b.intermediates[name]?.tensor,
                  let y = LayoutMatch.align(yRaw, to: x.shape) else { continue }
            let tol = Tolerance.forOutput(x.dataType, quantized: quantizedSteps > 0).steps(quantizedSteps)
            let c = OutputComparison(name: name, actual: y, expected: x, tolerance: tol)
            if !c.passed, let node = producer[name] {
                return .init(node: node.label, op: node.qualifiedOpType, value: name, maxAbsError: c.maxAbsError,
                             tolerance: tol.summary, compared: compared)
            }
            compared += 1
        }
        return nil
    }
}

extension Tolerance {
    /// The same tolerance with another step allowance (quantized tier only).
    func steps(_ n: Double) -> Tolerance {
        var t = self
        if t.tier == .quantized { t.steps = n }
        return t
    }
}

/// Matches a value computed in another layout (NHWC vs NCHW) to a reference shape.
enum LayoutMatch {
    static func align(_ v: NDArray, to shape: [Int]) -> NDArray? {
        if v.shape == shape { return v }
        guard v.rank == 4, shape.count == 4, v.count == NDArray.count(of: shape) else { return nil }
        for perm in [[0, 3, 1, 2], [0, 2, 3, 1]] where perm.map({ v.shape[$0] }) == shape {
            return transpose(v, perm)
        }
        return nil
    }

    static func transpose(_ v: NDArray, _ perm: [Int]) -> NDArray {
        let outShape = perm.map { v.shape[$0] }
        let inStrides = v.strides
        let total = v.count
        var index = [Int](repeating: 0, count: outShape.count)
        var map = [Int](repeating: 0, count: total)
        for flat in 0..<total {
            var src = 0
            for d in 0..<outShape.count { src += index[d] * inStrides[perm[d]] }
            map[flat] = src
            index.advance(within: outShape)
        }
        return v.gathering(map, shape: outShape)
    }
}
