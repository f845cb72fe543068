import ModelIR

/// TFLite resource variables: VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE and CALL_ONCE.
///
/// Variables live in the run's `RunState`, so every run starts from the model's initial state, as
/// a freshly loaded TFLite interpreter does. A handle is an int32 scalar resource id.
enum TFLiteVariableKernels {
    static var table: [String: Kernel] {
        [
            "tflite::VAR_HANDLE": varHandle,
            "tflite::READ_VARIABLE": readVariable,
            "tflite::ASSIGN_VARIABLE": assignVariable,
            "tflite::CALL_ONCE": callOnce,
        ]
    }

    /// The id of the resource named by `container` and `shared_name` (one id per name and run).
    static let varHandle: Kernel = { call throws(InterpreterError) in
        let name = call.string("container", default: "") + "/" + call.string("shared_name", default: "")
        let state = call.state
        let id: Int32
        if let known = state.resourceIds[name] {
            id = known
        } else {
            id = Int32(state.resourceIds.count)
            state.resourceIds[name] = id
        }
        return [.tensor(NDArray(dataType: .int32, shape: [], storage: .int32([id])))]
    }

    /// The state key of the resource whose handle is input `i`.
    static func key(_ call: KernelCall, _ i: Int) throws(InterpreterError) -> String {
        guard let id = try call.tensor(i).scalarInt else { throw call.invalid("input \(i) must be a resource handle") }
        return "tflite.variable:\(id)"
    }

    /// The variable's current value.
    static let readVariable: Kernel = { call throws(InterpreterError) in
        let k = try key(call, 0)
        guard let value = call.state.resources[k] else { throw call.invalid("reads a variable that has not been assigned") }
        return [value]
    }

    /// Stores input 1 as the variable's value.
    static let assignVariable: Kernel = { call throws(InterpreterError) in
        let k = try key(call, 0)
        call.state.resources[k] = .tensor(try call.tensor(1))
        return []
    }

    /// Runs subgraph `init_subgraph_index` the first time in a run.
    static let callOnce: Kernel = { call throws(InterpreterError) in
        let index = call.int("init_subgraph_index", default: -1)
        guard index >= 0, index < call.indexedGraphs.count + 1 else { throw call.invalid("init_subgraph_index \(index) is out of range") }
        let doneKey = "tflite.call_once:\(index)"
        if call.state.done.contains(doneKey) { return [] }
        call.state.done.insert(doneKey)
        // Subgraph 0 is the main graph; `indexedGraphs` holds subgraphs 1, 2, ...
        guard index > 0 else { throw call.invalid("CALL_ONCE cannot run the main graph") }
        _ = try call.runSubgraph(call.indexedGraphs[index - 1], [])
        return []
    }
}
