import ModelIR

/// Prepared steps with every value name replaced by an index into one array of values.
///
/// A run that keeps no intermediates needs a value by name only where a subgraph reads it: those
/// are handed to the subgraph's scope when its node runs (`captures`). Indexing an array instead
/// of hashing names into a dictionary for every input, output and release is much of what a small
/// op costs the interpreter.
struct SlotProgram: Sendable {
    /// One step with its value slots (a class: a run walks them without copying their arrays).
    final class Instruction: Sendable {
        /// The node and what its kernel calls share.
        let site: KernelCall.Site
        /// The node's kernel; nil when a model-local function implements it.
        let kernel: Kernel?
        /// Whether output 0 is rounded to float16 after the kernel (`HalfPromotion`).
        let roundsToHalf: Bool
        /// A slot per input; -1 for an omitted optional input.
        let inputs: [Int]
        /// A slot per output; -1 for an omitted output.
        let outputs: [Int]
        /// Slots no later step reads (and that are not graph outputs).
        let releases: [Int]
        /// Whether the step's node holds subgraphs.
        let hasSubgraphs: Bool
        /// For a step with subgraphs: the values of this graph they may read by name.
        let captures: [(name: String, slot: Int)]

        init(step: PreparedGraph.Step, inputs: [Int], outputs: [Int], releases: [Int], hasSubgraphs: Bool,
             captures: [(name: String, slot: Int)]) {
            (self.site, self.kernel, self.roundsToHalf) = (step.site, step.kernel, step.roundsToHalf)
            (self.inputs, self.outputs, self.releases) = (inputs, outputs, releases)
            (self.hasSubgraphs, self.captures) = (hasSubgraphs, captures)
        }
    }

    let instructions: [Instruction]
    /// The values before a run: constants in their slots, nil elsewhere.
    let initial: [RuntimeValue?]
    /// Graph inputs and their slots.
    let inputs: [(name: String, slot: Int)]
    /// Graph outputs and their slots.
    let outputs: [(name: String, slot: Int)]
    /// Values read but neither computed here nor constant: an enclosing graph's, looked up by name
    /// when the program starts (a subgraph's).
    let free: [(name: String, slot: Int)]
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
        var produced = Set(graph.inputs.map(\.name))
        for step in steps { for name in step.node.outputs { produced.insert(name) } }
        var instructions: [Instruction] = []
        for step in steps where !step.isFolded {
            let hasSubgraphs = step.node.attributes.contains { !$0.subgraphs.isEmpty }
            let read = Set(PreparedGraph.subgraphReads(step.node))
            // Names this graph knows (its own values and constants); others belong to enclosing graphs.
            let captures = read.sorted().compactMap { name -> (String, Int)? in
                slots[name] != nil || produced.contains(name) || constants[name] != nil ? (name, slot(name)) : nil
            }
            instructions.append(Instruction(step: step, inputs: step.node.inputs.map(slot), outputs: step.node.outputs.map(slot),
                                            releases: step.releases.map(slot), hasSubgraphs: hasSubgraphs, captures: captures))
        }
        let outputs = graph.outputs.map { ($0.name, slot($0.name)) }
        var initial = [RuntimeValue?](repeating: nil, count: names.count)
        for (name, s) in slots { initial[s] = constants[name] }
        self.instructions = instructions
        self.initial = initial
        self.inputs = inputs
        self.outputs = outputs
        self.free = slots.filter { !produced.contains($0.key) && constants[$0.key] == nil }.map { ($0.key, $0.value) }
        self.names = names
    }

    /// Whether `model`'s graphs may run as slot programs: no graph is called by index (TFLite
    /// subgraphs, whose kernels keep their own conventions).
    static func applies(to model: Model) -> Bool { model.subgraphs.isEmpty }
}
