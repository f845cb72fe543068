/// A whole model: the main graph plus what describes it (producer, opsets, metadata, functions).
public struct Model: Hashable, Sendable {
    /// The ONNX IR version the model declares (other formats leave it nil).
    public var irVersion: Int64?
    public var opsetImports: [OpsetImport]
    public var producerName: String?
    public var producerVersion: String?
    public var domain: String?
    public var modelVersion: Int64?
    public var docString: String?
    public var graph: Graph
    public var metadata: [MetadataEntry]
    public var functions: [Function]
    public var trainingInfo: [TrainingInfo]
    /// Further graphs that ops call by index (TFLite subgraphs 1…n; `subgraphs[i]` is subgraph i + 1).
    public var subgraphs: [Graph]
    /// Named entry points (TFLite signature defs).
    public var signatures: [Signature]
    /// Metadata whose values are bytes rather than text.
    public var binaryMetadata: [BinaryMetadata]

    public init(
        irVersion: Int64? = nil, opsetImports: [OpsetImport] = [], producerName: String? = nil,
        producerVersion: String? = nil, domain: String? = nil, modelVersion: Int64? = nil,
        docString: String? = nil, graph: Graph, metadata: [MetadataEntry] = [],
        functions: [Function] = [], trainingInfo: [TrainingInfo] = [], subgraphs: [Graph] = [],
        signatures: [Signature] = [], binaryMetadata: [BinaryMetadata] = []
    ) {
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.docString = docString
        self.graph = graph
        self.metadata = metadata
        self.functions = functions
        self.trainingInfo = trainingInfo
        self.subgraphs = subgraphs
        self.signatures = signatures
        self.binaryMetadata = binaryMetadata
    }

    /// The version imported for `domain` ("" or "ai.onnx" = default domain).
    public func opsetVersion(for domain: String) -> Int64? {
        let wanted = domain == "ai.onnx" ? "" : domain
        return opsetImports.first {
            let d = $0.domain ?? ""
            return (d == "ai.onnx" ? "" : d) == wanted
        }?.version
    }
}
