import ModelIR

/// The op schemas modelconv knows, with their shape rules, one family per file in `Rules/`.
extension OpSchemaSet {
    /// Every schema with a shape rule: the ONNX default domain and the training preview domain.
    public static let standard: OpSchemaSet = OpSchemaSet(
        ElementwiseRules.schemas + ShapeRules.schemas + SliceConcatRules.schemas + GeneratorRules.schemas
            + IndexingRules.schemas + ConvPoolRules.schemas + LinearAlgebraRules.schemas + ReduceRules.schemas
            + RecurrentRules.schemas + ResizeSignalRules.schemas + ControlFlowRules.schemas + SequenceRules.schemas
            + MiscRules.schemas)

    /// The schema for a node's op (domain `ai.onnx` is the default domain).
    public func schema(for node: Node, opset: Int) -> OpSchema? {
        schema(domain: node.normalizedDomain, name: node.opType, opset: opset)
    }
}
