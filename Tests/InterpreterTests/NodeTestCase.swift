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
            inputs[info.name] = try runtimeValue(ONNXReader().readValueFile(path: path, expected: info.type), type: info.type)
        }
        let result = try Interpreter(model: model).run(inputs: inputs)
        for (i, info) in model.graph.outputs.enumerated() {
            let path = folder.appendingPathComponent("output_\(i).pb").path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let expected = try runtimeValue(ONNXReader().readValueFile(path: path, expected: info.type), type: info.type)
            guard let actual = result.output(info.name) else { return "output '\(info.name)' missing" }
            if let why = mismatch(actual: actual, expected: expected) {
                return "output '\(info.name)': \(why)"
            }
        }
        return nil
    }

    // MARK: Non-tensor values

    /// A stored test value as a runtime value; `type` gives the element type of empty sequences.
    private func runtimeValue(_ value: DataValue, type: ValueType?) throws -> RuntimeValue {
        switch value {
        case .tensor(let t):
            return .tensor(Self.declared(try NDArray(tensor: t), type))
        case .optional(let inner):
            var innerType: ValueType? = nil
            if case .optional(let t)? = type?.kind { innerType = t }
            return .optional(try inner.map { try runtimeValue($0, type: innerType) })
        case .sequence(let items):
            var elementType: DataType? = nil
            if case .sequence(let t)? = type?.kind { elementType = t?.tensorType?.elementType }
            var arrays: [NDArray] = []
            for item in items {
                guard case .tensor(let t) = item else { throw HarnessError.unsupported("sequences of non-tensors") }
                arrays.append(try NDArray(tensor: t))
            }
            return .sequence(elementType: elementType ?? arrays.first?.dataType ?? .float, arrays)
        }
    }

    /// nil when `actual` matches `expected` (tensors element-wise with the suite's tolerance).
    private func mismatch(actual: RuntimeValue, expected: RuntimeValue) -> String? {
        switch (actual, expected) {
        case (.tensor(let a), .tensor(let e)):
            return TensorComparison.mismatch(actual: a, expected: e, rtol: 1e-3, atol: 1e-7)
        case (.sequence(_, let a), .sequence(_, let e)):
            guard a.count == e.count else { return "sequence of \(a.count) tensors != expected \(e.count)" }
            for (i, (x, y)) in zip(a, e).enumerated() {
                if let why = TensorComparison.mismatch(actual: x, expected: y, rtol: 1e-3, atol: 1e-7) {
                    return "sequence element \(i): \(why)"
                }
            }
            return nil
        case (.optional(let a), .optional(let e)):
            switch (a, e) {
            case (nil, nil): return nil
            case (let x?, let y?): return mismatch(actual: x, expected: y)
            default: return a == nil ? "optional is empty, expected a value" : "optional has a value, expected none"
            }
        default:
            return "value \(kind(actual)) != expected \(kind(expected))"
        }
    }

    /// The ONNX 1.12 test data stores bfloat16 tensors as uint16 bit patterns: read them as the
    /// bfloat16 the graph declares.
    static func declared(_ array: NDArray, _ type: ValueType?) -> NDArray {
        guard type?.tensorType?.elementType == .bfloat16, case .uint16(let bits) = array.storage else { return array }
        return NDArray(dataType: .bfloat16, shape: array.shape, storage: .bfloat16(bits))
    }

    private func kind(_ v: RuntimeValue) -> String {
        switch v {
        case .tensor: "tensor"
        case .sequence: "sequence"
        case .optional: "optional"
        }
    }
}

/// Test data the harness cannot represent.
enum HarnessError: Error, CustomStringConvertible {
    case unsupported(String)
    var description: String {
        switch self { case .unsupported(let what): "\(what) are not supported by the harness" }
    }

}
