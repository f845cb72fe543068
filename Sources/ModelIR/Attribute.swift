/// A named node attribute (or a function's attribute default).
public struct Attribute: Hashable, Sendable {
    /// The attribute's payload; one case per attribute kind.
    public indirect enum Value: Hashable, Sendable {
        case float(Float)
        case int(Int64)
        case string([UInt8])
        case tensor(Tensor)
        case graph(Graph)
        case sparseTensor(SparseTensor)
        case type(ValueType)
        case floats([Float])
        case ints([Int64])
        case strings([[UInt8]])
        case tensors([Tensor])
        case graphs([Graph])
        case sparseTensors([SparseTensor])
        case types([ValueType])
        /// An attribute of a declared kind that carries no value (a function body's reference
        /// to one of the function's attributes, see `refAttrName`).
        case empty(Kind)

        /// The attribute's kind.
        public var kind: Kind {
            switch self {
            case .float: .float
            case .int: .int
            case .string: .string
            case .tensor: .tensor
            case .graph: .graph
            case .sparseTensor: .sparseTensor
            case .type: .type
            case .floats: .floats
            case .ints: .ints
            case .strings: .strings
            case .tensors: .tensors
            case .graphs: .graphs
            case .sparseTensors: .sparseTensors
            case .types: .types
            case .empty(let k): k
            }
        }
    }

    /// The kinds of attribute values, numbered as ONNX's `AttributeType`.
    public enum Kind: Int32, Hashable, Sendable, CustomStringConvertible {
        case undefined = 0, float = 1, int = 2, string = 3, tensor = 4, graph = 5
        case floats = 6, ints = 7, strings = 8, tensors = 9, graphs = 10
        case sparseTensor = 11, sparseTensors = 12, type = 13, types = 14

        public var description: String {
            switch self {
            case .undefined: "undefined"
            case .float: "float"
            case .int: "int"
            case .string: "string"
            case .tensor: "tensor"
            case .graph: "graph"
            case .floats: "floats"
            case .ints: "ints"
            case .strings: "strings"
            case .tensors: "tensors"
            case .graphs: "graphs"
            case .sparseTensor: "sparse_tensor"
            case .sparseTensors: "sparse_tensors"
            case .type: "type"
            case .types: "types"
            }
        }
    }

    public var name: String
    public var value: Value
    /// In a function body: the name of the function attribute this one takes its value from.
    public var refAttrName: String?
    public var docString: String?

    public init(name: String, value: Value, refAttrName: String? = nil, docString: String? = nil) {
        self.name = name
        self.value = value
        self.refAttrName = refAttrName
        self.docString = docString
    }

    /// Subgraphs held by this attribute.
    public var subgraphs: [Graph] {
        switch value {
        case .graph(let g): [g]
        case .graphs(let gs): gs
        default: []
        }
    }
}
