import ModelIR

// Shared helpers of the shape and data-movement kernels: element-type-preserving generic
// bodies (a stand-in for generic closures), strided views, runs and index gathers.

// MARK: Type-preserving generic bodies

/// A computation over one element type: typed source arrays in, a typed array out.
protocol ElementBody {
    func callAsFunction<T>(_ sources: [[T]]) -> [T]
}

/// A computation over numeric element types (arithmetic and ordering available).
protocol NumericBody {
    func callAsFunction<T: KernelNumeric>(_ sources: [[T]]) -> [T]
}

/// A computation over ordered element types that produces a type-independent result (indices).
protocol OrderBody {
    associatedtype Result
    func callAsFunction<T: Comparable>(_ values: [T]) -> Result
}

/// Numeric element types with wrapping integer arithmetic.
protocol KernelNumeric: Comparable, Numeric {
    static func add(_ a: Self, _ b: Self) -> Self
    static func mul(_ a: Self, _ b: Self) -> Self
}

extension KernelNumeric where Self: FixedWidthInteger {
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) static func mul(_ a: Self, _ b: Self) -> Self { a &* b }
}

extension KernelNumeric where Self: BinaryFloatingPoint {
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func mul(_ a: Self, _ b: Self) -> Self { a * b }
}

extension Float: KernelNumeric {}
extension Double: KernelNumeric {}
extension Float16: KernelNumeric {}
extension Int8: KernelNumeric {}
extension Int16: KernelNumeric {}
extension Int32: KernelNumeric {}
extension Int64: KernelNumeric {}
extension UInt8: KernelNumeric {}
extension UInt16: KernelNumeric {}
extension UInt32: KernelNumeric {}
extension UInt64: KernelNumeric {}

extension NDArray {
    /// `body` applied to the typed elements of `sources`, which must all share the first one's
    /// storage kind (nil otherwise); the result keeps the first source's dtype.
    static func combining(_ sources: [NDArray], shape: [Int], _ body: some ElementBody) -> NDArray? {
        guard let first = sources.first else { return nil }
        func run<T>(_ extract: (Storage) -> [T]?, _ wrap: ([T]) -> Storage) -> NDArray? {
            var arrays: [[T]] = []
            arrays.reserveCapacity(sources.count)
            for s in sources {
                guard let a = extract(s.storage) else { return nil }
                arrays.append(a)
            }
            return NDArray(dataType: first.dataType, shape: shape, storage: wrap(body(arrays)))
        }
        switch first.storage {
        case .float: return run({ if case .float(let a) = $0 { a } else { nil } }, Storage.float)
        case .double: return run({ if case .double(let a) = $0 { a } else { nil } }, Storage.double)
        case .float16: return run({ if case .float16(let a) = $0 { a } else { nil } }, Storage.float16)
        case .bfloat16: return run({ if case .bfloat16(let a) = $0 { a } else { nil } }, Storage.bfloat16)
        case .int8: return run({ if case .int8(let a) = $0 { a } else { nil } }, Storage.int8)
        case .int16: return run({ if case .int16(let a) = $0 { a } else { nil } }, Storage.int16)
        case .int32: return run({ if case .int32(let a) = $0 { a } else { nil } }, Storage.int32)
        case .int64: return run({ if case .int64(let a) = $0 { a } else { nil } }, Storage.int64)
        case .uint8: return run({ if case .uint8(let a) = $0 { a } else { nil } }, Storage.uint8)
        case .uint16: return run({ if case .uint16(let a) = $0 { a } else { nil } }, Storage.uint16)
        case .uint32: return run({ if case .uint32(let a) = $0 { a } else { nil } }, Storage.uint32)
        case .uint64: return run({ if case .uint64(let a) = $0 { a } else { nil } }, Storage.uint64)
        case .bool: return run({ if case .bool(let a) = $0 { a } else { nil } }, Storage.bool)
        case .string: return run({ if case .string(let a) = $0 { a } else { nil } }, Storage.string)
        }
    }

