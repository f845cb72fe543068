import ModelIR

/// What the TFLite → ONNX lowering records on the ONNX nodes it makes, so that the ONNX → TFLite
/// raising can give back the source's form where the ONNX graph alone cannot tell (issue 8).
///
/// Entries are node metadata (ONNX `NodeProto.metadata_props`, which onnxruntime ignores). They are
/// hints about *form*, never about maths: the raising uses one only after checking that the node
/// computes what the recorded TFLite operator computes, and falls back to its default form
/// (fused activation, builtin operator) otherwise. ONNX files from elsewhere carry none and are
/// raised as before.
public enum TFLiteProvenance {
    /// Node metadata key: the TFLite operator the node was lowered from, where its ONNX form is
    /// ambiguous: a standalone `RELU`/`RELU6`/`RELU_N1_TO_1` (a fused activation lowers to the same
    /// Relu/Clip), `SPLIT_V` (equal parts would come back as SPLIT), `SHAPE` (of a dynamic dim it is
    /// computed at run time again rather than folded), or `CUSTOM:<code>` for a custom operator
    /// lowered to standard ops.
    public static let operatorKey = "modelconv.tflite.op"
    /// Node metadata key: a custom operator's options bytes, base64.
    public static let customOptionsKey = "modelconv.tflite.custom_options"

    /// Whether `node` carries provenance entries (written by this lowering).
    public static func isRecorded(on node: Node) -> Bool {
        node.metadata.contains { $0.key.hasPrefix(prefix) }
    }

    /// The common prefix of the keys.
    public static let prefix = "modelconv.tflite."

    // MARK: Reading

    /// The TFLite operator recorded on `node`, if any.
    static func sourceOperator(of node: Node) -> String? {
        node.metadata.first { $0.key == operatorKey }?.value
    }

    /// Whether `node` was lowered from the standalone TFLite activation `op` (RELU, RELU6,
    /// RELU_N1_TO_1) rather than from a fused activation.
    static func isStandalone(_ node: Node, activation op: String) -> Bool {
        sourceOperator(of: node) == op
    }

    /// The custom operator code recorded on `node` (`CUSTOM:<code>` → `<code>`).
    static func customCode(of node: Node) -> String? {
        guard let op = sourceOperator(of: node), op.hasPrefix("CUSTOM:") else { return nil }
        return String(op.dropFirst("CUSTOM:".count))
    }

    /// The custom options recorded on `node`, decoded; nil when absent or not valid base64.
    static func customOptions(of node: Node) -> [UInt8]? {
        node.metadata.first { $0.key == customOptionsKey }.flatMap { Base64.decode($0.value) }
    }

    // MARK: Writing

    /// The entries for a node lowered from TFLite operator `op` (custom ops as `CUSTOM:<code>`).
    static func entries(operator op: String, customOptions: [UInt8]? = nil) -> [MetadataEntry] {
        var out = [MetadataEntry(key: operatorKey, value: op)]
        if let customOptions { out.append(MetadataEntry(key: customOptionsKey, value: Base64.encode(customOptions))) }
        return out
    }
}
