import ModelIR

/// Softmax, LogSoftmax and Hardmax.
enum SoftmaxKernels {
    static var table: [String: Kernel] {
        [
            "Softmax": { call throws(InterpreterError) in try run(call, .softmax) },
            "LogSoftmax": { call throws(InterpreterError) in try run(call, .logSoftmax) },
            "Hardmax": { call throws(InterpreterError) in try run(call, .hardmax) },
        ]
    }

    enum Mode: Sendable { case softmax, logSoftmax, hardmax }

    /// The (outer, n, inner) layout: before opset 13 the input is coerced to 2-D at `axis`
    /// (default 1); from 13 the op runs along the single axis (default -1).
    static func layout(_ call: KernelCall, shape: [Int]) throws(InterpreterError) -> (outer: Int, n: Int, inner: Int) {
        let rank = shape.count
        if rank == 0 { return (1, 1, 1) }
        if call.opset < 13 {
            let a = call.int("axis", default: 1)
            let axis = a < 0 ? a + rank : a
            guard axis >= 0, axis <= rank else { throw call.invalid("axis \(a) is out of range for rank \(rank)") }
            return (shape[..<axis].reduce(1, *), shape[axis...].reduce(1, *), 1)
        }
        let axis = try call.normalizedAxis(call.int("axis", default: -1), rank: rank)
        return splitAround(shape, axis: axis)
    }

    static func run(_ call: KernelCall, _ mode: Mode) throws(InterpreterError) -> [RuntimeValue] {
        let x = try call.floatingTensor(0)
        let l = try layout(call, shape: x.shape)
        if case .double(let a) = x.storage {
            return [.tensor(Double.array(.double, shape: x.shape, compute(a, l, mode)))]
        }
        return [.tensor(Float.array(x.dataType, shape: x.shape, compute(Float.values(of: x), l, mode)))]
    }

    /// Applies `mode` along the middle dimension of an (outer, n, inner) layout.
    static func compute<T: NNFloat>(_ x: [T], _ l: (outer: Int, n: Int, inner: Int), _ mode: Mode) -> [T] {
        var out = [T](repeating: 0, count: x.count)
        let (outer, n, inner) = l
        guard n > 0 else { return out }
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { yp in
                for o in 0..<outer {
                    for i in 0..<inner {
                        let base = o * n * inner + i
                        along(xp.baseAddress! + base, yp.baseAddress! + base, n: n, stride: inner, mode)
                    }
                }
            }
        }
        return out
    }

    /// One softmax row of `n` elements `stride` apart.
    @inline(__always)
    static func along<T: NNFloat>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, n: Int, stride s: Int, _ mode: Mode) {
        var m = x[0]
        var mi = 0
        for k in 1..<n where x[k * s] > m { m = x[k * s]; mi = k }
        switch mode {
        case .hardmax:
            y[mi * s] = 1
        case .softmax:
            var sum: T = 0
            for k in 0..<n { let e = T.nnExp(x[k * s] - m); y[k * s] = e; sum += e }
            let inv = 1 / sum
            for k in 0..<n { y[k * s] *= inv }
        case .logSoftmax:
            var sum: T = 0
            for k in 0..<n { sum += T.nnExp(x[k * s] - m) }
            let lse = m + T.nnLog(sum)
            for k in 0..<n { y[k * s] = x[k * s] - lse }
        }
    }
}
