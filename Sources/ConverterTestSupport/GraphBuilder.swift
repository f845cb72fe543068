import ModelIR

/// Builds small IR models for tests.
public enum GraphBuilder {
    /// A float32 tensor type with fixed dims.
    public static func floatType(_ dims: [Int64]) -> ValueType {
        ValueType(.tensor(TensorType(elementType: .float, shape: dims.map { .fixed($0) })))
    }

    /// A float32 initializer holding `values`.
    public static func floatTensor(_ name: String, dims: [Int64], values: [Float]) -> Tensor {
        let view = values.withUnsafeBytes { ByteView(copying: $0) }
        return Tensor(name: name, dataType: .float, dims: dims, contents: .bytes(view))
    }

    /// `y = Relu(x + bias)` on a [1, n] input: the smallest model with an initializer and two nodes.
    public static func addRelu(n: Int64 = 4) -> Model {
        let graph = Graph(
            name: "add_relu",
            inputs: [ValueInfo(name: "x", type: floatType([1, n]))],
            outputs: [ValueInfo(name: "y", type: floatType([1, n]))],
            initializers: [floatTensor("bias", dims: [1, n], values: (0..<Int(n)).map { Float($0) - 1.5 })],
            nodes: [
                Node(name: "add", opType: "Add", inputs: ["x", "bias"], outputs: ["sum"]),
                Node(name: "relu", opType: "Relu", inputs: ["sum"], outputs: ["y"]),
            ])
        return Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)], producerName: "modelconv-tests", graph: graph)
    }
}
