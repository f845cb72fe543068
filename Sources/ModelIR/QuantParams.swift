/// Affine quantization of a value: `real = scale * (q - zeroPoint)`, per tensor or per axis.
public struct QuantParams: Hashable, Sendable, CustomStringConvertible {
    public var scales: [Float]
    public var zeroPoints: [Int64]
    /// The axis the scales run along when there is more than one (TFLite `quantized_dimension`).
    public var axis: Int
    /// Calibration range, when recorded.
    public var min: [Float]
    public var max: [Float]
    /// Format-specific details the IR does not interpret (kept for round trips).
    public var details: Details?

    /// Quantization schemes beyond plain affine parameters.
    public enum Details: Hashable, Sendable {
        case custom([UInt8])
        case blockwise(scales: String, zeroPoints: String?, blockSize: Int32, dims: [Int32])
        case multiAxis(scales: String, zeroPoints: String?, dims: [Int32])
    }

    public init(scales: [Float], zeroPoints: [Int64], axis: Int = 0, min: [Float] = [], max: [Float] = [], details: Details? = nil) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.axis = axis
        self.min = min
        self.max = max
        self.details = details
    }

    /// Whether there is one scale per slice along `axis`.
    public var isPerAxis: Bool { scales.count > 1 }

    public var description: String {
        func list<T>(_ a: [T]) -> String {
            a.count <= 4 ? a.map { "\($0)" }.joined(separator: ",") : "\(a.prefix(3).map { "\($0)" }.joined(separator: ",")),… (\(a.count))"
        }
        var s = "scale \(list(scales)) zero point \(list(zeroPoints))"
        if isPerAxis { s += " axis \(axis)" }
        return s
    }
}

/// A named entry point into a model (TFLite `SignatureDef`): which graph, and names for its inputs/outputs.
public struct Signature: Hashable, Sendable {
    /// Maps a signature name to a value name of the graph.
    public struct Binding: Hashable, Sendable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }
    public var key: String?
    /// 0 = the main graph, n > 0 = `Model.subgraphs[n - 1]`.
    public var graphIndex: Int
    public var inputs: [Binding]
    public var outputs: [Binding]

    public init(key: String?, graphIndex: Int, inputs: [Binding], outputs: [Binding]) {
        self.key = key
        self.graphIndex = graphIndex
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A named blob of metadata bytes (TFLite `Metadata` entries point at buffers).
public struct BinaryMetadata: Hashable, Sendable {
    public var name: String
    public var bytes: ByteView
    public init(name: String, bytes: ByteView) {
        self.name = name
        self.bytes = bytes
    }
}
