/// What shape inference found: every value's type, how many remain unknown, conflicts, ops without rules.
public struct ShapeReport: Codable, Equatable, Sendable {
    /// A declared type that disagrees with the inferred one.
    public struct Conflict: Codable, Equatable, Sendable, CustomStringConvertible {
        /// The node producing the value ("(graph input)" for inputs).
        public var node: String
        public var value: String
        public var graph: String
        public var declared: String
        public var inferred: String

        public var description: String {
            "value '\(value)' of node '\(node)' in graph '\(graph)' is declared \(declared) but inferred \(inferred)"
        }
    }

    /// One value's inferred type.
    public struct Value: Codable, Equatable, Sendable {
        public var name: String
        /// `main`, or the path of a subgraph (`node/attribute`, nested paths joined by ` > `).
        public var graph: String
        public var dtype: String?
        /// Dims as text (numbers, symbols, expressions, `?`); absent when the rank is unknown.
        public var shape: [String]?
        /// True when the rank or a dim is unknown, or a dim depends on data (a symbol made for a data-dependent size).
        public var unknown: Bool
    }

    /// A dynamic input dim without a name that inference named.
    public struct NamedDim: Codable, Equatable, Sendable {
        public var input: String
        public var axis: Int
        public var symbol: String
    }

    /// Every node output of every graph, in graph order.
    public var values: [Value] = []
    /// Conflicts between declared and inferred types.
    public var conflicts: [Conflict] = []
    /// Ops without a shape rule (`domain::Op` for custom domains), sorted.
    public var opsWithoutRule: [String] = []
    /// Names given to unnamed dynamic input dims.
    public var namedDims: [NamedDim] = []
    /// Symbols fixed by the caller (`--dim`, input shapes).
    public var fixedDims: [String: Int64] = [:]
    /// `--dim` names the model does not use.
    public var unusedDims: [String] = []
    /// Tests on symbolic sizes inference could not decide and the answer it took (generic sizes
    /// differ from constants, unless that makes the graph invalid).
    public var assumptions: [String] = []
    /// Other things worth knowing (branches not taken that could not be inferred).
    public var notes: [String] = []

    public init() {}

    /// Values whose rank is unknown.
    public var unknownRankCount: Int { values.filter { $0.shape == nil }.count }

    /// Values with an unknown rank or dim.
    public var unknownCount: Int { values.filter(\.unknown).count }

    /// Values whose every dim is a number.
    public var staticCount: Int {
        values.filter { v in v.shape.map { $0.allSatisfy { Int64($0) != nil } } ?? false }.count
    }

    /// A short human summary.
    public func renderText() -> String {
        var lines = [
            "values: \(values.count) (static \(staticCount), symbolic \(values.count - staticCount - unknownCount), unknown \(unknownCount), unknown rank \(unknownRankCount))"
        ]
        for d in namedDims { lines.append("named dim: \(d.input)[\(d.axis)] = \(d.symbol)") }
        for (k, v) in fixedDims.sorted(by: { $0.key < $1.key }) { lines.append("fixed dim: \(k) = \(v)") }
        if !unusedDims.isEmpty { lines.append("unused --dim: \(unusedDims.joined(separator: ", "))") }
        for a in assumptions { lines.append("assumed: \(a)") }
        for n in notes { lines.append("note: \(n)") }
        if !opsWithoutRule.isEmpty { lines.append("ops without a shape rule: \(opsWithoutRule.joined(separator: ", "))") }
        for c in conflicts { lines.append("conflict: \(c.description)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
