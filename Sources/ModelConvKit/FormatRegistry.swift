import ModelIR
import ONNXFormat
import ORTFormat
import TFLiteFormat

/// Reads one model format into the IR.
public protocol ModelReading: Sendable {
    func read(path: String) throws(ModelConvError) -> Model
}

/// Writes the IR in one model format.
public protocol ModelWriting: Sendable {
    func write(_ model: Model, to path: String, protecting inputs: [String]) throws(ModelConvError)
}

/// The readers and writers available to a conversion. A value passed in, not a global.
public struct FormatRegistry: Sendable {
    public var readers: [ModelFormat: any ModelReading]
    public var writers: [ModelFormat: any ModelWriting]

    public init(readers: [ModelFormat: any ModelReading] = [:], writers: [ModelFormat: any ModelWriting] = [:]) {
        self.readers = readers
        self.writers = writers
    }

    /// Every format this build supports, with default options.
    public static func standard(onnxWrite: ONNXWriteOptions = ONNXWriteOptions()) -> FormatRegistry {
        FormatRegistry(
            readers: [.onnx: ONNXModelReader(), .tflite: TFLiteModelReader(), .ort: ORTModelReader()],
            writers: [.onnx: ONNXModelWriter(options: onnxWrite), .tflite: TFLiteModelWriter(), .ort: ORTModelWriter()])
    }

    /// The reader for `format`, or an unsupported-format error.
    public func reader(for format: ModelFormat) throws(ModelConvError) -> any ModelReading {
        guard let r = readers[format] else {
            throw .unsupported("reading .\(format.rawValue) models is not supported by this build yet")
        }
        return r
    }

    /// The writer for `format`, or an unsupported-format error.
    public func writer(for format: ModelFormat) throws(ModelConvError) -> any ModelWriting {
        guard let w = writers[format] else {
            throw .unsupported("writing .\(format.rawValue) models is not supported by this build yet")
        }
        return w
    }
}

// MARK: ONNX

/// The ONNX reader behind the registry interface.
public struct ONNXModelReader: ModelReading {
    public var reader = ONNXReader()
    public init() {}
    public func read(path: String) throws(ModelConvError) -> Model {
        do { return try reader.read(path: path) } catch { throw ModelConvError(error) }
    }
}

/// The ONNX writer behind the registry interface.
public struct ONNXModelWriter: ModelWriting {
    public var options: ONNXWriteOptions
    public init(options: ONNXWriteOptions = ONNXWriteOptions()) { self.options = options }
    public func write(_ model: Model, to path: String, protecting inputs: [String]) throws(ModelConvError) {
        var o = options
        o.protectedPaths += inputs
        do { try ONNXWriter(options: o).write(model, to: path) } catch { throw ModelConvError(error) }
    }
}

extension ModelConvError {
    /// Classifies an ONNX format error.
    init(_ error: ONNXError) {
        switch error {
        case .unsupported: self = .unsupported(error.description)
        default: self = .input(error.description)
        }
    }
}

// MARK: TFLite

/// The TFLite reader behind the registry interface.
public struct TFLiteModelReader: ModelReading {
    public init() {}
    public func read(path: String) throws(ModelConvError) -> Model {
        do { return try TFLiteReader().read(path: path) } catch { throw ModelConvError(error) }
    }
}

/// The TFLite writer behind the registry interface.
public struct TFLiteModelWriter: ModelWriting {
    public init() {}
    public func write(_ model: Model, to path: String, protecting inputs: [String]) throws(ModelConvError) {
        do { try TFLiteWriter(protectedPaths: inputs).write(model, to: path) } catch { throw ModelConvError(error) }
    }
}

extension ModelConvError {
    /// Classifies a TFLite format error.
    init(_ error: TFLiteError) {
        switch error {
        case .unsupported, .notRepresentable: self = .unsupported(error.description)
        default: self = .input(error.description)
        }
    }
}

// MARK: ORT

/// The ORT writer behind the registry interface.
public struct ORTModelWriter: ModelWriting {
    public init() {}
    public func write(_ model: Model, to path: String, protecting inputs: [String]) throws(ModelConvError) {
        do { try ORTWriter(protectedPaths: inputs).write(model, to: path) } catch {
            switch error {
            case .unsupported: throw .unsupported(error.description)
            default: throw .input(error.description)
            }
        }
    }
}

/// The ORT reader behind the registry interface.
public struct ORTModelReader: ModelReading {
    public init() {}
    public func read(path: String) throws(ModelConvError) -> Model {
        do { return try ORTReader().read(path: path) } catch {
            switch error {
            case .unsupported: throw .unsupported(error.description)
            default: throw .input(error.description)
            }
        }
    }
}
