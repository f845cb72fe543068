import ModelIR

// MARK: Broadcast plan

/// A numpy-style broadcast of several operands, with adjacent dimensions merged where every
/// operand walks them contiguously (or not at all), so loops run over long innermost rows.
struct BroadcastPlan {
    /// The broadcast output shape.
    let shape: [Int]
    /// Number of output elements.
    let count: Int
    /// Merged dimensions, outermost first (never empty).
    let dims: [Int]
    /// Per operand, its element stride along each merged dimension (0 where it is broadcast).
    let strides: [[Int]]

    /// The plan for `shapes`, or nil when they do not broadcast together.
    init?(_ shapes: [[Int]]) {
        if let single = BroadcastPlan.singleRun(shapes) {
            self = single
            return
        }
        guard let out = Broadcast.shape(shapes) else { return nil }
        let rank = out.count
        let full: [[Int]] = shapes.map { s in
            let padded = [Int](repeating: 1, count: rank - s.count) + s
            let st = NDArray.strides(of: padded)
            return (0..<rank).map { padded[$0] == 1 ? 0 : st[$0] }
        }
        var dims: [Int] = []
        var strides = [[Int]](repeating: [], count: shapes.count)
        for d in 0..<rank where out[d] != 1 {
            if let last = dims.indices.last,
               shapes.indices.allSatisfy({ strides[$0][last] == full[$0][d] * out[d] }) {
                dims[last] *= out[d]
                for k in shapes.indices { strides[k][last] = full[k][d] }
            } else {
                dims.append(out[d])
                for k in shapes.indices { strides[k].append(full[k][d]) }
            }
        }
        if dims.isEmpty {
            dims = [1]
            strides = strides.map { _ in [0] }
        }
        self.shape = out
        self.count = NDArray.count(of: out)
        self.dims = dims
        self.strides = strides
    }

    private init(shape: [Int], count: Int, dims: [Int], strides: [[Int]]) {
        (self.shape, self.count, self.dims, self.strides) = (shape, count, dims, strides)
    }

    /// The plan of the common cases without the general merge: every shape the same, or two
    /// operands of which one holds a single element (and has no more dims than the other).
    private static func singleRun(_ shapes: [[Int]]) -> BroadcastPlan? {
        guard let first = shapes.first else { return nil }
        var out = first
        var wide = [Bool](repeating: true, count: shapes.count)
        if !shapes.allSatisfy({ $0 == first }) {
            guard shapes.count == 2 else { return nil }
            let (a, b) = (shapes[0], shapes[1])
            if NDArray.count(of: b) == 1 && b.count <= a.count {
                wide[1] = false
            } else if NDArray.count(of: a) == 1 && a.count <= b.count {
                (out, wide[0]) = (b, false)
            } else {
                return nil
            }
        }
        let n = NDArray.count(of: out)
        guard n > 1 else { return nil }  // single elements and empty arrays take the general path
        return BroadcastPlan(shape: out, count: n, dims: [n], strides: wide.map { [$0 ? 1 : 0] })
    }

    /// Length of the innermost run.
    var inner: Int { dims[dims.count - 1] }

    /// Operand `k`'s stride along the innermost run (0 or 1).
    func innerStride(_ k: Int) -> Int { strides[k][dims.count - 1] }
}

/// Walks the rows (innermost runs) of a plan, keeping each operand's start offset.
struct RowWalker {
    private var index: [Int]
    /// Start offset of the current row in each operand.
    private(set) var offsets: [Int]

    init(_ plan: BroadcastPlan) {
        index = [Int](repeating: 0, count: plan.dims.count)
        offsets = [Int](repeating: 0, count: plan.strides.count)
    }

    /// Moves to the next row (odometer over the outer dimensions).
    mutating func advance(_ plan: BroadcastPlan) {
        var d = plan.dims.count - 2
        while d >= 0 {
            index[d] += 1
            for k in offsets.indices { offsets[k] += plan.strides[k][d] }
            if index[d] < plan.dims[d] { return }
            for k in offsets.indices { offsets[k] -= plan.strides[k][d] * plan.dims[d] }
            index[d] = 0
            d -= 1
        }
    }
}

// MARK: Element loops

/// `f` applied to every element, into a new array.
@inline(__always)
func mapElements<A, R>(_ a: [A], _ f: (A) -> R) -> [R] {
    a.withUnsafeBufferPointer { p in
        [R](unsafeUninitializedCapacity: p.count) { out, done in
            guard let o = out.baseAddress, let x = p.baseAddress else { done = 0; return }
            for i in 0..<p.count { (o + i).initialize(to: f(x[i])) }
            done = p.count
        }
    }
}

