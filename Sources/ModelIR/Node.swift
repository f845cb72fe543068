/// One operation in a graph: op type (ONNX semantics), inputs and outputs by value name, attributes.
public struct Node: Hashable, Sendable {
    public var name: String?
    public var opType: String
    /// Operator domain; nil or "" is the default ONNX domain.
    public var domain: String?
    /// Selects one of several function overloads (ONNX `overload`).
    public var overload: String?
    /// Input value names; "" marks an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [Attribute]
    public var docString: String?
    public var metadata: [MetadataEntry]

    public init(
        name: String? = nil, opType: String, domain: String? = nil, overload: String? = nil,
        inputs: [String], outputs: [String], attributes: [Attribute] = [],
        docString: String? = nil, metadata: [MetadataEntry] = []
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.overload = overload
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.docString = docString
        self.metadata = metadata
    }

    /// The attribute called `name`.
    public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }

    /// The domain with the default domain spelled "".
    public var normalizedDomain: String {
        let d = domain ?? ""
        return d == "ai.onnx" ? "" : d
    }

    /// `domain::opType` for custom domains, `opType` for the default one.
    public var qualifiedOpType: String {
        normalizedDomain.isEmpty ? opType : "\(normalizedDomain)::\(opType)"
    }

    /// A label for messages: the node's name or, without one, its op type and first output.
    public var label: String {
        if let name, !name.isEmpty { return name }
        return "\(opType)(→\(outputs.first ?? "?"))"
    }
}
