import ModelIR

/// MatMul and Gemm (BLAS for floating types, plain loops for integers).
enum MatMulKernels {
    static var table: [String: Kernel] {
        [
            "MatMul": matMul,
            "Gemm": gemm,
        ]
    }

    // MARK: Batched plan

    /// How a (broadcast, batched) MatMul of `a` by `b` decomposes into 2-D products.
    struct Plan {
        var m: Int, n: Int, k: Int
        /// Matrix index into A and B for each output matrix.
        var aIndex: [Int], bIndex: [Int]
        var outShape: [Int]
        /// Whether B is a single matrix shared by a contiguous batch of A (one tall GEMM suffices).
        var foldsBatch: Bool
    }

    /// The plan for `a` × `b` with numpy matmul rules (1-D operands promoted then squeezed).
    static func plan(_ call: KernelCall, _ aShape: [Int], _ bShape: [Int]) throws(InterpreterError) -> Plan {
        guard !aShape.isEmpty, !bShape.isEmpty else { throw call.invalid("MatMul operands must have rank >= 1") }
        let a = aShape.count == 1 ? [1] + aShape : aShape
        let b = bShape.count == 1 ? bShape + [1] : bShape
        let m = a[a.count - 2], k = a[a.count - 1], n = b[b.count - 1]
        guard b[b.count - 2] == k else { throw call.invalid("MatMul shapes \(aShape) and \(bShape) do not match") }
        let aBatch = Array(a.dropLast(2)), bBatch = Array(b.dropLast(2))
        guard let batch = Broadcast.shape([aBatch, bBatch]) else {
            throw call.invalid("MatMul batch dimensions \(aBatch) and \(bBatch) do not broadcast")
        }
        var outShape = batch
        if aShape.count > 1 { outShape.append(m) }
        if bShape.count > 1 { outShape.append(n) }
        let folds = bBatch.reduce(1, *) == 1 && aBatch == batch
        return Plan(m: m, n: n, k: k, aIndex: Broadcast.indexMap(from: aBatch, to: batch),
                    bIndex: Broadcast.indexMap(from: bBatch, to: batch), outShape: outShape, foldsBatch: folds)
    }

    // MARK: MatMul

    static let matMul: Kernel = { call throws(InterpreterError) in
        _ = AllocatorTuning.applied
        let a = try call.tensor(0), b = try call.tensor(1)
        guard a.dataType == b.dataType else { throw call.invalid("MatMul operands have different types") }
        let p = try plan(call, a.shape, b.shape)
        let storage: NDArray.Storage
        switch (a.storage, b.storage) {
        case (.double(let x), .double(let y)): storage = .double(floating(x, y, p))
        case (.int32(let x), .int32(let y)): storage = .int32(integer(x, y, p))
        case (.int64(let x), .int64(let y)): storage = .int64(integer(x, y, p))
        case (.uint32(let x), .uint32(let y)): storage = .uint32(integer(x, y, p))
        case (.uint64(let x), .uint64(let y)): storage = .uint64(integer(x, y, p))
        case (.int8(let x), .int8(let y)): storage = .int8(integer(x, y, p))
        case (.uint8(let x), .uint8(let y)): storage = .uint8(integer(x, y, p))
        case (.int16(let x), .int16(let y)): storage = .int16(integer(x, y, p))
        case (.uint16(let x), .uint16(let y)): storage = .uint16(integer(x, y, p))
        default:
            guard a.dataType.isNNFloating else { throw call.unsupported(a.dataType) }
            storage = Float.storage(floating(Float.values(of: a), Float.values(of: b), p), as: a.dataType)
        }
        return [.tensor(NDArray(dataType: a.dataType, shape: p.outShape, storage: storage))]
    }

