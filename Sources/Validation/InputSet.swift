import Foundation
import Interpreter
import ModelIR
import ONNXFormat

/// Loads the inputs of a run from files (`.npy`, `.npz`, ONNX `TensorProto` `.pb`) or generates them.
public enum InputSet {
    /// The model's real inputs: graph inputs that no initializer provides.
    public static func graphInputs(of model: Model) -> [ValueInfo] {
        let initializers = Set(model.graph.initializers.compactMap(\.name))
        return model.graph.inputs.filter { !initializers.contains($0.name) }
    }

    /// Reads one array file.
    public static func readArray(path: String) throws(ValidationError) -> NDArray {
        if path.hasSuffix(".pb") {
            do { return try NDArray(tensor: try ONNXReader().readTensorFile(path: path)) } catch {
                throw .input("\(path): \(error)")
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .input("\(path): cannot read file") }
        do { return try NPYFormat.read(data, label: path) } catch { throw .input(error.description) }
    }

    /// Reads an `.npz`; keys may be plain input names or the corpus's `input:<name>`.
    public static func readArchive(path: String) throws(ValidationError) -> [String: NDArray] {
        do { return try NPZArchive.read(path: path) } catch { throw .input(error.description) }
    }

    /// Inputs for `model`: `given` (by name) first, then arrays of `archive` (`input:<name>` or `<name>`), else generated.
    public static func resolve(
        for model: Model, given: [String: NDArray], archive: [String: NDArray], generator: InputGenerator
    ) throws(ValidationError) -> [String: NDArray] {
        var out: [String: NDArray] = [:]
        for (i, info) in graphInputs(of: model).enumerated() {
            if let v = given[info.name] ?? archive["input:\(info.name)"] ?? archive[info.name] {
                out[info.name] = v
            } else {
                out[info.name] = try generator.make(info, index: i)
            }
        }
        let unknown = given.keys.filter { name in !model.graph.inputs.contains { $0.name == name } }
        if let name = unknown.sorted().first {
            let names = graphInputs(of: model).map(\.name).joined(separator: ", ")
            throw .input("the model has no input '\(name)' (its inputs: \(names))")
        }
        return out
    }
}
