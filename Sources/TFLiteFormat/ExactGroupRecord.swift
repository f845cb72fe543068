import ModelIR

/// What one exact integer group of a lowered model stands for: the int8 TFLite operator whose
/// exact lowering (`IntegerLowerings`) produced it.
///
/// The TFLite → ONNX lowering writes the record as `metadata_props` of the group's last node
/// (the one writing the operator's output): the operator, its options, its inputs and the scales
/// and zero points of the int8/int32 tensors it reads and writes. (Not as ONNX quantization
/// annotations: their scale tensors would be initializers no node reads, which onnxruntime warns
/// about on every load.) The ONNX → TFLite raising reads it back (`ExactGroupRecognition`) and
/// trusts nothing in it: the group must equal what the lowering emits for the recorded operator
/// with those parameters, node for node and constant for constant.
struct ExactGroupRecord: Equatable {
    /// The TFLite builtin (`CONV_2D`, …).
    var op: String
    /// The TFLite node's attributes (`_version`, `_options` and the option fields).
    var attributes: [Attribute]
    /// One entry per TFLite input: a value of the ONNX graph, an inline constant, or absent.
    var inputs: [Input]
    /// Quantization of quantized inputs, by input index (per-channel scales along the
    /// operator's channel axis, see `channelAxis`).
    var inputQuantization: [Int: QuantParams] = [:]
    /// Quantization of the output.
    var outputQuantization: QuantParams?

    /// A TFLite input as the record names it.
    enum Input: Equatable {
        /// Absent optional input.
        case absent
        /// A value of the lowered graph (an activation, weights, a bias).
        case value(String)
        /// A small integer constant the lowered graph does not keep (MEAN's axes).
        case constant(Tensor)
    }

    // MARK: Metadata keys

    static let prefix = "modelconv.tflite.exact."
    static let opKey = prefix + "op"
    static let optionsKey = prefix + "options"
    static func inputKey(_ i: Int) -> String { prefix + "input.\(i)" }
    static func constantKey(_ i: Int) -> String { prefix + "constant.\(i)" }
    static func quantizationKey(_ i: Int) -> String { prefix + "input.\(i).quantization" }
    static let outputQuantizationKey = prefix + "output.quantization"

    /// The axis of per-channel scales of input `i` of `op` (TFLite's quantized dimension).
    static func channelAxis(op: String, input i: Int) -> Int {
        op == "DEPTHWISE_CONV_2D" && i == 1 ? 3 : 0
    }

    // MARK: Encoding

    /// The metadata entries, or nil when an attribute or constant has no text form here.
    var metadata: [MetadataEntry]? {
        var fields: [String] = []
        for a in attributes {
            guard let text = Self.encode(a.value), !a.name.contains("="), !a.name.contains(";") else { return nil }
            fields.append(a.name + "=" + text)
        }
        var out = [MetadataEntry(key: Self.opKey, value: op), MetadataEntry(key: Self.optionsKey, value: fields.joined(separator: ";"))]
        for (i, input) in inputs.enumerated() {
            switch input {
            case .absent: out.append(MetadataEntry(key: Self.inputKey(i), value: ""))
            case .value(let name): out.append(MetadataEntry(key: Self.inputKey(i), value: name))
            case .constant(let t):
                guard let text = Self.encode(t) else { return nil }
                out.append(MetadataEntry(key: Self.constantKey(i), value: text))
            }
        }
        for (i, q) in inputQuantization.sorted(by: { $0.key < $1.key }) {
            out.append(MetadataEntry(key: Self.quantizationKey(i), value: Self.encode(q)))
        }
        if let q = outputQuantization { out.append(MetadataEntry(key: Self.outputQuantizationKey, value: Self.encode(q))) }
        return out
    }

