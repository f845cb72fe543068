import ArgumentParser
import Foundation
import Interpreter
import ModelConvKit
import Validation

/// `modelconv run MODEL`.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model in modelconv's reference interpreter.",
        discussion: """
            Inputs not given with --input/--inputs are generated from the declared types (seeded; \
            floats in [-1, 1], int8/uint8 over their range, other integers in [0, 3]); symbolic dims \
            default to 1 unless fixed with --dim. Prints each output's dtype, shape and leading values; \
            --output writes inputs and outputs to an .npz (keys input:NAME and output:NAME).
            """)

    @Argument(help: "The model file.")
    var model: String

    @OptionGroup var inputs: InputArguments

    @Option(help: "Write inputs and outputs to this .npz file.")
    var output: String?

    @Flag(help: "With --output, also store every intermediate tensor (keys value:NAME), for debugging conversions.")
    var intermediates = false

    @Option(help: "Run this many times and report the time per run (model loading excluded).")
    var `repeat` = 1

    @Flag(help: "Report the time spent in each op type (self time, summed over all runs; with --repeat, per run).")
    var profile = false

    @Flag(help: "Print a JSON summary.")
    var json = false

    func run() throws {
        let options = try inputs.options()
        try runReportingErrors { () throws(ModelConvError) in
            let result = try ModelConverter().run(path: model, inputs: options, keepIntermediates: intermediates && output != nil,
                                                  repeat: `repeat`, profile: profile)
            if let output {
                let arrays = result.inputs.sorted { $0.key < $1.key }.map { ("input:\($0.key)", $0.value) }
                    + result.outputs.map { ("output:\($0.name)", $0.value) }
                    + result.intermediates.map { ("value:\($0.name)", $0.value) }
                do throws(NPYFormat.Failure) { try NPZArchive.write(arrays, to: output) } catch { throw .input(error.description) }
            }
            let best = result.seconds.min() ?? 0
            let mean = result.seconds.reduce(0, +) / Double(max(result.seconds.count, 1))
            if json {
                let items = result.outputs.map { "{\"name\": \"\($0.name)\", \"dtype\": \"\($0.value.dataType.name)\", \"shape\": \($0.value.shape)}" }
                let ops = result.profile.map { "{\"op\": \"\($0.op)\", \"calls\": \($0.calls), \"seconds\": \($0.seconds)}" }
                let profiled = profile ? ", \"profile\": [\(ops.joined(separator: ", "))]" : ""
                FileHandleWriter.writeStdout("{\"outputs\": [\(items.joined(separator: ", "))], \"runs\": \(result.seconds.count), \"best_seconds\": \(best), \"mean_seconds\": \(mean)\(profiled)}\n")
            } else {
                if `repeat` > 1 {
                    FileHandleWriter.writeStdout(String(format: "%d runs: best %.4f s, mean %.4f s\n", result.seconds.count, best, mean))
                }
                if profile { printProfile(result.profile, runs: result.seconds.count) }
                for (name, value) in result.outputs {
                    let head = value.doubles.prefix(8).map { String(format: "%g", $0) }.joined(separator: ", ")
                    FileHandleWriter.writeStdout("\(name): \(value.dataType.name)\(value.shape) [\(head)\(value.count > 8 ? ", …" : "")]\n")
                }
            }
        }
    }

    /// Prints the op-time table: per op type, calls and time per run, the most expensive first.
    private func printProfile(_ entries: [OpProfile.Entry], runs: Int) {
        let total = entries.reduce(0) { $0 + $1.seconds }
        let n = Double(max(runs, 1))
        let width = max(entries.map(\.op.count).max() ?? 2, 2)
        FileHandleWriter.writeStdout("\("op".padding(toLength: width, withPad: " ", startingAt: 0))  calls/run  µs/run   share\n")
        for e in entries {
            let share = total > 0 ? 100 * e.seconds / total : 0
            FileHandleWriter.writeStdout(String(format: "%@  %9.1f  %8.1f  %5.1f%%\n", e.op.padding(toLength: width, withPad: " ", startingAt: 0),
                                                Double(e.calls) / n, e.seconds * 1e6 / n, share))
        }
    }
}