    /// `body` applied to numeric `sources` of one storage kind (bfloat16 computed in Float);
    /// nil for bool, string or mixed kinds.
    static func numeric(_ sources: [NDArray], shape: [Int], _ body: some NumericBody) -> NDArray? {
        guard let first = sources.first else { return nil }
        func run<T: KernelNumeric>(_ extract: (Storage) -> [T]?, _ wrap: ([T]) -> Storage) -> NDArray? {
            var arrays: [[T]] = []
            for s in sources {
                guard let a = extract(s.storage) else { return nil }
                arrays.append(a)
            }
            return NDArray(dataType: first.dataType, shape: shape, storage: wrap(body(arrays)))
        }
        switch first.storage {
        case .float: return run({ if case .float(let a) = $0 { a } else { nil } }, Storage.float)
        case .double: return run({ if case .double(let a) = $0 { a } else { nil } }, Storage.double)
        case .float16: return run({ if case .float16(let a) = $0 { a } else { nil } }, Storage.float16)
        case .bfloat16:
            return run({ if case .bfloat16(let a) = $0 { a.map(BFloat16.float) } else { nil } },
                       { .bfloat16($0.map(BFloat16.bits)) })
        case .int8: return run({ if case .int8(let a) = $0 { a } else { nil } }, Storage.int8)
        case .int16: return run({ if case .int16(let a) = $0 { a } else { nil } }, Storage.int16)
        case .int32: return run({ if case .int32(let a) = $0 { a } else { nil } }, Storage.int32)
        case .int64: return run({ if case .int64(let a) = $0 { a } else { nil } }, Storage.int64)
        case .uint8: return run({ if case .uint8(let a) = $0 { a } else { nil } }, Storage.uint8)
        case .uint16: return run({ if case .uint16(let a) = $0 { a } else { nil } }, Storage.uint16)
        case .uint32: return run({ if case .uint32(let a) = $0 { a } else { nil } }, Storage.uint32)
        case .uint64: return run({ if case .uint64(let a) = $0 { a } else { nil } }, Storage.uint64)
        case .bool, .string: return nil
        }
    }

    /// `body` applied to the elements as an ordered type (bfloat16 as Float, bool as UInt8).
    func ordered<B: OrderBody>(_ body: B) -> B.Result {
        switch storage {
        case .float(let a): return body(a)
        case .double(let a): return body(a)
        case .float16(let a): return body(a)
        case .bfloat16(let a): return body(a.map(BFloat16.float))
        case .int8(let a): return body(a)
        case .int16(let a): return body(a)
        case .int32(let a): return body(a)
        case .int64(let a): return body(a)
        case .uint8(let a): return body(a)
        case .uint16(let a): return body(a)
        case .uint32(let a): return body(a)
        case .uint64(let a): return body(a)
        case .bool(let a): return body(a.map { $0 ? UInt8(1) : 0 })
        case .string(let a): return body(a)
        }
    }
}

// MARK: Movement primitives

/// Copies a strided view of the single source (strides may be zero or negative).
struct ViewCopy: ElementBody {
    let offset: Int
    let shape: [Int]
    let strides: [Int]

    func callAsFunction<T>(_ sources: [[T]]) -> [T] {
        let total = NDArray.count(of: shape)
        guard total > 0, let src = sources.first else { return [] }
        if shape.isEmpty { return [src[offset]] }
        // The elements the view reaches must lie in the source; otherwise index it checked, element by element.
        var lowest = offset, highest = offset
        for (d, n) in shape.enumerated() { if strides[d] < 0 { lowest += (n - 1) * strides[d] } else { highest += (n - 1) * strides[d] } }
        guard lowest >= 0, highest < src.count else { return checkedCopy(src, total: total) }
        if isContiguous { return Array(src[offset..<(offset + total)]) }
        let last = shape.count - 1
        let n = shape[last], step = strides[last]
        return [T](unsafeUninitializedCapacity: total) { out, done in
            src.withUnsafeBufferPointer { p in
                guard let s = p.baseAddress, let o = out.baseAddress else { return }
                var index = [Int](repeating: 0, count: last)
                var base = offset, k = 0
                while true {
                    if step == 1 {
                        (o + k).initialize(from: s + base, count: n)
                    } else {
                        var j = base
                        for i in 0..<n { (o + k + i).initialize(to: s[j]); j += step }
                    }
                    k += n
                    guard next(&index, &base, last: last) else { break }
                }
            }
            done = total
        }
    }

    /// Whether the view is one run of consecutive source elements in order.
    private var isContiguous: Bool {
        var expected = 1
        for d in shape.indices.reversed() where shape[d] != 1 {
            guard strides[d] == expected else { return false }
            expected *= shape[d]
        }
        return true
    }

    /// Advances `index` (all dims but the last) and `base` to the next row; false after the last.
    @inline(__always)
    private func next(_ index: inout [Int], _ base: inout Int, last: Int) -> Bool {
        var d = last - 1
        while d >= 0 {
            index[d] += 1
            base += strides[d]
            if index[d] < shape[d] { return true }
            base -= strides[d] * shape[d]
            index[d] = 0
            d -= 1
        }
        return false
    }

    /// The view copied with checked indexing (a view reaching outside the source traps here).
    private func checkedCopy<T>(_ src: [T], total: Int) -> [T] {
        var out: [T] = []
        out.reserveCapacity(total)
        let last = shape.count - 1
        var index = [Int](repeating: 0, count: last)
        var base = offset
        while true {
            var j = base
            for _ in 0..<shape[last] { out.append(src[j]); j += strides[last] }
            guard next(&index, &base, last: last) else { break }
        }
        return out
    }
}

/// One contiguous block of a source: `count` elements from `start`.
struct Run {
    var source: Int
    var start: Int
    var count: Int
}