/// `f` applied pairwise over the broadcast of `a` and `b` described by `plan`.
@inline(__always)
func broadcastBinary<A, B, R>(_ a: [A], _ b: [B], _ plan: BroadcastPlan, _ f: (A, B) -> R) -> [R] {
    let n = plan.count
    guard n > 0 else { return [] }
    let inner = plan.inner, sa = plan.innerStride(0), sb = plan.innerStride(1)
    return a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            [R](unsafeUninitializedCapacity: n) { out, done in
                guard let o = out.baseAddress, let x = pa.baseAddress, let y = pb.baseAddress else { done = 0; return }
                var walker = RowWalker(plan)
                var pos = 0
                while pos < n {
                    let xs = x + walker.offsets[0], ys = y + walker.offsets[1], row = o + pos
                    if sa == 1 && sb == 1 {
                        for i in 0..<inner { (row + i).initialize(to: f(xs[i], ys[i])) }
                    } else if sa == 0 && sb == 1 {
                        let u = xs.pointee
                        for i in 0..<inner { (row + i).initialize(to: f(u, ys[i])) }
                    } else if sa == 1 {
                        let v = ys.pointee
                        for i in 0..<inner { (row + i).initialize(to: f(xs[i], v)) }
                    } else {
                        for i in 0..<inner { (row + i).initialize(to: f(xs.pointee, ys.pointee)) }
                    }
                    pos += inner
                    walker.advance(plan)
                }
                done = n
            }
        }
    }
}

/// `f` applied over the broadcast of three operands described by `plan`.
@inline(__always)
func broadcastTernary<A, B, C, R>(_ a: [A], _ b: [B], _ c: [C], _ plan: BroadcastPlan, _ f: (A, B, C) -> R) -> [R] {
    let n = plan.count
    guard n > 0 else { return [] }
    let inner = plan.inner, sa = plan.innerStride(0), sb = plan.innerStride(1), sc = plan.innerStride(2)
    return a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeBufferPointer { pc in
                [R](unsafeUninitializedCapacity: n) { out, done in
                    guard let o = out.baseAddress, let x = pa.baseAddress, let y = pb.baseAddress,
                          let z = pc.baseAddress else { done = 0; return }
                    var walker = RowWalker(plan)
                    var pos = 0
                    while pos < n {
                        let xs = x + walker.offsets[0], ys = y + walker.offsets[1], zs = z + walker.offsets[2], row = o + pos
                        for i in 0..<inner {
                            (row + i).initialize(to: f(xs[i &* sa], ys[i &* sb], zs[i &* sc]))
                        }
                        pos += inner
                        walker.advance(plan)
                    }
                    done = n
                }
            }
        }
    }
}

// MARK: Validation

extension KernelCall {
    /// The broadcast plan of `arrays`' shapes, or an error naming them.
    func broadcastPlan(_ arrays: [NDArray]) throws(InterpreterError) -> BroadcastPlan {
        for a in arrays where a.count != NDArray.count(of: a.shape) {
            throw invalid("an input holds \(a.count) elements but its shape \(a.shape) needs \(NDArray.count(of: a.shape))")
        }
        guard let plan = BroadcastPlan(arrays.map { $0.shape }) else {
            throw invalid("shapes \(arrays.map(\.shape)) do not broadcast together")
        }
        return plan
    }
}

extension KernelCall {
    /// Input `i`, with the pre-opset-7 `broadcast`/`axis` rule applied: B's dims line up with A's
    /// from `axis` on (padded with trailing 1s so numpy broadcasting applies).
    func secondOperand(_ i: Int, alignedTo a: NDArray) throws(InterpreterError) -> NDArray {
        let b = try tensor(i)
        guard opset < 7, int("broadcast", default: 0) == 1, var axis = int("axis"), b.rank > 0 else { return b }
        if axis < 0 { axis += a.rank }
        let trailing = a.rank - axis - b.rank
        guard axis >= 0, trailing >= 0 else { throw invalid("axis \(axis) does not fit shapes \(a.shape) and \(b.shape)") }
        return b.reshaped(b.shape + [Int](repeating: 1, count: trailing))
    }
}

extension DataType {
    /// The types element-wise arithmetic works on (float8 and sub-byte types excluded).
    var isPlainNumeric: Bool {
        [DataType.float, .double, .float16, .bfloat16, .int8, .int16, .int32, .int64,
         .uint8, .uint16, .uint32, .uint64].contains(self)
    }

    /// float, double, float16 or bfloat16.
    var isPlainReal: Bool { self == .float || self == .double || self == .float16 || self == .bfloat16 }
}
