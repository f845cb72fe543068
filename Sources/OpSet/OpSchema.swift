import ModelIR

/// The schema of one operator: where it lives, which versions define it, its inputs, outputs and attributes.
public struct OpSchema: Hashable, Sendable {
    /// One declared attribute with its kind and, when optional, its default.
    public struct AttributeSpec: Hashable, Sendable {
        public var name: String
        public var kind: Attribute.Kind
        public var required: Bool
        public init(name: String, kind: Attribute.Kind, required: Bool) {
            self.name = name
            self.kind = kind
            self.required = required
        }
    }

    public var name: String
    /// "" is the default ONNX domain.
    public var domain: String
    /// The opset version this definition starts at.
    public var sinceVersion: Int
    public var minInputs: Int
    public var maxInputs: Int
    public var minOutputs: Int
    public var maxOutputs: Int
    public var attributes: [AttributeSpec]
    /// Output types (and, for shape-computing ops, output values) from the inputs and attributes.
    public var shapeRule: ShapeRule?

    public init(
        name: String, domain: String = "", sinceVersion: Int, inputs: ClosedRange<Int>, outputs: ClosedRange<Int>,
        attributes: [AttributeSpec] = [], shapeRule: ShapeRule? = nil
    ) {
        self.name = name
        self.domain = domain
        self.sinceVersion = sinceVersion
        self.minInputs = inputs.lowerBound
        self.maxInputs = inputs.upperBound
        self.minOutputs = outputs.lowerBound
        self.maxOutputs = outputs.upperBound
        self.attributes = attributes
        self.shapeRule = shapeRule
    }

    /// A default-domain op defined since version 1 with a shape rule.
    public static func op(
        _ name: String, domain: String = "", since: Int = 1, inputs: ClosedRange<Int>, outputs: ClosedRange<Int> = 1...1,
        _ rule: @escaping ShapeRule
    ) -> OpSchema {
        OpSchema(name: name, domain: domain, sinceVersion: since, inputs: inputs, outputs: outputs, shapeRule: rule)
    }

    // Equality and hashing ignore the rule (closures do not compare).
    public static func == (a: OpSchema, b: OpSchema) -> Bool {
        a.name == b.name && a.domain == b.domain && a.sinceVersion == b.sinceVersion && a.minInputs == b.minInputs
            && a.maxInputs == b.maxInputs && a.minOutputs == b.minOutputs && a.maxOutputs == b.maxOutputs
            && a.attributes == b.attributes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(domain)
        hasher.combine(sinceVersion)
    }
}

/// A shape rule: reads the node's inputs and attributes from the context and sets its outputs.
public typealias ShapeRule = @Sendable (ShapeContext) throws(ShapeRuleError) -> Void

/// A set of op schemas, looked up by domain, name and the model's opset version. A value, not a global.
public struct OpSchemaSet: Sendable {
    private var byKey: [String: [OpSchema]] = [:]

    public init(_ schemas: [OpSchema] = []) {
        for s in schemas { byKey["\(s.domain)::\(s.name)", default: []].append(s) }
        for k in byKey.keys { byKey[k]!.sort { $0.sinceVersion < $1.sinceVersion } }
    }

    /// The definition in force for `opset` (the newest one not newer than it).
    public func schema(domain: String, name: String, opset: Int) -> OpSchema? {
        byKey["\(domain)::\(name)"]?.last { $0.sinceVersion <= opset }
    }

    /// Whether any version of the op exists in this set.
    public func contains(domain: String, name: String) -> Bool { byKey["\(domain)::\(name)"] != nil }

    public var count: Int { byKey.values.reduce(0) { $0 + $1.count } }
}
