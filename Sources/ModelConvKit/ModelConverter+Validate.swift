import Dispatch
import Interpreter
import ModelIR
import Passes
import TFLiteFormat
import Validation

/// What `run` computed, and how long each run took.
public struct RunOutcome: Sendable {
    public var inputs: [String: NDArray]
    public var outputs: [(name: String, value: NDArray)]
    public var intermediates: [(name: String, value: NDArray)]
    /// Wall time of each run (model loading excluded).
    public var seconds: [Double]
    /// Time per op type over all runs, when profiled.
    public var profile: [OpProfile.Entry]
}

/// Where a run's inputs come from.
public struct InputOptions: Sendable {
    /// `name → file` (`.npy` or ONNX `.pb`).
    public var files: [String: String]
    /// An `.npz` with `<name>` or `input:<name>` arrays.
    public var archive: String?
    /// Values for symbolic dims of generated inputs.
    public var dims: [String: Int]
    public var seed: UInt64

    public init(files: [String: String] = [:], archive: String? = nil, dims: [String: Int] = [:], seed: UInt64 = 0) {
        self.files = files
        self.archive = archive
        self.dims = dims
        self.seed = seed
    }
}

extension ModelConverter {
    // MARK: Run

    /// Runs a model in the reference interpreter; returns its inputs (as fed) and outputs.
    public func run(path: String, inputs options: InputOptions, keepIntermediates: Bool = false, repeat runs: Int = 1,
                    profile: Bool = false) throws(ModelConvError) -> RunOutcome {
        let model = try executable(try read(path: path).0)
        let (inputs, _) = try resolveInputs(for: model, options: options)
        var result: Interpreter.RunResult? = nil
        var seconds: [Double] = []
        // Prepared once (like an inference session): the timed runs exclude constant folding.
        let validator = Validator()
        let interpreter = validator.interpreter(for: model)
        let opProfile = profile ? OpProfile() : nil
        for _ in 0..<max(runs, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                result = try validator.run(interpreter, name: path, inputs: inputs, keepIntermediates: keepIntermediates, profile: opProfile)
            } catch {
                throw Self.classify(error)
            }
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        guard let result else { throw .input("\(path): the model did not run") }
        let intermediates = result.order.compactMap { name in result.intermediates[name]?.tensor.map { (name, $0) } }
        var outputs: [(name: String, value: NDArray)] = []
        for (name, value) in result.outputs {
            guard let t = value.tensor else { throw .unsupported("\(path): output '\(name)' is not a tensor; only tensor outputs can be reported") }
            outputs.append((name, t))
        }
        return RunOutcome(inputs: inputs, outputs: outputs, intermediates: intermediates, seconds: seconds,
                          profile: opProfile?.entries ?? [])
    }

    // MARK: Validate

    /// Runs `reference` and `candidate` on the same inputs and compares their outputs.
    public func validate(reference: String, candidate: String, inputs options: InputOptions, quantizedSteps: Double = 1)
        throws(ModelConvError) -> ValidationReport {
        let a = try executable(try read(path: reference).0)
        let b = try executable(try read(path: candidate).0)
        let (inputs, sources) = try resolveInputs(for: a, options: options)
        do {
            return try Validator(quantizedSteps: quantizedSteps).compare(
                reference: a, referenceName: reference, candidate: b, candidateName: candidate,
                inputs: inputs, inputSources: sources)
        } catch {
            throw Self.classify(error)
        }
    }

    /// Runs two models (already read) on the same inputs and compares their outputs.
    public func validate(reference: Model, referenceName: String, candidate: Model, candidateName: String,
                         inputs options: InputOptions, quantizedSteps: Double = 1, float16Weights: Bool = false) throws(ModelConvError) -> ValidationReport {
        let a = try executable(reference)
        let b = try executable(candidate)
        let (inputs, sources) = try resolveInputs(for: a, options: options)
        do {
            return try Validator(quantizedSteps: quantizedSteps, float16Weights: float16Weights).compare(
                reference: a, referenceName: referenceName, candidate: b, candidateName: candidateName,
                inputs: inputs, inputSources: sources)
        } catch {
            throw Self.classify(error)
        }
    }

    /// Runs `model` on the inputs of `referenceArchive` and compares with its stored outputs.
    public func validate(model path: String, referenceArchive: String, referencePrefix: String = "output",
                         inputs options: InputOptions) throws(ModelConvError) -> ValidationReport {
        let model = try executable(try read(path: path).0)
        var opts = options
        opts.archive = referenceArchive
        let (inputs, sources) = try resolveInputs(for: model, options: opts)
        var stored: [String: NDArray]
        do { stored = try InputSet.readArchive(path: referenceArchive) } catch { throw .input(error.description) }
        if referencePrefix != "output" {
            let chosen = stored.filter { $0.key.hasPrefix(referencePrefix + ":") }
            guard !chosen.isEmpty else { throw .input("\(referenceArchive): has no \(referencePrefix):NAME arrays") }
            stored = Dictionary(uniqueKeysWithValues: chosen.map { ("output:" + $0.key.dropFirst(referencePrefix.count + 1), $0.value) })
        }
        do {
            return try Validator().compare(model: model, name: path, expected: stored, inputs: inputs, inputSources: sources)
        } catch {
            throw Self.classify(error)
        }
    }

    // MARK: Execution form

    /// The model in the interpreter's op vocabulary: a TFLite-dialect model runs as it is when the
    /// interpreter has TFLite kernels for all its ops (integer-exact), else it is lowered to ONNX ops.
    public func executable(_ model: Model) throws(ModelConvError) -> Model {
        if Interpreter.canRun(model) { return model }
        var m = model
        do { _ = try ContribOpDecomposition().run(&m) } catch { throw .unsupported("cannot run this model: \(error)") }
        if Interpreter.canRun(m) { return m }
        do {
            _ = try TFLiteLowering().run(&m)
        } catch {
            throw error.isUnsupported ? .unsupported("cannot run this model: \(error)") : .input("cannot run this model: \(error)")
        }
        return m
    }

    // MARK: Inputs

    func resolveInputs(for model: Model, options: InputOptions) throws(ModelConvError) -> ([String: NDArray], [String: String]) {
        do {
            var given: [String: NDArray] = [:]
            for (name, file) in options.files { given[name] = try InputSet.readArray(path: file) }
            let archive = try options.archive.map { p throws(ValidationError) in try InputSet.readArchive(path: p) } ?? [:]
            let resolved = try InputSet.resolve(for: model, given: given, archive: archive,
                                                generator: InputGenerator(seed: options.seed, dims: options.dims))
            var sources: [String: String] = [:]
            for name in resolved.keys {
                sources[name] = given[name] != nil ? "given" : (archive["input:\(name)"] ?? archive[name]) != nil ? "file" : "generated"
            }
            return (resolved, sources)
        } catch {
            throw Self.classify(error)
        }
    }

    static func classify(_ error: ValidationError) -> ModelConvError {
        switch error {
        case .input(let m): return .input(m)
        case .run(let model, let reason):
            if reason.contains("has no interpreter kernel") || reason.contains("does not support element type") {
                return .unsupported("\(model): \(reason)")
            }
            return .input("\(model): \(reason)")
        }
    }
}
