import Foundation

/// The result of validating a model against another model or stored reference outputs.
public struct ValidationReport: Codable, Equatable, Sendable {
    /// One input as fed to both runs.
    public struct InputSummary: Codable, Equatable, Sendable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        /// `given`, `reference` or `generated`.
        public var source: String
    }

    /// The first value computed by both models that disagrees beyond its tolerance.
    public struct Divergence: Codable, Equatable, Sendable {
        /// The node (of the first model) that computes the value.
        public var node: String
        public var op: String
        public var value: String
        public var maxAbsError: Double
        public var tolerance: String
        /// Intermediates compared before finding it.
        public var compared: Int
    }

    public var reference: String
    public var candidate: String
    public var inputs: [InputSummary]
    public var outputs: [OutputComparison]
    public var firstDivergence: Divergence?
    /// Outputs present on one side only.
    public var unmatchedOutputs: [String]

    public var passed: Bool { unmatchedOutputs.isEmpty && outputs.allSatisfy(\.passed) }

    // MARK: Rendering

    public func renderText() -> String {
        var lines = ["validate \(candidate) against \(reference)"]
        lines.append("inputs:")
        for i in inputs { lines.append("  \(i.name): \(i.dtype)\(i.shape) (\(i.source))") }
        lines.append("outputs:")
        for o in outputs {
            let verdict = o.passed ? "ok  " : "FAIL"
            var line = "  \(verdict) \(o.name): \(o.dtype)\(o.shape) max abs \(Self.format(o.maxAbsError)), max rel \(Self.format(o.maxRelError)), tier \(o.tolerance.summary)"
            if let p = o.problem { line += " — \(p)" }
            lines.append(line)
        }
        for name in unmatchedOutputs { lines.append("  FAIL \(name): present in only one model") }
        if let d = firstDivergence {
            lines.append("first divergence: node '\(d.node)' (\(d.op)) computing '\(d.value)': max abs \(Self.format(d.maxAbsError)) beyond \(d.tolerance) (after \(d.compared) matching values)")
        }
        lines.append(passed ? "result: PASS" : "result: FAIL")
        return lines.joined(separator: "\n") + "\n"
    }

    public func renderJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A short rendering of an error magnitude.
    public static func format(_ x: Double) -> String {
        if x == 0 { return "0" }
        if x.isInfinite { return "inf" }
        return String(format: "%.3g", x)
    }
}
