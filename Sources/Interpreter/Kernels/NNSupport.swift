import COpenBLAS
import Foundation
import ModelIR

// MARK: Floating-point element types for compute kernels

/// A floating-point type kernels compute in (Float for float/float16/bfloat16, Double for double),
/// with the BLAS routine it needs (elementary functions come from `Real`; SIMD vectors of it for
/// kernels that keep partial sums in registers).
protocol NNFloat: Real, SIMDScalar, PhaseElement {
    /// Row-major GEMM: `C = alpha * op(A) * op(B) + beta * C`.
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Row-major GEMV on an m×n matrix A: `y = alpha * op(A) * x + beta * y`.
    static func gemv(trans: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
                     x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)
    static func nnExp(_ x: Self) -> Self
    static func nnLog(_ x: Self) -> Self
    static func nnPow(_ x: Self, _ y: Self) -> Self
    /// The elements of `array` converted to this type (strings give an empty array).
    static func values(of array: NDArray) -> [Self]
    /// Wraps `values` as storage of `dataType` (converting to float16/bfloat16 when asked).
    static func storage(_ values: [Self], as dataType: DataType) -> NDArray.Storage
}

extension NNFloat {
    /// An array of `dataType` holding `values`.
    static func array(_ dataType: DataType, shape: [Int], _ values: [Self]) -> NDArray {
        NDArray(dataType: dataType, shape: shape, storage: storage(values, as: dataType))
    }
}

extension Float: NNFloat {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if k > 0 && n <= 4 {
            // A few output columns: one GEMV per column. OpenBLAS's GEMM would pack all of A for
            // them, which costs more than the product itself (an LSTM step, a late conv layer).
            for j in 0..<n {
                cblas_sgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, blasint(transA ? k : m), blasint(transA ? m : k),
                            alpha, a, blasint(max(lda, 1)), b + (transB ? j * ldb : j), blasint(transB ? 1 : max(ldb, 1)),
                            beta, c + j, blasint(max(ldc, 1)))
            }
            return
        }
        if k > 0 && m == 1 {
            // One output row: c = op(B)ᵀ·a, a single GEMV on B.
            cblas_sgemv(CblasRowMajor, transB ? CblasNoTrans : CblasTrans, blasint(transB ? n : k), blasint(transB ? k : n),
                        alpha, b, blasint(max(ldb, 1)), a, blasint(transA ? max(lda, 1) : 1), beta, c, 1)
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(max(lda, 1)), b, blasint(max(ldb, 1)),
                    beta, c, blasint(max(ldc, 1)))
    }
    static func gemv(trans: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        guard m > 0, n > 0 else { return }
        cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha, a, blasint(max(lda, 1)),
                    x, 1, beta, y, 1)
    }
    static func nnExp(_ x: Float) -> Float { Foundation.exp(x) }
    static func nnLog(_ x: Float) -> Float { Foundation.log(x) }
    static func nnPow(_ x: Float, _ y: Float) -> Float { Foundation.pow(x, y) }

    static func values(of array: NDArray) -> [Float] {
        switch array.storage {
        case .float(let a): return a
        case .float16(let a): return HalfConversion.floats(a)
        case .bfloat16(let a): return a.map { BFloat16.float($0) }
        case .double(let a): return a.map { Float($0) }
        case .uint8(let a): return mapElements(a) { Float($0) }
        case .int8(let a): return mapElements(a) { Float($0) }
        default: return array.doubles.map { Float($0) }
        }
    }

    static func storage(_ values: [Float], as dataType: DataType) -> NDArray.Storage {
        switch dataType {
        case .double: return .double(values.map { Double($0) })
        case .float16: return .float16(HalfConversion.halves(values))
        case .bfloat16: return .bfloat16(values.map { BFloat16.bits($0) })
        case .float, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz: return .float(values)
        default: return NDArray.storage(dataType, values.map { Double($0) })
        }
    }
}

extension Double: NNFloat {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                     a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                     beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(max(lda, 1)), b, blasint(max(ldb, 1)),
                    beta, c, blasint(max(ldc, 1)))
    }
    static func gemv(trans: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                     x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>) {
        guard m > 0, n > 0 else { return }
        cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha, a, blasint(max(lda, 1)),
                    x, 1, beta, y, 1)
    }
    static func nnExp(_ x: Double) -> Double { Foundation.exp(x) }
    static func nnLog(_ x: Double) -> Double { Foundation.log(x) }
    static func nnPow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }

    static func values(of array: NDArray) -> [Double] { array.doubles }

    static func storage(_ values: [Double], as dataType: DataType) -> NDArray.Storage {
        switch dataType {
        case .double: return .double(values)
        case .float: return .float(values.map { Float($0) })
        default: return NDArray.storage(dataType, values)
        }
    }
}

