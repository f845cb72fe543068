import ArgumentParser
import ModelConvKit

/// `modelconv validate A [B]`.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check numerically that two models compute the same thing, or that a model matches stored outputs.",
        discussion: """
            With two models, both run in the reference interpreter on the same inputs and each output \
            is compared under a tolerance tier chosen by its dtype: float32 (atol 1e-4 + rtol 1e-4), \
            float16 (1e-3), quantized integers (at most --steps quantization steps), exact otherwise. \
            When an output fails, the intermediates both models compute (matched by name, NCHW/NHWC \
            aware) are compared and the first diverging node is named.
            With --reference, MODEL runs on the archive's input:NAME arrays and is compared with its \
            output:NAME arrays (the corpus .npz layout).
            Exit code 0 when every output passes, 3 when one does not.
            """)

    @Argument(help: "The reference model (or the model to check with --reference).")
    var model: String

    @Argument(help: "The candidate model, e.g. a converted copy.")
    var candidate: String?

    @Option(help: "An .npz with input:NAME and output:NAME arrays to compare MODEL against.")
    var reference: String?

    @Option(help: "Which stored outputs --reference compares against: the key prefix (output, output_builtin_ref, …).")
    var referencePrefix = "output"

    @Option(help: "Allowed distance of quantized integer outputs, in quantization steps.")
    var steps: Double = 1

    @OptionGroup var inputs: InputArguments

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if candidate == nil && reference == nil {
            throw ValidationError("give a candidate model or --reference FILE.npz")
        }
        if candidate != nil && reference != nil {
            throw ValidationError("give either a candidate model or --reference, not both")
        }
    }

    func run() throws {
        let options = try inputs.options()
        try runReportingErrors { () throws(ModelConvError) in
            let converter = ModelConverter()
            let report = if let candidate {
                try converter.validate(reference: model, candidate: candidate, inputs: options, quantizedSteps: steps)
            } else {
                try converter.validate(model: model, referenceArchive: reference!, referencePrefix: referencePrefix, inputs: options)
            }
            FileHandleWriter.writeStdout(json ? report.renderJSON() : report.renderText())
            if !report.passed { throw ModelConvError.mismatch("validation failed") }
        }
    }
}
