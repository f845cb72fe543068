import ModelIR

/// Records what each exact integer group stands for, so that ONNX → TFLite can raise it back to
/// the original int8 operator (see `ExactGroupRecord`).
extension LoweringContext {
    /// After an exact lowering of `node` emitted the nodes from index `first` on: the record
    /// (operator, options, inputs, quantization of its int8/int32 tensors) as metadata of the node
    /// writing the output. Records nothing for a node whose options or constants have no text
    /// form (its group then stays integer ONNX ops that the raising refuses).
    func recordExactGroup(_ node: Node, firstNode first: Int) {
        guard let out = node.outputs.first, node.outputs.count == 1 else { return }
        let read = Set(nodes(from: first).flatMap(\.inputs))
        var inputs: [ExactGroupRecord.Input] = []
        for name in node.inputs {
            if name.isEmpty {
                inputs.append(.absent)
            } else if read.contains(name) {
                inputs.append(.value(name))
            } else if let t = constants[name] {
                inputs.append(.constant(t))
            } else {
                return
            }
        }
        var record = ExactGroupRecord(op: node.opType, attributes: node.attributes, inputs: inputs)
        for (i, input) in inputs.enumerated() {
            if case .value(let name) = input, let q = quantization(name) { record.inputQuantization[i] = q }
        }
        record.outputQuantization = quantization(out)
        guard let entries = record.metadata else { return }
        _ = addMetadata(entries, toProducerOf: out)
    }
}