// MARK: Element-type checks

extension DataType {
    /// float, double, float16 or bfloat16: the types the floating kernels accept.
    var isNNFloating: Bool { self == .float || self == .double || self == .float16 || self == .bfloat16 }
}

extension KernelCall {
    /// Input `i`, which must be a floating-point tensor.
    func floatingTensor(_ i: Int) throws(InterpreterError) -> NDArray {
        let t = try tensor(i)
        guard t.dataType.isNNFloating else { throw unsupported(t.dataType) }
        return t
    }

    /// `axis` normalized into `0..<rank`, or an error naming the attribute.
    func normalizedAxis(_ axis: Int, rank: Int, name: String = "axis") throws(InterpreterError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < max(rank, 1) else {
            throw .invalidAttribute(node: label, attribute: name, reason: "axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }

    /// Axes normalized into `0..<rank`, sorted and de-duplicated.
    func normalizedAxes(_ axes: [Int], rank: Int) throws(InterpreterError) -> [Int] {
        var out = Set<Int>()
        for a in axes { out.insert(try normalizedAxis(a, rank: rank, name: "axes")) }
        return out.sorted()
    }
}

// MARK: Flat-offset plans

/// Flat offsets of every element of a strided sub-grid: `dims[i]` steps of `strides[i]`, row-major order.
func gridOffsets(dims: [Int], strides: [Int]) -> [Int] {
    let total = dims.reduce(1, *)
    var out = [Int](repeating: 0, count: total)
    guard total > 0 else { return out }
    var index = [Int](repeating: 0, count: dims.count)
    var offset = 0
    for i in 0..<total {
        out[i] = offset
        var d = dims.count - 1
        while d >= 0 {
            index[d] += 1
            offset += strides[d]
            if index[d] < dims[d] { break }
            offset -= strides[d] * dims[d]
            index[d] = 0
            d -= 1
        }
    }
    return out
}

/// The (outer, axis, inner) factorization of `shape` around `axis`.
func splitAround(_ shape: [Int], axis: Int) -> (outer: Int, n: Int, inner: Int) {
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    return (outer, shape[axis], inner)
}

// MARK: Buffers

/// An array of `count` elements whose contents the caller overwrites entirely (skips zero-filling).
func uninitializedArray<T: NNFloat>(_: T.Type, count: Int) -> [T] {
    [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}

/// An [n, channels, size] array with every plane `c` filled with `values[c]` (zeros when nil).
func channelFilled<T: NNFloat>(_ values: [T]?, n: Int, channels: Int, size: Int) -> [T] {
    guard let values else { return [T](repeating: 0, count: n * channels * size) }
    var y = uninitializedArray(T.self, count: n * channels * size)
    y.withUnsafeMutableBufferPointer { yp in
        guard let base = yp.baseAddress else { return }
        for b in 0..<n { for c in 0..<channels { (base + (b * channels + c) * size).update(repeating: values[c], count: size) } }
    }
    return y
}

// MARK: Rounding and saturation

/// `x` rounded to the nearest Int32, saturating (NaN gives 0).
func clampedInt32(_ x: Double) -> Int32 {
    guard !x.isNaN else { return 0 }
    return Int32(max(min(x.rounded(), 2147483647), -2147483648))
}

/// Round half to even, as ONNX quantization does.
@inline(__always) func roundHalfEven(_ x: Float) -> Float { x.rounded(.toNearestOrEven) }

// MARK: BLAS threads

/// Runs OpenBLAS on one thread unless `OPENBLAS_NUM_THREADS` or `OMP_NUM_THREADS` asks otherwise:
/// the interpreter's GEMMs are small, and threads spinning for work cost more than they save on a
/// shared machine (benchmarks compare with onnxruntime on one thread). Runs once, on first use.
enum BLASThreads {
    static let configured: Bool = {
        let environment = ProcessInfo.processInfo.environment
        if environment["OPENBLAS_NUM_THREADS"] == nil && environment["OMP_NUM_THREADS"] == nil {
            openblas_set_num_threads(1)
        }
        return true
    }()
}

// MARK: Allocator tuning

/// Keeps large freed blocks in the heap instead of returning them to the system, so that tensors
/// allocated on every run do not page-fault afresh (a large share of CNN inference time otherwise).
/// Runs once, on the first heavy kernel call.
enum AllocatorTuning {
    static let applied: Bool = {
        #if os(Linux)
        // glibc's mallopt (declared in <malloc.h>, which the Glibc module does not export).
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1
        if let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "mallopt") {
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            _ = mallopt(mmapThreshold, 32 << 20)
            _ = mallopt(trimThreshold, 512 << 20)
        }
        #endif
        return true
    }()
}
