import ModelIR

/// Dtype-generic block copies shared by the control-flow, sequence and recurrent kernels:
/// slicing along an axis, concatenating and stacking arrays.
enum ControlArrays {
    // MARK: Generic storage plumbing

    /// A transformation of one element array that works for every element type.
    protocol Reorder {
        func callAsFunction<T>(_ a: [T]) -> [T]
    }

    /// A combination of several same-typed element arrays that works for every element type.
    protocol Join {
        func callAsFunction<T>(_ parts: [[T]]) -> [T]
    }

    /// Applies `f` to the elements of `s`, keeping the storage case.
    static func apply(_ f: some Reorder, to s: NDArray.Storage) -> NDArray.Storage {
        switch s {
        case .float(let a): .float(f(a))
        case .double(let a): .double(f(a))
        case .float16(let a): .float16(f(a))
        case .bfloat16(let a): .bfloat16(f(a))
        case .int8(let a): .int8(f(a))
        case .int16(let a): .int16(f(a))
        case .int32(let a): .int32(f(a))
        case .int64(let a): .int64(f(a))
        case .uint8(let a): .uint8(f(a))
        case .uint16(let a): .uint16(f(a))
        case .uint32(let a): .uint32(f(a))
        case .uint64(let a): .uint64(f(a))
        case .bool(let a): .bool(f(a))
        case .string(let a): .string(f(a))
        }
    }

    /// Combines storages with `f`; nil when they do not all have the same storage case.
    static func combine(_ parts: [NDArray.Storage], with f: some Join) -> NDArray.Storage? {
        guard let first = parts.first else { return nil }
        func all<T>(_ extract: (NDArray.Storage) -> [T]?) -> [T]? {
            var arrays: [[T]] = []
            arrays.reserveCapacity(parts.count)
            for p in parts {
                guard let a = extract(p) else { return nil }
                arrays.append(a)
            }
            return f(arrays)
        }
        switch first {
        case .float: return all { if case .float(let a) = $0 { a } else { nil } }.map { .float($0) }
        case .double: return all { if case .double(let a) = $0 { a } else { nil } }.map { .double($0) }
        case .float16: return all { if case .float16(let a) = $0 { a } else { nil } }.map { .float16($0) }
        case .bfloat16: return all { if case .bfloat16(let a) = $0 { a } else { nil } }.map { .bfloat16($0) }
        case .int8: return all { if case .int8(let a) = $0 { a } else { nil } }.map { .int8($0) }
        case .int16: return all { if case .int16(let a) = $0 { a } else { nil } }.map { .int16($0) }
        case .int32: return all { if case .int32(let a) = $0 { a } else { nil } }.map { .int32($0) }
        case .int64: return all { if case .int64(let a) = $0 { a } else { nil } }.map { .int64($0) }
        case .uint8: return all { if case .uint8(let a) = $0 { a } else { nil } }.map { .uint8($0) }
        case .uint16: return all { if case .uint16(let a) = $0 { a } else { nil } }.map { .uint16($0) }
        case .uint32: return all { if case .uint32(let a) = $0 { a } else { nil } }.map { .uint32($0) }
        case .uint64: return all { if case .uint64(let a) = $0 { a } else { nil } }.map { .uint64($0) }
        case .bool: return all { if case .bool(let a) = $0 { a } else { nil } }.map { .bool($0) }
        case .string: return all { if case .string(let a) = $0 { a } else { nil } }.map { .string($0) }
        }
    }

    // MARK: Block copies

    /// Copies elements [start, start+length) of every `dim`-long run along an axis.
    struct AxisRange: Reorder {
        let outer: Int, dim: Int, inner: Int, start: Int, length: Int
        func callAsFunction<T>(_ a: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(outer * length * inner)
            for o in 0..<outer {
                let base = (o * dim + start) * inner
                out.append(contentsOf: a[base..<(base + length * inner)])
            }
            return out
        }
    }

