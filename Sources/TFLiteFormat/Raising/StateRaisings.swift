import ModelIR
import Passes

/// Streaming state back to TFLite resource variables (the inverse of `StateLowerings`).
///
/// The TFLite lowering turns a variable into a state input `state:<key>` whose default (an
/// initializer of the same name) is its initial value, and a state output `state:<key>:next`, both
/// marked `modelconv.role = state` (`VariableState.roleKey`). The raising makes them a VAR_HANDLE per
/// variable, a READ_VARIABLE before the graph's ops, an ASSIGN_VARIABLE after them, and a CALL_ONCE
/// of an init subgraph that assigns the initial values: the first invocation computes what the ONNX
/// model computes with its default state, later ones continue from the state the previous one left.
///
/// The role is a hint checked against the graph: a state input counts only with its default and a
/// TFLite element type, its output only when they agree in element type and fixed shape (an output
/// without its input has no reader and stays an output). Inputs and outputs that fail the checks
/// stay as they are (a defaulted input folds as a constant, as any initializer-backed input does).
enum StateRaisings {
    /// One variable of the raised model.
    struct Variable: Equatable {
        var key: String
        /// The state input read at the start, and its initial value (its default).
        var input: String
        var initial: Tensor
        /// The next-state output assigned at the end (none: the variable is only read).
        var output: String?
    }

    static let inputPrefix = "state:"
    static let outputSuffix = ":next"

    // MARK: Finding the variables

    /// The variables of `g`, in the order of the state inputs.
    static func variables(in g: Graph) -> [Variable] {
        func isState(_ v: ValueInfo) -> Bool { v.metadata(VariableState.roleKey) == "state" }
        func fixedDims(_ v: ValueInfo) -> [Int64]? {
            guard let shape = v.type?.tensorType?.shape else { return nil }
            let dims = shape.compactMap(\.fixedValue)
            return dims.count == shape.count ? dims : nil
        }
        let initializers = Dictionary(g.initializers.compactMap { t in t.name.map { ($0, t) } }, uniquingKeysWith: { a, _ in a })
        var found: [Variable] = []
        for v in g.inputs where isState(v) && v.name.hasPrefix(inputPrefix) {
            guard let t = initializers[v.name], v.type?.tensorType?.elementType == t.dataType, fixedDims(v) == t.dims,
                  TFLiteTypes.tensorType(t.dataType) != nil else { continue }
            found.append(Variable(key: String(v.name.dropFirst(inputPrefix.count)), input: v.name, initial: t, output: nil))
        }
        for v in g.outputs where isState(v) && v.name.hasPrefix(inputPrefix) && v.name.hasSuffix(outputSuffix) {
            let key = String(v.name.dropFirst(inputPrefix.count).dropLast(outputSuffix.count))
            guard !key.isEmpty, let type = v.type?.tensorType?.elementType, TFLiteTypes.tensorType(type) != nil, let dims = fixedDims(v) else { continue }
            // An output without its state input stays an output: nothing would read what it assigns.
            guard let i = found.firstIndex(where: { $0.key == key }) else { continue }
            guard found[i].initial.dataType == type, found[i].initial.dims == dims else {
                found.remove(at: i)  // a pair that disagrees stays plain input and output
                continue
            }
            found[i].output = v.name
        }
        return found
    }

    /// Names of the state inputs of `variables` (read from a variable, not given or folded).
    static func reads(_ variables: [Variable]) -> Set<String> { Set(variables.map(\.input)) }

    /// Names of the state outputs of `variables` (assigned to a variable, not graph outputs).
    static func writes(_ variables: [Variable]) -> Set<String> { Set(variables.compactMap(\.output)) }

    // MARK: Main graph

