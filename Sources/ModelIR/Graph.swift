/// A dataflow graph: inputs, outputs, constant initializers and nodes in topological order.
public struct Graph: Hashable, Sendable {
    /// Quantization parameter tensors attached to a value by name (ONNX `TensorAnnotation`).
    public struct TensorAnnotation: Hashable, Sendable {
        public var tensorName: String?
        public var quantParameterTensorNames: [MetadataEntry]
        public init(tensorName: String?, quantParameterTensorNames: [MetadataEntry]) {
            self.tensorName = tensorName
            self.quantParameterTensorNames = quantParameterTensorNames
        }
    }

    public var name: String?
    public var docString: String?
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    /// Declared types of intermediate values.
    public var valueInfos: [ValueInfo]
    public var initializers: [Tensor]
    public var sparseInitializers: [SparseTensor]
    public var nodes: [Node]
    public var quantizationAnnotations: [TensorAnnotation]
    public var metadata: [MetadataEntry]

    public init(
        name: String? = nil, docString: String? = nil, inputs: [ValueInfo] = [], outputs: [ValueInfo] = [],
        valueInfos: [ValueInfo] = [], initializers: [Tensor] = [], sparseInitializers: [SparseTensor] = [],
        nodes: [Node] = [], quantizationAnnotations: [TensorAnnotation] = [], metadata: [MetadataEntry] = []
    ) {
        self.name = name
        self.docString = docString
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfos = valueInfos
        self.initializers = initializers
        self.sparseInitializers = sparseInitializers
        self.nodes = nodes
        self.quantizationAnnotations = quantizationAnnotations
        self.metadata = metadata
    }

    /// The initializer called `name`.
    public func initializer(named name: String) -> Tensor? {
        initializers.first { $0.name == name }
    }

    /// Every subgraph held by a node attribute, depth first (not including this graph).
    public var nestedGraphs: [Graph] {
        nodes.flatMap { node in
            node.attributes.flatMap { attr in attr.subgraphs.flatMap { [$0] + $0.nestedGraphs } }
        }
    }
}

/// An operator set a model imports: a domain ("" = default ONNX) and its version.
public struct OpsetImport: Hashable, Sendable {
    public var domain: String?
    public var version: Int64?
    public init(domain: String?, version: Int64?) {
        self.domain = domain
        self.version = version
    }
}

/// A model-local function: a named subgraph callable as an op of its domain.
public struct Function: Hashable, Sendable {
    public var name: String?
    public var domain: String?
    public var overload: String?
    public var inputs: [String]
    public var outputs: [String]
    /// Attribute names without defaults.
    public var attributeNames: [String]
    /// Attributes with default values.
    public var attributeDefaults: [Attribute]
    public var nodes: [Node]
    public var valueInfos: [ValueInfo]
    public var opsetImports: [OpsetImport]
    public var docString: String?
    public var metadata: [MetadataEntry]

    public init(
        name: String?, domain: String?, overload: String? = nil, inputs: [String], outputs: [String],
        attributeNames: [String] = [], attributeDefaults: [Attribute] = [], nodes: [Node],
        valueInfos: [ValueInfo] = [], opsetImports: [OpsetImport] = [], docString: String? = nil,
        metadata: [MetadataEntry] = []
    ) {
        self.name = name
        self.domain = domain
        self.overload = overload
        self.inputs = inputs
        self.outputs = outputs
        self.attributeNames = attributeNames
        self.attributeDefaults = attributeDefaults
        self.nodes = nodes
        self.valueInfos = valueInfos
        self.opsetImports = opsetImports
        self.docString = docString
        self.metadata = metadata
    }
}

// MARK: Calling a function

extension Function {
    /// The body's nodes as a call by `caller` runs them: each attribute that refers to a function
    /// attribute takes the caller's value, else the function's default, and is dropped when neither exists.
    public func body(calledBy caller: Node) -> [Node] {
        nodes.map { inner in
            var inner = inner
            inner.attributes = inner.attributes.compactMap { attr in
                guard let ref = attr.refAttrName else { return attr }
                if let given = caller.attribute(ref) { return Attribute(name: attr.name, value: given.value) }
                if let fallback = attributeDefaults.first(where: { $0.name == ref }) {
                    return Attribute(name: attr.name, value: fallback.value)
                }
                return nil
            }
            return inner
        }
    }
}

/// Training information carried along with a model (kept, not interpreted).
public struct TrainingInfo: Hashable, Sendable {
    public var initialization: Graph?
    public var algorithm: Graph?
    public var initializationBinding: [MetadataEntry]
    public var updateBinding: [MetadataEntry]
    public init(
        initialization: Graph?, algorithm: Graph?, initializationBinding: [MetadataEntry],
        updateBinding: [MetadataEntry]
    ) {
        self.initialization = initialization
        self.algorithm = algorithm
        self.initializationBinding = initializationBinding
        self.updateBinding = updateBinding
    }
}