    /// Reads a record from a node's metadata: nil when the node carries none, an error message
    /// when it carries a malformed one.
    static func read(_ metadata: [MetadataEntry]) -> Result<ExactGroupRecord, RecordError>? {
        let entries = Dictionary(metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        guard let op = entries[opKey] else { return nil }
        guard let options = entries[optionsKey] else { return .failure(RecordError("no '\(optionsKey)' entry")) }
        var attributes: [Attribute] = []
        for field in options.split(separator: ";", omittingEmptySubsequences: true) {
            guard let eq = field.firstIndex(of: "="), let value = decode(String(field[field.index(after: eq)...])) else {
                return .failure(RecordError("malformed option '\(field)'"))
            }
            attributes.append(Attribute(name: String(field[..<eq]), value: value))
        }
        var inputs: [Input] = []
        while true {
            let i = inputs.count
            if let name = entries[inputKey(i)] {
                inputs.append(name.isEmpty ? .absent : .value(name))
            } else if let text = entries[constantKey(i)] {
                guard let t = decodeTensor(text) else { return .failure(RecordError("malformed constant input \(i)")) }
                inputs.append(.constant(t))
            } else {
                break
            }
        }
        guard !inputs.isEmpty else { return .failure(RecordError("no inputs recorded")) }
        var record = ExactGroupRecord(op: op, attributes: attributes, inputs: inputs)
        for i in inputs.indices {
            guard let text = entries[quantizationKey(i)] else { continue }
            guard let q = decodeQuantization(text, axis: channelAxis(op: op, input: i)) else {
                return .failure(RecordError("malformed quantization of input \(i)"))
            }
            record.inputQuantization[i] = q
        }
        if let text = entries[outputQuantizationKey] {
            guard let q = decodeQuantization(text, axis: 0) else { return .failure(RecordError("malformed output quantization")) }
            record.outputQuantization = q
        }
        return .success(record)
    }

    /// Why a record cannot be read.
    struct RecordError: Error, Equatable {
        var message: String
        init(_ message: String) { self.message = message }
    }

    // MARK: Values

    /// `i:3`, `f:0.5`, `is:1,2`, `s:text`; nil for other kinds and texts with separators.
    static func encode(_ value: Attribute.Value) -> String? {
        switch value {
        case .int(let v): return "i:\(v)"
        case .float(let v): return "f:\(v)"
        case .ints(let v): return "is:" + v.map(String.init).joined(separator: ",")
        case .string(let bytes):
            guard let s = String(validating: bytes, as: UTF8.self), !s.contains(";") else { return nil }
            return "s:" + s
        default: return nil
        }
    }

    static func decode(_ text: String) -> Attribute.Value? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let kind = text[..<colon], body = String(text[text.index(after: colon)...])
        switch kind {
        case "i": return Int64(body).map { .int($0) }
        case "f": return Float(body).map { .float($0) }
        case "is":
            let parts = body.isEmpty ? [] : body.split(separator: ",", omittingEmptySubsequences: false).map { Int64($0) }
            return parts.contains(nil) ? nil : .ints(parts.compactMap { $0 })
        case "s": return .string(Array(body.utf8))
        default: return nil
        }
    }

    /// `scale 0.5,0.25 zero_point 0,0`: scales as Swift prints a Float (which reads back exactly).
    static func encode(_ q: QuantParams) -> String {
        let zeroPoints = q.zeroPoints.isEmpty ? [Int64](repeating: 0, count: q.scales.count) : q.zeroPoints
        return "scale " + q.scales.map { "\($0)" }.joined(separator: ",") + " zero_point " + zeroPoints.map(String.init).joined(separator: ",")
    }

    static func decodeQuantization(_ text: String, axis: Int) -> QuantParams? {
        let parts = text.split(separator: " ")
        guard parts.count == 4, parts[0] == "scale", parts[2] == "zero_point" else { return nil }
        let scales = parts[1].split(separator: ",").map { Float($0) }
        let zeroPoints = parts[3].split(separator: ",").map { Int64($0) }
        guard !scales.isEmpty, scales.count == zeroPoints.count, !scales.contains(nil), !zeroPoints.contains(nil) else { return nil }
        return QuantParams(scales: scales.compactMap { $0 }, zeroPoints: zeroPoints.compactMap { $0 }, axis: scales.count > 1 ? axis : 0)
    }

    /// `int32 [2] 1,2`: an int32 or int64 tensor as text.
    static func encode(_ t: Tensor) -> String? {
        guard t.dataType == .int32 || t.dataType == .int64, let values = ConstantData.ints(t) else { return nil }
        let type = t.dataType == .int32 ? "int32" : "int64"
        return "\(type) [\(t.dims.map(String.init).joined(separator: ","))] " + values.map(String.init).joined(separator: ",")
    }

    static func decodeTensor(_ text: String) -> Tensor? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].hasPrefix("["), parts[1].hasSuffix("]") else { return nil }
        let dimText = parts[1].dropFirst().dropLast()
        let dims = dimText.isEmpty ? [] : dimText.split(separator: ",", omittingEmptySubsequences: false).map { Int64($0) }
        let values = parts[2].isEmpty ? [] : parts[2].split(separator: ",", omittingEmptySubsequences: false).map { Int64($0) }
        guard !dims.contains(nil), !values.contains(nil), let count = Tensor.elementCount(of: dims.compactMap { $0 }),
              count == values.count else { return nil }
        let v = values.compactMap { $0 }
        switch parts[0] {
        case "int32":
            guard v.allSatisfy({ Int64(Int32.min)...Int64(Int32.max) ~= $0 }) else { return nil }
            return ConstantData.int32Tensor(v.map { Int32($0) }, dims: dims.compactMap { $0 })
        case "int64":
            return Tensor(name: nil, dataType: .int64, dims: dims.compactMap { $0 }, contents: .bytes(v.withUnsafeBytes { ByteView(copying: $0) }))
        default:
            return nil
        }
    }
}
