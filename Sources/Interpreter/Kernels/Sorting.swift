import ModelIR

/// Order-based selection: TopK and Unique. NaN sorts after every number and equals NaN.
enum SortingKernels {
    static var table: [String: Kernel] {
        [
            "TopK": topK,
            "Unique": unique,
        ]
    }

    /// -1, 0 or 1 as `a` sorts before, with, or after `b` (NaN last; NaN equals NaN).
    @inline(__always)
    static func order<T: Comparable>(_ a: T, _ b: T) -> Int {
        let aNaN = a != a, bNaN = b != b
        if aNaN || bNaN { return aNaN == bNaN ? 0 : (aNaN ? 1 : -1) }
        return a < b ? -1 : (b < a ? 1 : 0)
    }

    // MARK: TopK

    static let topK: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        guard x.rank > 0 else { throw call.invalid("TopK needs rank >= 1") }
        let axis = try call.axis(call.int("axis", default: -1), rank: x.rank)
        let given = call.opset >= 10 ? try call.numericTensor(1).scalarInt : call.int("k")
        guard let k = given, k >= 0, k <= x.shape[axis] else {
            throw call.invalid("k must be in 0...\(x.shape[axis])")
        }
        guard x.dataType != .string else { throw call.unsupported(x.dataType) }
        let (outer, inner) = outerInner(x.shape, axis)
        let dim = x.shape[axis]
        let picks = x.ordered(TopKOrder(outer: outer, dim: dim, inner: inner, k: k,
                                        largest: call.int("largest", default: 1) != 0))
        var flat = [Int](repeating: 0, count: picks.count)
        for o in 0..<outer {
            for j in 0..<k {
                for i in 0..<inner {
                    let at = (o * k + j) * inner + i
                    flat[at] = (o * dim + picks[at]) * inner + i
                }
            }
        }
        var shape = x.shape
        shape[axis] = k
        return [.tensor(x.gathering(flat, shape: shape)),
                .tensor(NDArray(shape: shape, int64s: picks.map { Int64($0) }))]
    }

    /// For each (outer, inner) lane, the axis positions of the k first elements in order
    /// (ties keep the lower index), laid out as (outer, k, inner).
    struct TopKOrder: OrderBody {
        let outer: Int, dim: Int, inner: Int, k: Int
        let largest: Bool

        func callAsFunction<T: Comparable>(_ values: [T]) -> [Int] {
            var result = [Int](repeating: 0, count: outer * k * inner)
            var lane = [T]()
            lane.reserveCapacity(dim)
            for o in 0..<outer {
                for i in 0..<inner {
                    lane.removeAll(keepingCapacity: true)
                    for j in 0..<dim { lane.append(values[(o * dim + j) * inner + i]) }
                    let sorted = (0..<dim).sorted { a, b in
                        var c = SortingKernels.order(lane[a], lane[b])
                        if largest && lane[a] == lane[a] && lane[b] == lane[b] { c = -c }
                        return c < 0 || (c == 0 && a < b)
                    }
                    for j in 0..<k { result[(o * k + j) * inner + i] = sorted[j] }
                }
            }
            return result
        }
    }

    // MARK: Unique

    static let unique: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let sorted = call.int("sorted", default: 1) != 0
        var axis: Int?
        if let given = call.int("axis") { axis = try call.axis(given, rank: x.rank) }
        let lanes: NDArray, slices: Int
        if let axis {
            var perm = Array(0..<x.rank)
            perm.remove(at: axis)
            perm.insert(axis, at: 0)
            lanes = x.transposed(perm)
            slices = x.shape[axis]
        } else {
            lanes = x.reshaped([x.count])
            slices = x.count
        }
        let width = slices == 0 ? 0 : lanes.count / slices
        let groups = lanes.ordered(UniqueSlices(slices: slices, width: width, sorted: sorted))
        let n = groups.first.count
        let y: NDArray
        if let axis {
            y = IndexingKernels.take(x, axis: axis, indices: groups.first, indexShape: [n])
        } else {
            y = lanes.gathering(groups.first, shape: [n])
        }
        func int64s(_ a: [Int]) -> RuntimeValue { .tensor(NDArray(shape: [a.count], int64s: a.map { Int64($0) })) }
        return [.tensor(y), int64s(groups.first), int64s(groups.inverse), int64s(groups.counts)]
    }

    /// Groups equal slices (`width` consecutive elements each): each group's first occurrence,
    /// each slice's group position, and group sizes; groups sorted or in order of appearance.
    struct UniqueSlices: OrderBody {
        let slices: Int, width: Int
        let sorted: Bool

        func callAsFunction<T: Comparable>(_ values: [T]) -> (first: [Int], inverse: [Int], counts: [Int]) {
            func compare(_ a: Int, _ b: Int) -> Int {
                for j in 0..<width {
                    let c = SortingKernels.order(values[a * width + j], values[b * width + j])
                    if c != 0 { return c }
                }
                return 0
            }
            let byValue = (0..<slices).sorted { a, b in
                let c = compare(a, b)
                return c < 0 || (c == 0 && a < b)
            }
            var first: [Int] = [], counts: [Int] = []
            var group = [Int](repeating: 0, count: slices)
            for (pos, s) in byValue.enumerated() {
                if pos == 0 || compare(byValue[pos - 1], s) != 0 {
                    first.append(s)
                    counts.append(0)
                }
                counts[counts.count - 1] += 1
                group[s] = first.count - 1
            }
            if sorted { return (first, group, counts) }
            let appearance = first.indices.sorted { first[$0] < first[$1] }
            var position = [Int](repeating: 0, count: first.count)
            for (p, g) in appearance.enumerated() { position[g] = p }
            return (appearance.map { first[$0] }, group.map { position[$0] }, appearance.map { counts[$0] })
        }
    }
}
