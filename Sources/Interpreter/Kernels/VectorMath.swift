import CVectorMath

// MARK: Array transcendental functions

/// tanh, exp and sigmoid over whole Float arrays (`CVectorMath`: at most 2 ulp from the correctly
/// rounded result, measured over every float; special values exact), several times faster than
/// libm element by element. float16 arrays are computed in Float through the same functions, so a
/// float16 graph computed in Float (`HalfPromotion`) gets the same values.
enum VectorMath {
    /// An array function: `y[i] = f(x[i])` for `n` elements (`y` may be `x`).
    typealias ArrayFunction = @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    static let tanh: ArrayFunction = { mc_vtanhf($0, $1, $2) }
    static let exp: ArrayFunction = { mc_vexpf($0, $1, $2) }
    static let sigmoid: ArrayFunction = { mc_vsigmoidf($0, $1, $2) }

    /// `function` over `x`.
    static func apply(_ function: ArrayFunction, _ x: [Float]) -> [Float] {
        x.withUnsafeBufferPointer { src in
            [Float](unsafeUninitializedCapacity: src.count) { out, done in
                if let s = src.baseAddress, let d = out.baseAddress { function(s, d, src.count) }
                done = src.count
            }
        }
    }

    /// A kernel applying `function` to float and float16 input 0, and `f` to double and bfloat16.
    static func kernel(_ function: @escaping ArrayFunction, else f: some RealFunction) -> Kernel {
        { call throws(InterpreterError) in
            let x = try call.tensor(0)
            guard x.dataType.isPlainReal else { throw call.unsupported(x.dataType) }
            switch x.storage {
            case .float(let a):
                return [.tensor(NDArray(dataType: x.dataType, shape: x.shape, storage: .float(apply(function, a))))]
            case .float16(let a):
                let y = HalfConversion.halves(apply(function, HalfConversion.floats(a)))
                return [.tensor(NDArray(dataType: x.dataType, shape: x.shape, storage: .float16(y)))]
            default:
                return [.tensor(try Elementwise.mapReal(call, x, f))]
            }
        }
    }
}
