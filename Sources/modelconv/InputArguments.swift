import ArgumentParser
import ModelConvKit

/// Options shared by `run` and `validate` for choosing inputs.
struct InputArguments: ParsableArguments {
    @Option(name: .customLong("input"), help: ArgumentHelp("An input as NAME=FILE (.npy or ONNX TensorProto .pb); repeatable.", valueName: "name=file"))
    var inputFiles: [String] = []

    @Option(name: .customLong("inputs"), help: ArgumentHelp("An .npz archive with the inputs (keys NAME or input:NAME).", valueName: "file.npz"))
    var archive: String?

    @Option(name: .customLong("dim"), help: ArgumentHelp("A value for a symbolic dim of generated inputs, NAME=VALUE; repeatable.", valueName: "name=value"))
    var dims: [String] = []

    @Option(help: "Seed for generated inputs (inputs not given are generated deterministically).")
    var seed: UInt64 = 0

    /// The parsed options, or a usage error naming the bad argument.
    func options() throws -> InputOptions {
        var files: [String: String] = [:]
        for item in inputFiles {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ValidationError("--input expects NAME=FILE, got '\(item)'")
            }
            files[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        var dimValues: [String: Int] = [:]
        for item in dims {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let v = Int(parts[1]), v >= 0 else {
                throw ValidationError("--dim expects NAME=VALUE with a non-negative integer, got '\(item)'")
            }
            dimValues[String(parts[0])] = v
        }
        return InputOptions(files: files, archive: archive, dims: dimValues, seed: seed)
    }
}