    /// Emits CALL_ONCE (when there are variables), a VAR_HANDLE per variable and a
    /// READ_VARIABLE per state input, which becomes the value of that input. Returns the handles by key.
    static func emitReads(_ variables: [Variable], _ ctx: RaisingContext) -> [String: String] {
        ctx.current = Node(name: "state", opType: "state", inputs: [], outputs: [])
        guard !variables.isEmpty else { return [:] }
        ctx.emit("CALL_ONCE", [], [], options: "CallOnceOptions", ["init_subgraph_index": .int(1)])
        var handles: [String: String] = [:]
        for v in variables {
            let handle = ctx.fresh(v.key)
            ctx.valueInfos.append(resource(handle))
            ctx.emit("VAR_HANDLE", [], [handle], options: "VarHandleOptions", varHandleFields(v.key))
            handles[v.key] = handle
        }
        for v in variables {
            guard let handle = handles[v.key] else { continue }
            let (input, t) = (v.input, v.initial)
            let value = ctx.fresh(input)
            ctx.declare(value, t.dims, t.dataType)
            ctx.emit("READ_VARIABLE", [handle], [value])
            ctx.bind(input, RaisedValue(name: value, shape: t.dims, type: t.dataType, perm: Layout.identity(t.dims.count)))
        }
        return handles
    }

    /// Emits an ASSIGN_VARIABLE of each state output's value (semantic layout) to its variable.
    static func emitAssignments(_ variables: [Variable], handles: [String: String], _ ctx: RaisingContext) throws(PassError) {
        for v in variables {
            guard let output = v.output, let handle = handles[v.key] else { continue }
            ctx.current = Node(name: output, opType: "output", inputs: [output], outputs: [output])
            let value = try ctx.value(output)
            ctx.emit("ASSIGN_VARIABLE", [handle, try ctx.plain(value)], [])
        }
    }

    /// Puts the quantization a DequantizeLinear gave a state input on its READ_VARIABLE output.
    static func quantizeReads(_ variables: [Variable], _ ctx: RaisingContext) {
        for input in reads(variables) {
            guard let q = ctx.inputQuantization[input], let value = ctx.values[input]?.name else { continue }
            ctx.setQuantization(value, q)
        }
    }

    // MARK: Init subgraph

    /// The subgraph CALL_ONCE runs: a VAR_HANDLE and an ASSIGN_VARIABLE of the initial value per
    /// variable (with the quantization its READ_VARIABLE output has), or nil without variables.
    static func initGraph(_ variables: [Variable], quantization: [String: QuantParams]) -> Graph? {
        var names = UniqueNames(taken: [])
        var nodes: [Node] = [], initializers: [Tensor] = [], infos: [ValueInfo] = []
        for v in variables {
            var t = v.initial
            let input = v.input
            let handle = names.make(v.key), value = names.make(v.key + "/initial")
            t.name = value
            initializers.append(t)
            infos.append(resource(handle))
            infos.append(ValueInfo(name: value, type: ValueType(.tensor(TensorType(elementType: t.dataType, shape: t.dims.map { .fixed($0) }))),
                                   quantization: quantization[input]))
            var fields = varHandleFields(v.key).map { Attribute(name: $0.key, value: $0.value) }
            fields.sort { $0.name < $1.name }
            nodes.append(Node(name: "VAR_HANDLE_" + handle, opType: "VAR_HANDLE", domain: TFLiteDialect.domain, inputs: [], outputs: [handle],
                              attributes: [version, Attribute(name: TFLiteDialect.optionsAttribute, value: .string(Array("VarHandleOptions".utf8)))] + fields))
            nodes.append(Node(name: "ASSIGN_VARIABLE_" + handle, opType: "ASSIGN_VARIABLE", domain: TFLiteDialect.domain,
                              inputs: [handle, value], outputs: [], attributes: [version]))
        }
        guard !nodes.isEmpty else { return nil }
        return Graph(name: "init_variables", inputs: [], outputs: [], valueInfos: infos, initializers: initializers, nodes: nodes)
    }

    // MARK: Pieces

    private static let version = Attribute(name: TFLiteDialect.versionAttribute, value: .int(1))

    /// VAR_HANDLE's options: the variable is shared by its key.
    private static func varHandleFields(_ key: String) -> [String: Attribute.Value] {
        ["container": .string([]), "shared_name": .string(Array(key.utf8))]
    }

    /// The value info of a resource handle.
    private static func resource(_ name: String) -> ValueInfo {
        ValueInfo(name: name, type: ValueType(.opaque(domain: TFLiteDialect.domain, name: "resource")))
    }
}
