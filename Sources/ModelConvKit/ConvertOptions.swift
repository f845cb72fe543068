/// How `convert` works: target opset, validation after writing, inputs for the validation run.
public struct ConvertOptions: Sendable {
    /// The ONNX opset a TFLite model is converted to (13–21).
    public var opset: Int
    /// Run the source and the written model on the same inputs and compare them.
    public var validate: Bool
    /// Inputs of the validation run (generated when not given).
    public var inputs: InputOptions
    /// Allowed distance of quantized outputs in the validation, in quantization steps.
    public var quantizedSteps: Double = 1
    /// Converting to TFLite: rank-4 inputs and outputs NHWC (no boundary transposes).
    public var nhwcIO: Bool
    /// Converting to TFLite: float16 weights expanded by DEQUANTIZE, float32 compute.
    public var float16 = false
    /// Converting to TFLite: keep dynamic input dims as -1 in `shape_signature` where the graph allows
    /// (else they are fixed to the validation inputs' shapes, as `--dim` fixes named ones).
    public var keepDynamicDims = true
    /// Converting from TFLite: how int8 ops become ONNX ops.
    public var int8Form = Int8Form.exact

    public init(opset: Int = 17, validate: Bool = true, inputs: InputOptions = InputOptions(), nhwcIO: Bool = false) {
        self.opset = opset
        self.validate = validate
        self.inputs = inputs
        self.nhwcIO = nhwcIO
    }
}

/// How int8 TFLite ops become ONNX ops.
public enum Int8Form: String, Sendable, CaseIterable {
    /// Integer ONNX ops (ConvInteger, MatMulInteger, int64 arithmetic) that reproduce TFLite's
    /// fixed-point requantization bit for bit; other int8 ops as QDQ.
    case exact
    /// Every int8 op as DequantizeLinear → float op → QuantizeLinear (onnxruntime fuses these into its
    /// int8 kernels, which requantize in float: one step of rounding difference per layer is possible).
    case qdq
}