/// Appends contiguous runs of the sources in order.
struct RunCopy: ElementBody {
    let runs: [Run]
    let total: Int

    func callAsFunction<T>(_ sources: [[T]]) -> [T] {
        var out: [T] = []
        out.reserveCapacity(total)
        for r in runs where r.count > 0 {
            if r.count == 1 {
                out.append(sources[r.source][r.start])
            } else {
                out.append(contentsOf: sources[r.source][r.start..<(r.start + r.count)])
            }
        }
        return out
    }
}

/// Gathers flat indices of the sources laid end to end.
struct IndexGather: ElementBody {
    let indices: [Int]

    func callAsFunction<T>(_ sources: [[T]]) -> [T] {
        let all = sources.count == 1 ? sources[0] : Array(sources.joined())
        return all.withUnsafeBufferPointer { p in indices.map { p[$0] } }
    }
}

extension NDArray {
    /// Elements read through a strided view of this array, as a new contiguous array.
    func viewed(offset: Int = 0, shape newShape: [Int], strides viewStrides: [Int]) -> NDArray {
        NDArray.combining([self], shape: newShape, ViewCopy(offset: offset, shape: newShape, strides: viewStrides))
            ?? self
    }

    /// The array broadcast to `target` (a valid broadcast of its shape) without an index map.
    func expanded(to target: [Int]) -> NDArray {
        if shape == target { return self }
        let padded = [Int](repeating: 1, count: target.count - rank) + shape
        let s = NDArray.strides(of: padded)
        let viewStrides = (0..<target.count).map { padded[$0] == 1 ? 0 : s[$0] }
        return viewed(shape: target, strides: viewStrides)
    }

    /// The array transposed by `perm` (a validated permutation of its axes).
    func transposed(_ perm: [Int]) -> NDArray {
        let s = strides
        return viewed(shape: perm.map { shape[$0] }, strides: perm.map { s[$0] })
    }

    /// An array of `shape` filled with the single element of `value` (any dtype).
    static func filled(_ value: NDArray, shape: [Int]) -> NDArray {
        value.viewed(shape: shape, strides: [Int](repeating: 0, count: shape.count))
    }

    /// A one-element array of `dataType` holding `value` ("" for strings).
    static func scalar(_ dataType: DataType, _ value: Double) -> NDArray {
        if dataType == .string { return NDArray(dataType: .string, shape: [], storage: .string([""])) }
        return NDArray(dataType: dataType, shape: [], doubles: [value])
    }
}

// MARK: Argument helpers

extension KernelCall {
    /// Input `i` as a tensor of numbers (any dtype but string).
    func numericTensor(_ i: Int) throws(InterpreterError) -> NDArray {
        let t = try tensor(i)
        guard t.dataType != .string else { throw invalid("input \(i) must be numeric") }
        return t
    }

    /// Input `i` as Ints when given (nil when omitted).
    func intsInput(_ i: Int) throws(InterpreterError) -> [Int]? {
        has(i) ? try numericTensor(i).ints : nil
    }

    /// A list that moved from attribute `name` to input `input` at opset `since`.
    func attributeOrInput(_ name: String, input: Int, since: Int) throws(InterpreterError) -> [Int]? {
        opset >= since ? try intsInput(input) : ints(name)
    }

    /// `axis` normalized into `0..<rank`, or an error naming the op.
    func axis(_ axis: Int, rank: Int) throws(InterpreterError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < rank else { throw invalid("axis \(axis) out of range for rank \(rank)") }
        return a
    }

    /// Each axis normalized into `0..<rank`; duplicates are rejected.
    func axes(_ list: [Int], rank: Int) throws(InterpreterError) -> [Int] {
        var out: [Int] = []
        for a in list {
            let n = try axis(a, rank: rank)
            guard !out.contains(n) else { throw invalid("axis \(a) repeated") }
            out.append(n)
        }
        return out
    }

    /// Input 0 as a tensor (the data operand of most movement ops).
    func data() throws(InterpreterError) -> NDArray { try tensor(0) }
}

/// Products of the dimensions before and after `axis`.
func outerInner(_ shape: [Int], _ axis: Int) -> (outer: Int, inner: Int) {
    guard axis >= 0 && axis < shape.count else { return (NDArray.count(of: shape), 1) }
    return (NDArray.count(of: Array(shape[..<axis])), NDArray.count(of: Array(shape[(axis + 1)...])))
}

/// The most elements a shape computed from tensor data may describe.
let maxGeneratedElements = 1 << 30

extension KernelCall {
    /// Checks that `shape` (computed from input data) has non-negative dims and a sane element count.
    func checkShape(_ shape: [Int]) throws(InterpreterError) {
        guard shape.allSatisfy({ $0 >= 0 && $0 <= maxGeneratedElements }) else { throw invalid("invalid dimension in \(shape)") }
        guard NDArray.count(of: shape, atMost: maxGeneratedElements) != nil else { throw invalid("shape \(shape) is too large") }
    }
}
