import Foundation
import Interpreter
import ModelIR
import ONNXFormat

/// One ONNX backend test folder: `model.onnx` plus `test_data_set_*/input_*.pb` and `output_*.pb`.
struct NodeTestCase {
    let folder: URL

    /// nil when every data set matches; otherwise why not.
    func run() -> String? {
        do {
            let model = try ONNXReader().read(path: folder.appendingPathComponent("model.onnx").path)
            let sets = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasPrefix("test_data_set_") }.sorted()
            guard !sets.isEmpty else { return "no test data sets" }
            for set in sets {
                if let why = try runSet(model: model, folder: folder.appendingPathComponent(set)) { return "\(set): \(why)" }
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func runSet(model: Model, folder: URL) throws -> String? {
        let initializerNames = Set(model.graph.initializers.compactMap(\.name))
        let graphInputs = model.graph.inputs.filter { !initializerNames.contains($0.name) }
        var inputs: [String: RuntimeValue] = [:]
        for (i, info) in graphInputs.enumerated() {
            let path = folder.appendingPathComponent("input_\(i).pb").path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            if case .tensor? = info.type?.kind {} else if info.type != nil { return "non-tensor input '\(info.name)' (\(info.type!)) is not supported by the harness" }
            inputs[info.name] = .tensor(Self.declared(try NDArray(tensor: try ONNXReader().readTensorFile(path: path)), info))
        }
        let result = try Interpreter(model: model).run(inputs: inputs)
        for (i, info) in model.graph.outputs.enumerated() {
            let path = folder.appendingPathComponent("output_\(i).pb").path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            if case .tensor? = info.type?.kind {} else if info.type != nil { return "non-tensor output '\(info.name)' is not supported by the harness" }
            let expected = Self.declared(try NDArray(tensor: try ONNXReader().readTensorFile(path: path)), info)
            guard let actual = result.output(info.name)?.tensor else { return "output '\(info.name)' missing or not a tensor" }
            if let why = TensorComparison.mismatch(actual: actual, expected: expected, rtol: 1e-3, atol: 1e-7) {
                return "output '\(info.name)': \(why)"
            }
        }
        return nil
    }

    /// The ONNX 1.12 test data stores bfloat16 tensors as uint16 bit patterns: read them as the
    /// bfloat16 the graph declares.
    static func declared(_ array: NDArray, _ info: ValueInfo) -> NDArray {
        guard info.type?.tensorType?.elementType == .bfloat16, case .uint16(let bits) = array.storage else { return array }
        return NDArray(dataType: .bfloat16, shape: array.shape, storage: .bfloat16(bits))
    }
}
