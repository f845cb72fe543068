import ArgumentParser
import ModelConvKit
import ONNXFormat

/// `modelconv convert IN OUT`.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a model to the format named by the output's extension.",
        discussion: """
            The source is read into modelconv's IR, written in the target format (to a temporary \
            file renamed into place), then read back and compared with the source. The input is \
            never modified, and an output path naming the input is refused.

            Formats: .onnx, .tflite and .ort, in any pair. .tflite -> .onnx/.ort: TFLite ops lowered \
            to ONNX ops, NHWC kept at the boundary, int8 ops as exact integer ONNX ops or QDQ (see \
            --int8). .onnx -> .tflite: NHWC inside, NCHW inputs/outputs unless --nhwc-io, QDQ models \
            as int8 ops; dynamic input dims stay dynamic (-1 in shape_signature) when the graph runs at \
            any size, else they are fixed to the validation inputs' shapes (see --dim, --fix-dims and --inputs). .onnx <-> .ort: onnxruntime's contrib ops are rewritten to standard ops. A cross-format \
            conversion is validated: source and result run in the reference interpreter on the same \
            inputs (generated, or --input/--inputs) and must agree; exit code 3 when they do not.
            """)

    @Argument(help: "The model to convert (.onnx).")
    var input: String

    @Argument(help: "Where to write the result; its extension picks the format.")
    var output: String

    @Flag(help: "Store initializers of at least --external-data-threshold bytes in '<output>.data' next to the model.")
    var externalData = false

    @Option(help: "Size in bytes from which an initializer goes to external data.")
    var externalDataThreshold = 1024

    @Option(help: "ONNX opset of the result when converting to ONNX (13-21).")
    var opset = 17

    @Flag(help: "Converting to .tflite: make rank-4 inputs and outputs NHWC (no boundary transposes).")
    var nhwcIo = false

    @Flag(help: "Converting to .tflite: fix every dynamic input dim to the validation inputs' shapes (no -1 in shape_signature).")
    var fixDims = false

    @Flag(help: "Converting to .tflite: store float32 weights as float16 expanded by DEQUANTIZE (float32 compute).")
    var float16 = false

    @Option(help: ArgumentHelp("Converting from .tflite: how int8 ops become ONNX ops (exact or qdq).", discussion: """
        exact (default): convolutions, fully connected, add/sub, average pool and mean become integer \
        ONNX ops (ConvInteger, MatMulInteger, int64 arithmetic) that reproduce TFLite's fixed-point \
        rounding bit for bit; other int8 ops are QDQ. qdq: every int8 op is DequantizeLinear -> float op \
        -> QuantizeLinear, which onnxruntime runs on its faster int8 kernels but rounds in float, so \
        outputs can move by a quantization step per layer (the validation reports it).
        """))
    var int8: Int8Form = .exact

    @Flag(help: "Skip the numeric validation of the result.")
    var noValidate = false

    @Option(help: "Allowed distance of quantized outputs in the validation, in quantization steps.")
    var steps: Double = 1

    @OptionGroup var inputs: InputArguments

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let inputOptions = try inputs.options()
        try runReportingErrors { () throws(ModelConvError) in
            let writeOptions = ONNXWriteOptions(externalData: externalData, externalDataThreshold: externalDataThreshold)
            let converter = ModelConverter(registry: .standard(onnxWrite: writeOptions))
            var options = ConvertOptions(opset: opset, validate: !noValidate, inputs: inputOptions, nhwcIO: nhwcIo)
            options.quantizedSteps = steps
            options.float16 = float16
            options.int8Form = int8
            options.keepDynamicDims = !fixDims
            let report = try converter.convert(input: input, output: output, options: options)
            FileHandleWriter.writeStdout(json ? report.renderJSON() : report.renderText())
        }
    }
}

extension Int8Form: ExpressibleByArgument {}
