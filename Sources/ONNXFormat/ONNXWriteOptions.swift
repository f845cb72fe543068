/// How the ONNX writer lays out a file.
public struct ONNXWriteOptions: Sendable {
    /// Store large initializers in a separate external data file next to the model.
    public var externalData: Bool
    /// Initializers of at least this many bytes go to external data when it is used.
    public var externalDataThreshold: Int
    /// Name of the external data file (default: the model's file name + ".data").
    public var externalDataFileName: String?
    /// A model whose inline tensors exceed this many bytes is written with external data
    /// automatically (protobuf messages cannot exceed 2 GiB).
    public var automaticExternalDataLimit: Int
    /// Files the writer must never replace (the conversion's inputs).
    public var protectedPaths: [String]

    public init(
        externalData: Bool = false, externalDataThreshold: Int = 1024, externalDataFileName: String? = nil,
        automaticExternalDataLimit: Int = (1 << 31) - (64 << 20), protectedPaths: [String] = []
    ) {
        self.externalData = externalData
        self.externalDataThreshold = externalDataThreshold
        self.externalDataFileName = externalDataFileName
        self.automaticExternalDataLimit = automaticExternalDataLimit
        self.protectedPaths = protectedPaths
    }
}
