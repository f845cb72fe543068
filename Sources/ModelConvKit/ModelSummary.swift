import ModelIR

/// What `inspect` reports about a model; encodes to the JSON schema documented in the README.
public struct ModelSummary: Codable, Equatable, Sendable {
    public struct Opset: Codable, Equatable, Sendable {
        public var domain: String
        public var version: Int64?
    }
    public struct Value: Codable, Equatable, Sendable {
        public var name: String
        /// Element type name (`float32`, `int64`, …) or the non-tensor type.
        public var dtype: String
        /// Dims as strings: numbers, symbol names, or `?`; nil when the rank is unknown.
        public var shape: [String]?
    }
    public struct OpCount: Codable, Equatable, Sendable {
        public var op: String
        public var count: Int
    }
    public struct ParameterGroup: Codable, Equatable, Sendable {
        public var dtype: String
        public var tensors: Int
        public var elements: Int
        public var bytes: Int
    }
    public struct Subgraph: Codable, Equatable, Sendable {
        /// Where the subgraph hangs: `node/attribute`, nested paths joined by ` > `.
        public var path: String
        public var name: String
        public var nodes: Int
    }
    public struct NodeEntry: Codable, Equatable, Sendable {
        public var name: String
        public var op: String
        public var inputs: [String]
        public var outputs: [String]
        public var attributes: [String: String]
        /// Each output's type (`float32[N,3]`); only with `--infer`.
        public var outputTypes: [String]? = nil
    }
    /// A quantized value's parameters.
    public struct Quantization: Codable, Equatable, Sendable {
        public var tensor: String
        public var dtype: String
        public var scales: [Float]
        public var zeroPoints: [Int64]
        /// The axis the scales run along when per-axis.
        public var axis: Int?
    }
    public struct Entry: Codable, Equatable, Sendable {
        public var key: String
        public var value: String
    }

    public var path: String
    public var format: String
    public var fileBytes: Int
    public var producer: String?
    public var producerVersion: String?
    public var irVersion: Int64?
    public var opsets: [Opset]
    public var graphName: String?
    public var inputs: [Value]
    public var outputs: [Value]
    public var nodeCount: Int
    public var ops: [OpCount]
    public var parameterCount: Int
    public var parameterBytes: Int
    public var parameters: [ParameterGroup]
    public var subgraphs: [Subgraph]
    public var functions: [String]
    public var metadata: [Entry]
    /// Quantization parameters of every quantized value of the main graph.
    public var quantization: [Quantization]
    /// Further graphs called by index (TFLite subgraphs).
    public var indexedSubgraphs: [Subgraph]
    /// Signature defs: key and input/output names.
    public var signatures: [String]
    /// Every node of the main graph; present only when asked for (`--nodes`).
    public var nodes: [NodeEntry]?
}
