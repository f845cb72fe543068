import ModelIR
import Passes

/// Resource variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, CALL_ONCE) as explicit state.
///
/// A read before any assignment becomes a graph input `state:<name>` whose default (an initializer of
/// the same name) is the value the CALL_ONCE init subgraph assigns; every assigned variable becomes a
/// graph output `state:<name>:next`. One invocation thus matches the TFLite model from its initial state.
enum StateLowerings {
    static let table: [String: Lowering] = [
        "VAR_HANDLE": { ctx, node throws(PassError) in
            guard let out = node.outputs.first else { throw ctx.invalid("VAR_HANDLE has no output") }
            ctx.variables.handles[out] = VariableState.key(node)
        },
        "READ_VARIABLE": { ctx, node throws(PassError) in
            let key = try ctx.variableKey(node.input(0))
            let source: String
            if let current = ctx.variables.current[key] {
                source = current
            } else {
                source = VariableState.inputName(key)
                ctx.variables.read.insert(key)
            }
            ctx.emit("Identity", [source], outputs: [node.outputs[0]])
        },
        "ASSIGN_VARIABLE": { ctx, node throws(PassError) in
            let key = try ctx.variableKey(node.input(0))
            ctx.variables.current[key] = node.input(1)
            if !ctx.variables.assignedOrder.contains(key) { ctx.variables.assignedOrder.append(key) }
        },
        "CALL_ONCE": { ctx, node throws(PassError) in
            // Its init subgraph only sets initial values, which VariableState evaluated up front.
        },
    ]
}

/// Variables of a model: initial values from the CALL_ONCE init subgraphs, and what the main graph does.
public final class VariableState: @unchecked Sendable {
    /// Resource value name → variable key.
    var handles: [String: String] = [:]
    /// Initial value of each variable, by key.
    var initial: [String: Tensor] = [:]
    /// The latest value assigned in the graph being lowered, by key.
    var current: [String: String] = [:]
    /// Variables read before any assignment.
    var read: Set<String> = []
    var assignedOrder: [String] = []
    /// Declared types of variables, by key.
    var types: [String: ValueInfo] = [:]

    static func key(_ varHandle: Node) -> String {
        if case .string(let s)? = varHandle.attribute("shared_name")?.value, !s.isEmpty { return String(decoding: s, as: UTF8.self) }
        return varHandle.outputs.first ?? "variable"
    }

    private init() {}
    static var empty: VariableState { VariableState() }

    /// Value metadata marking state inputs and outputs that the lowering added.
    public static let roleKey = "modelconv.role"

    static func inputName(_ key: String) -> String { "state:\(key)" }
    static func outputName(_ key: String) -> String { "state:\(key):next" }

    /// Evaluates the init subgraphs: every ASSIGN_VARIABLE of a constant there sets an initial value.
    init(model: Model) throws(PassError) {
        for g in model.subgraphs {
            var local: [String: String] = [:]
            let constants = Dictionary(g.initializers.compactMap { t in t.name.map { ($0, t) } }, uniquingKeysWith: { a, _ in a })
            for node in g.nodes where node.normalizedDomain == "tflite" {
                switch node.opType {
                case "VAR_HANDLE": if let out = node.outputs.first { local[out] = Self.key(node) }
                case "ASSIGN_VARIABLE":
                    guard let key = local[node.input(0)] else { continue }
                    guard let value = constants[node.input(1)] else {
                        throw .unsupportedOp(node: node.label, op: node.opType,
                                             reason: "initial values of variables must be constants to be converted")
                    }
                    initial[key] = value
                    types[key] = g.valueInfos.first { $0.name == node.input(1) }
                default: break
                }
            }
        }
    }
}

extension LoweringContext {
    func variableKey(_ resource: String) throws(PassError) -> String {
        guard let key = variables.handles[resource] else { throw unsupported("reads a resource that no VAR_HANDLE created") }
        return key
    }

    /// Adds state inputs (with their initial values as defaults) and next-state outputs to the main graph.
    func finishState(_ g: inout Graph) {
        for key in variables.read.sorted() {
            let name = VariableState.inputName(key)
            if var value = variables.initial[key] {
                value.name = name
                g.initializers.append(value)
                g.inputs.append(ValueInfo(name: name, type: value.valueType, metadata: [MetadataEntry(key: VariableState.roleKey, value: "state")]))
            } else if let info = variables.types[key] {
                g.inputs.append(ValueInfo(name: name, type: info.type, metadata: [MetadataEntry(key: VariableState.roleKey, value: "state")]))
            }
        }
        for key in variables.assignedOrder {
            guard let last = variables.current[key] else { continue }
            let name = VariableState.outputName(key)
            g.nodes.append(Node(name: name, opType: "Identity", inputs: [last], outputs: [name]))
            let type = infos[last]?.type ?? variables.initial[key]?.valueType
            g.outputs.append(ValueInfo(name: name, type: type, metadata: [MetadataEntry(key: VariableState.roleKey, value: "state")]))
        }
    }

    /// Keeps a node that is already in ONNX semantics.
    func keep(_ node: Node) {
        appendNode(node)
    }
}
