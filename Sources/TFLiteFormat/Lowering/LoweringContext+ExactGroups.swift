import ModelIR

/// Records what each exact integer group stands for, so that ONNX → TFLite can raise it back to
/// the original int8 operator (see `ExactGroupRecord`).
extension LoweringContext {
    /// After an exact lowering of `node` emitted the nodes from index `first` on: the record as
    /// metadata of the node writing the output, and quantization annotations of the int8/int32
    /// tensors it reads and writes. Records nothing for a node whose options or constants have no
    /// text form (its group then stays integer ONNX ops that the raising refuses).
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
        let record = ExactGroupRecord(op: node.opType, attributes: node.attributes, inputs: inputs)
        guard let entries = record.metadata, addMetadata(entries, toProducerOf: out) else { return }
        for case .value(let name) in inputs {
            if let q = quantization(name), let type = dataType(name) { annotate(name, q, dataType: type) }
        }
        if let q = quantization(out), let type = dataType(out) { annotate(out, q, dataType: type) }
    }
}
