/// One dimension of a tensor shape: a fixed size, a named symbol, or unknown.
public struct Dim: Hashable, Sendable, CustomStringConvertible {
    public enum Value: Hashable, Sendable {
        case fixed(Int64)
        case symbolic(String)
        case unknown
    }
    public var value: Value
    /// An optional semantic tag (ONNX "denotation", e.g. `DATA_BATCH`).
    public var denotation: String?

    public init(_ value: Value, denotation: String? = nil) {
        self.value = value
        self.denotation = denotation
    }
    public static func fixed(_ n: Int64) -> Dim { Dim(.fixed(n)) }
    public static func symbolic(_ s: String) -> Dim { Dim(.symbolic(s)) }
    public static var unknown: Dim { Dim(.unknown) }

    /// The size when fixed.
    public var fixedValue: Int64? {
        if case .fixed(let n) = value { return n }
        return nil
    }

    public var description: String {
        switch value {
        case .fixed(let n): return String(n)
        case .symbolic(let s): return s
        case .unknown: return "?"
        }
    }
}
