import ModelIR

/// The formal signature of one ONNX operator version: type-constraint strings of its inputs and
/// outputs, their optional/variadic options, and its attributes (facts from ONNX's definitions).
public struct OperatorSignature: Hashable, Sendable {
    /// One formal input or output.
    public struct Formal: Hashable, Sendable {
        public enum Option: Hashable, Sendable { case single, optional, variadic }
        /// The parameter's name in the schema (`X`, `shape`, …).
        public var name: String
        /// The type-constraint name (`T`, `T1`, …) or a fixed type (`tensor(int64)`).
        public var typeString: String
        public var option: Option
    }

    public var domain: String
    public var name: String
    public var sinceVersion: Int
    public var minInputs: Int
    /// nil = unbounded.
    public var maxInputs: Int?
    public var minOutputs: Int
    public var maxOutputs: Int?
    public var inputs: [Formal]
    public var outputs: [Formal]
    /// Attribute names and kinds.
    public var attributes: [String: Attribute.Kind]
    /// Type constraints that admit exactly one type (`T1` → `tensor(int64)`).
    public var singleTypeConstraints: [String: String] = [:]

    /// Whether a formal's type string names a type constraint (`T`) rather than a fixed type (`tensor(int64)`).
    public static func isConstraint(_ typeString: String) -> Bool { !typeString.contains("(") }

    /// `domain:name:since_version`, the id ONNX Runtime uses for an operator version.
    public var opID: String { "\(domain):\(name):\(sinceVersion)" }

    /// The formal parameter actual input `i` binds to (variadic formals absorb the rest).
    public func formalInput(_ i: Int) -> Formal? { Self.formal(i, inputs) }
    public func formalOutput(_ i: Int) -> Formal? { Self.formal(i, outputs) }

    static func formal(_ i: Int, _ list: [Formal]) -> Formal? {
        if i < list.count { return list[i] }
        if let last = list.last, last.option == .variadic { return last }
        return nil
    }
}

/// ONNX's operator signatures by domain, name and opset. A value built from the generated table.
public struct ONNXOperators: Sendable {
    private let versions: [String: [OperatorSignature]]

    /// Every operator version of the table generated from the onnx package.
    public static let standard = ONNXOperators(rows: ONNXSchemaTable.rows)

    init(rows: [String]) {
        var out: [String: [OperatorSignature]] = [:]
        for row in rows {
            let f = row.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 10, let since = Int(f[2]), let minIn = Int(f[3]), let maxIn = Int(f[4]),
                  let minOut = Int(f[5]), let maxOut = Int(f[6]) else { continue }
            let sig = OperatorSignature(
                domain: f[0], name: f[1], sinceVersion: since, minInputs: minIn, maxInputs: maxIn < 0 ? nil : maxIn,
                minOutputs: minOut, maxOutputs: maxOut < 0 ? nil : maxOut,
                inputs: Self.formals(f[7]), outputs: Self.formals(f[8]), attributes: Self.attributes(f[9]),
                singleTypeConstraints: f.count > 10 ? Self.pairs(f[10]) : [:])
            out["\(sig.domain)|\(sig.name)", default: []].append(sig)
        }
        for k in out.keys { out[k]!.sort { $0.sinceVersion < $1.sinceVersion } }
        versions = out
    }

    /// The version in force for `opset` of the domain: the newest one not newer than it.
    public func signature(domain: String, name: String, opset: Int) -> OperatorSignature? {
        let d = domain == "ai.onnx" ? "" : domain
        return versions["\(d)|\(name)"]?.last { $0.sinceVersion <= opset }
    }

    /// Number of operator versions known.
    public var count: Int { versions.values.reduce(0) { $0 + $1.count } }

    // MARK: Parsing

    private static func formals(_ s: String) -> [OperatorSignature.Formal] {
        guard !s.isEmpty else { return [] }
        return s.split(separator: ",").compactMap { item in
            guard let last = item.lastIndex(of: ":"), let first = item.firstIndex(of: ":"), first < last else { return nil }
            let option: OperatorSignature.Formal.Option
            switch item[item.index(after: last)...] {
            case "o": option = .optional
            case "v": option = .variadic
            default: option = .single
            }
            return .init(name: String(item[..<first]), typeString: String(item[item.index(after: first)..<last]), option: option)
        }
    }

    private static func pairs(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for item in s.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { out[String(kv[0])] = String(kv[1]) }
        }
        return out
    }

    private static func attributes(_ s: String) -> [String: Attribute.Kind] {
        var out: [String: Attribute.Kind] = [:]
        for item in s.split(separator: ",") {
            let parts = item.split(separator: ":")
            if parts.count == 2, let k = Int32(parts[1]), let kind = Attribute.Kind(rawValue: k) { out[String(parts[0])] = kind }
        }
        return out
    }
}