    /// For each of `outer` blocks, appends `chunks[p]` elements of part `p` in turn.
    struct Interleave: Join {
        let outer: Int, chunks: [Int]
        func callAsFunction<T>(_ parts: [[T]]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(outer * chunks.reduce(0, +))
            for o in 0..<outer {
                for (p, part) in parts.enumerated() {
                    let c = chunks[p]
                    out.append(contentsOf: part[(o * c)..<((o + 1) * c)])
                }
            }
            return out
        }
    }

    // MARK: Array operations

    /// Elements `start ..< start+length` of `a` along `axis` (axis and range must be valid).
    static func slice(_ a: NDArray, axis: Int, start: Int, length: Int) -> NDArray {
        let dim = a.shape[axis]
        if start == 0 && length == dim { return a }
        let outer = NDArray.count(of: Array(a.shape[..<axis]))
        let inner = NDArray.count(of: Array(a.shape[(axis + 1)...]))
        var shape = a.shape
        shape[axis] = length
        let f = AxisRange(outer: outer, dim: dim, inner: inner, start: start, length: length)
        return NDArray(dataType: a.dataType, shape: shape, storage: apply(f, to: a.storage))
    }

    /// Index `i` of `a` along `axis`, with that axis removed.
    static func take(_ a: NDArray, axis: Int, index: Int) -> NDArray {
        var r = slice(a, axis: axis, start: index, length: 1)
        r.shape.remove(at: axis)
        return r
    }

    /// Concatenates `parts` along `axis`; nil when dtypes or the other dims differ.
    static func concat(_ parts: [NDArray], axis: Int) -> NDArray? {
        guard let first = parts.first, axis >= 0, axis < first.rank else { return nil }
        if parts.count == 1 { return first }
        var shape = first.shape
        shape[axis] = 0
        for p in parts {
            guard p.dataType == first.dataType, p.rank == first.rank else { return nil }
            for d in 0..<p.rank where d != axis && p.shape[d] != first.shape[d] { return nil }
            shape[axis] += p.shape[axis]
        }
        let outer = NDArray.count(of: Array(first.shape[..<axis]))
        let chunks = parts.map { NDArray.count(of: Array($0.shape[axis...])) }
        guard let storage = combine(parts.map(\.storage), with: Interleave(outer: outer, chunks: chunks)) else { return nil }
        return NDArray(dataType: first.dataType, shape: shape, storage: storage)
    }

    /// Stacks same-shaped `parts` along a new axis at `axis`; nil when they differ.
    static func stack(_ parts: [NDArray], axis: Int) -> NDArray? {
        guard let first = parts.first, axis >= 0, axis <= first.rank else { return nil }
        guard parts.allSatisfy({ $0.shape == first.shape }) else { return nil }
        let expanded = parts.map { p -> NDArray in
            var s = p.shape
            s.insert(1, at: axis)
            return p.reshaped(s)
        }
        return concat(expanded, axis: axis)
    }

    /// An array of `dataType` and `shape` filled with zeros (empty strings for strings).
    static func zeros(_ dataType: DataType, shape: [Int]) -> NDArray {
        if dataType == .string {
            return NDArray(dataType: .string, shape: shape, storage: .string(Array(repeating: "", count: NDArray.count(of: shape))))
        }
        return NDArray(dataType: dataType, shape: shape, doubles: Array(repeating: 0, count: NDArray.count(of: shape)))
    }

    /// Normalizes a possibly negative `axis` against `rank`; nil when out of range.
    static func axis(_ axis: Int, rank: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return a >= 0 && a < rank ? a : nil
    }

    /// A bool scalar.
    static func bool(_ b: Bool) -> RuntimeValue { .tensor(NDArray(shape: [], bools: [b])) }

    /// An int64 scalar.
    static func int64(_ i: Int) -> RuntimeValue { .tensor(NDArray(shape: [], int64s: [Int64(i)])) }
}