    /// Batched floating product through BLAS.
    static func floating<T: NNFloat>(_ a: [T], _ b: [T], _ p: Plan) -> [T] {
        let (m, n, k) = (p.m, p.n, p.k)
        var out = [T](repeating: 0, count: p.aIndex.count * m * n)
        guard !out.isEmpty else { return out }
        if k == 0 { return out }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { cp in
                    if p.n == 1 && p.foldsBatch {
                        // matrix × vector: one GEMV over the folded rows of A
                        T.gemv(trans: false, m: m * p.aIndex.count, n: k, alpha: 1, a: ap.baseAddress!, lda: k,
                               x: bp.baseAddress!, beta: 0, y: cp.baseAddress!)
                        return
                    }
                    if m == 1 {
                        // row vector × matrix per batch: y = Bᵀ a
                        for i in 0..<p.aIndex.count {
                            T.gemv(trans: true, m: k, n: n, alpha: 1, a: bp.baseAddress! + p.bIndex[i] * k * n, lda: n,
                                   x: ap.baseAddress! + p.aIndex[i] * k, beta: 0, y: cp.baseAddress! + i * n)
                        }
                        return
                    }
                    if p.foldsBatch {
                        T.gemm(transA: false, transB: false, m: m * p.aIndex.count, n: n, k: k, alpha: 1,
                               a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, beta: 0, c: cp.baseAddress!, ldc: n)
                        return
                    }
                    for i in 0..<p.aIndex.count {
                        T.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                               a: ap.baseAddress! + p.aIndex[i] * m * k, lda: k,
                               b: bp.baseAddress! + p.bIndex[i] * k * n, ldb: n,
                               beta: 0, c: cp.baseAddress! + i * m * n, ldc: n)
                    }
                }
            }
        }
        return out
    }

    /// Batched integer product with wrapping arithmetic.
    static func integer<T: FixedWidthInteger>(_ a: [T], _ b: [T], _ p: Plan) -> [T] {
        let (m, n, k) = (p.m, p.n, p.k)
        var out = [T](repeating: 0, count: p.aIndex.count * m * n)
        for i in 0..<p.aIndex.count {
            let ao = p.aIndex[i] * m * k, bo = p.bIndex[i] * k * n, co = i * m * n
            for r in 0..<m {
                for kk in 0..<k {
                    let av = a[ao + r * k + kk]
                    if av == 0 { continue }
                    for c in 0..<n { out[co + r * n + c] = out[co + r * n + c] &+ av &* b[bo + kk * n + c] }
                }
            }
        }
        return out
    }

    // MARK: Gemm

    static let gemm: Kernel = { call throws(InterpreterError) in
        _ = AllocatorTuning.applied
        let a = try call.tensor(0), b = try call.tensor(1)
        guard a.rank == 2, b.rank == 2 else { throw call.invalid("Gemm needs 2-D A and B") }
        let ta = call.int("transA", default: 0) != 0, tb = call.int("transB", default: 0) != 0
        let m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1]
        let n = tb ? b.shape[0] : b.shape[1]
        guard (tb ? b.shape[1] : b.shape[0]) == k else { throw call.invalid("Gemm shapes \(a.shape) and \(b.shape) do not match") }
        var c: NDArray? = call.optionalTensor(2)
        if let cc = c {
            guard let s = Broadcast.shape([cc.shape, [m, n]]), s == [m, n] else {
                throw call.invalid("C of shape \(cc.shape) does not broadcast to [\(m), \(n)]")
            }
            c = Broadcast.expand(cc, to: [m, n])
        }
        let alpha = call.float("alpha", default: 1), beta = call.float("beta", default: 1)
        let g = GemmShape(m: m, n: n, k: k, transA: ta, transB: tb)
        let storage: NDArray.Storage
        switch a.storage {
        case .double(let x):
            storage = .double(gemmFloating(x, Double.values(of: b), c.map { Double.values(of: $0) }, g, Double(alpha), Double(beta)))
        case .int32, .int64, .uint32, .uint64:
            let r = gemmInteger(a.int64s, b.int64s, c?.int64s, g, Int64(alpha), Int64(beta))
            storage = NDArray.storage(a.dataType, r.map { Double($0) })
            if case .int64 = a.storage { return [.tensor(NDArray(shape: [m, n], int64s: r))] }
        default:
            guard a.dataType.isNNFloating else { throw call.unsupported(a.dataType) }
            storage = Float.storage(gemmFloating(Float.values(of: a), Float.values(of: b), c.map { Float.values(of: $0) }, g, alpha, beta), as: a.dataType)
        }
        return [.tensor(NDArray(dataType: a.dataType, shape: [m, n], storage: storage))]
    }

    /// Dimensions and transposition flags of a Gemm.
    struct GemmShape { var m: Int, n: Int, k: Int, transA: Bool, transB: Bool }

    /// `alpha * op(A) op(B) + beta * C` through BLAS (`c` already broadcast to m×n).
    static func gemmFloating<T: NNFloat>(_ a: [T], _ b: [T], _ c: [T]?, _ g: GemmShape, _ alpha: T, _ beta: T) -> [T] {
        var out = c ?? [T](repeating: 0, count: g.m * g.n)
        guard g.m * g.n > 0 else { return out }
        if g.k == 0 { return out.map { $0 * (c == nil ? 0 : beta) } }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { cp in
                    if g.m == 1 {
                        // a single row (batch-1 fully connected layer): GEMV reads B once, without packing
                        T.gemv(trans: !g.transB, m: g.transB ? g.n : g.k, n: g.transB ? g.k : g.n, alpha: alpha,
                               a: bp.baseAddress!, lda: g.transB ? g.k : g.n, x: ap.baseAddress!,
                               beta: c == nil ? 0 : beta, y: cp.baseAddress!)
                        return
                    }
                    T.gemm(transA: g.transA, transB: g.transB, m: g.m, n: g.n, k: g.k, alpha: alpha,
                           a: ap.baseAddress!, lda: g.transA ? g.m : g.k, b: bp.baseAddress!, ldb: g.transB ? g.k : g.n,
                           beta: c == nil ? 0 : beta, c: cp.baseAddress!, ldc: g.n)
                }
            }
        }
        return out
    }

    /// Integer Gemm with wrapping arithmetic.
    static func gemmInteger(_ a: [Int64], _ b: [Int64], _ c: [Int64]?, _ g: GemmShape, _ alpha: Int64, _ beta: Int64) -> [Int64] {
        var out = [Int64](repeating: 0, count: g.m * g.n)
        for r in 0..<g.m {
            for col in 0..<g.n {
                var acc: Int64 = 0
                for kk in 0..<g.k {
                    let av = g.transA ? a[kk * g.m + r] : a[r * g.k + kk]
                    let bv = g.transB ? b[col * g.k + kk] : b[kk * g.n + col]
                    acc = acc &+ av &* bv
                }
                out[r * g.n + col] = alpha &* acc &+ (c.map { beta &* $0[r * g.n + col] } ?? 0)
            }
        }
        return out
    }
}
