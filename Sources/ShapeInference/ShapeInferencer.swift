import ModelIR
import OpSet

/// Options of a shape inference run.
public struct ShapeInferenceOptions: Sendable {
    /// Values for symbolic dims (`--dim batch=1`), applied everywhere.
    public var dims: [String: Int64]
    /// Concrete shapes of graph inputs; their symbolic dims are fixed to match.
    public var inputShapes: [String: [Int64]]
    /// Known values of graph inputs (e.g. a shape given as an input), for value inference.
    public var inputValues: [String: Tensor]
    /// Makes a declared type that disagrees with the inferred one an error.
    public var strict: Bool
    /// Names unnamed dynamic input dims `<input>_d<axis>` so that they propagate as symbols.
    public var nameUnknownInputDims: Bool
    /// The most elements a tensor may have for its values to be tracked.
    public var valueLimit: Int

    public init(
        dims: [String: Int64] = [:], inputShapes: [String: [Int64]] = [:], inputValues: [String: Tensor] = [:],
        strict: Bool = false, nameUnknownInputDims: Bool = true, valueLimit: Int = 1024
    ) {
        self.dims = dims
        self.inputShapes = inputShapes
        self.inputValues = inputValues
        self.strict = strict
        self.nameUnknownInputDims = nameUnknownInputDims
        self.valueLimit = valueLimit
    }
}

/// Runs the op schemas' shape rules over a model: every graph, subgraph and model-local function call.
public struct ShapeInferencer: Sendable {
    public var options: ShapeInferenceOptions
    public var schemas: OpSchemaSet

    public init(options: ShapeInferenceOptions = ShapeInferenceOptions(), schemas: OpSchemaSet = .standard) {
        self.options = options
        self.schemas = schemas
    }

    /// The model with a value info for every value it could type, and the report.
    ///
    /// Tests on symbolic sizes that cannot be decided (`batch == 1`) are first taken as false; when
    /// that makes a node invalid, the latest such answer before the failure is flipped and inference
    /// runs again (a few times at most), so that the graph is read in the only way it is valid.
    public func infer(_ model: Model) throws(ShapeInferenceError) -> (Model, ShapeReport) {
        var flipped = Set<String>()
        var firstError: ShapeInferenceError? = nil
        for _ in 0..<8 {
            let run = InferenceRun(model: model, options: options, schemas: schemas, flipped: flipped)
            do {
                var out = model
                out.graph = try run.inferMain()
                return (out, run.finishReport())
            } catch {
                firstError = firstError ?? error
                guard case .invalidNode = error, let site = run.sites.last(where: { !flipped.contains($0) }) else { throw firstError ?? error }
                flipped.insert(site)
            }
        }
        throw firstError ?? .badOption("shape inference did not settle")
    }
}
