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

            Supported now: .onnx -> .onnx and .tflite -> .tflite (re-serialization through the IR), \
            .tflite -> .onnx (TFLite ops lowered to ONNX ops, int8 as QuantizeLinear/DequantizeLinear \
            with the same scales and zero points, NHWC kept at the boundary), .onnx -> .tflite (float \
            models; NHWC inside, NCHW inputs/outputs unless --nhwc-io; dynamic input dims are fixed \
            to the validation inputs' shapes, see --dim and --inputs). A cross-format \
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

    @Flag(help: "Converting to .tflite: store float32 weights as float16 expanded by DEQUANTIZE (float32 compute).")
    var float16 = false

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
            let report = try converter.convert(input: input, output: output, options: options)
            FileHandleWriter.writeStdout(json ? report.renderJSON() : report.renderText())
        }
    }
}
