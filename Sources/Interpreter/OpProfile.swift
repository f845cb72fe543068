import Dispatch

/// Time spent per op type over one or more runs (`modelconv run --profile`).
///
/// Times are self times: the ops inside an If/Loop/Scan body count under their own types, and the
/// control-flow op keeps only what is left (binding values, choosing a branch).
public final class OpProfile: @unchecked Sendable {
    /// One op type's total.
    public struct Entry: Sendable {
        public var op: String
        public var calls: Int
        public var seconds: Double
    }

    private var totals: [String: (calls: Int, nanoseconds: UInt64)] = [:]
    /// Time of the ops nested in the op being timed (subtracted from its own).
    private var nestedNanoseconds: UInt64 = 0

    public init() {}

    /// Totals per op type, the most expensive first.
    public var entries: [Entry] {
        totals.map { Entry(op: $0.key, calls: $0.value.calls, seconds: Double($0.value.nanoseconds) / 1e9) }
            .sorted { ($0.seconds, $1.op) > ($1.seconds, $0.op) }
    }

    /// Runs `body` (one op of type `op`) and adds its self time.
    func time<T>(_ op: String, _ body: () throws(InterpreterError) -> T) throws(InterpreterError) -> T {
        let outer = nestedNanoseconds
        nestedNanoseconds = 0
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            let own = elapsed - min(elapsed, nestedNanoseconds)
            totals[op, default: (0, 0)].calls += 1
            totals[op, default: (0, 0)].nanoseconds += own
            nestedNanoseconds = outer + elapsed
        }
        return try body()
    }
}
