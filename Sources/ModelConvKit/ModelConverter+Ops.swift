import ModelIR
import TFLiteFormat

extension ModelConverter {
    /// What `ops --target T` reports: the supported source ops, or a model's nodes that cannot be converted.
    public struct OpsReport: Sendable {
        public var target: ModelFormat
        /// Supported source ops (without a model).
        public var supported: [String]
        /// Nodes of the given model that cannot be converted, with the reason.
        public var blockers: [String]
    }

    /// The op coverage for converting to `target`, optionally checked against the model at `path`.
    public func ops(target: ModelFormat, model path: String?) throws(ModelConvError) -> OpsReport {
        switch target {
        case .onnx:
            var report = OpsReport(target: target, supported: TFLiteLowering.supportedOps, blockers: [])
            if let path {
                let (model, format) = try read(path: path)
                report.blockers = ConversionPlan(source: format, target: .onnx, opset: 17).preflight(model)
            }
            return report
        case .tflite:
            var report = OpsReport(target: target, supported: TFLiteRaising.supportedOps, blockers: [])
            if let path {
                let (model, format) = try read(path: path)
                guard format == .onnx else { throw .unsupported("ops --target tflite checks ONNX models; \(path) is .\(format.rawValue)") }
                report.blockers = ConversionPlan(source: format, target: .tflite, opset: 17).preflight(model)
            }
            return report
        default:
            throw .unsupported("converting to .\(target.rawValue) is not supported by this build yet")
        }
    }
}
