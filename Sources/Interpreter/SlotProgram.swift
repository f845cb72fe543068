import ModelIR

/// Prepared steps with every value name replaced by an index into one array of values.
///
/// A run that keeps no intermediates, of a graph without subgraphs, never needs a value by name:
/// nothing but the steps reads them. Indexing an array instead of hashing names into a dictionary
/// for every input, output and release is most of what a small op costs the interpreter.
struct SlotProgram: Sendable {
    /// One step with its value slots.
    struct Instruction: Sendable {
        let step: PreparedGraph.Step
        /// A slot per input; -1 for an omitted optional input.
        let inputs: [Int]
        /// A slot per output; -1 for an omitted output.
        let outputs: [Int]
        /// Slots no later step reads (and that are not graph outputs).
        let releases: [Int]
    }

    let instructions: [Instruction]
    /// The values before a run: constants in their slots, nil elsewhere.
    let initial: [RuntimeValue?]
    /// Graph inputs and their slots.
    let inputs: [(name: String, slot: Int)]
    /// Graph outputs and their slots.
    let outputs: [(name: String, slot: Int)]
    /// The value name of every slot (for error messages).
    let names: [String]

    /// The program of `steps` (folded steps are left out: their outputs are constants).
    init(steps: [PreparedGraph.Step], graph: Graph, constants: [String: RuntimeValue]) {
        var slots: [String: Int] = [:], names: [String] = []
        func slot(_ name: String) -> Int {
            if name.isEmpty { return -1 }
            if let s = slots[name] { return s }
            slots[name] = names.count
            names.append(name)
            return names.count - 1
        }
        let inputs = graph.inputs.map { ($0.name, slot($0.name)) }
        var instructions: [Instruction] = []
        for step in steps where !step.isFolded {
            instructions.append(Instruction(step: step, inputs: step.node.inputs.map(slot), outputs: step.node.outputs.map(slot),
                                            releases: step.releases.map(slot)))
        }
        let outputs = graph.outputs.map { ($0.name, slot($0.name)) }
        var initial = [RuntimeValue?](repeating: nil, count: names.count)
        for (name, s) in slots { initial[s] = constants[name] }
        self.instructions = instructions
        self.initial = initial
        self.inputs = inputs
        self.outputs = outputs
        self.names = names
    }

    /// Whether `model`'s main graph may run as a slot program: no subgraph reads values by name.
    static func applies(to model: Model) -> Bool {
        model.subgraphs.isEmpty && model.graph.nestedGraphs.isEmpty
    }
}
