import Interpreter
import ModelIR

/// How closely two outputs must agree; chosen per output dtype and reported.
public struct Tolerance: Codable, Equatable, Sendable {
    public enum Tier: String, Codable, Sendable {
        /// float32 outputs: atol 1e-4 + rtol 1e-4, the noise of summation order in deep float32 models
        /// (LiteRT's own XNNPACK and reference kernels differ by 9.2e-5 on the corpus's face detector).
        case float32
        /// float16/bfloat16 outputs: atol 1e-3 + rtol 1e-3.
        case float16
        /// Known-sensitive computations: atol 1e-3 + rtol 1e-2.
        case approximate
        /// Quantized integer outputs: at most `steps` quantization steps apart.
        case quantized
        /// Integers, booleans and strings: equal.
        case exact
    }

    public var tier: Tier
    public var atol: Double
    public var rtol: Double
    /// For the quantized tier: allowed distance in steps.
    public var steps: Double
    /// For the quantized tier: the size of one step in the output's units (1 for integer outputs,
    /// the scale for real-valued outputs of a DequantizeLinear).
    public var stepSize: Double = 1

    public static let float32 = Tolerance(tier: .float32, atol: 1e-4, rtol: 1e-4, steps: 0)
    public static let float16 = Tolerance(tier: .float16, atol: 1e-3, rtol: 1e-3, steps: 0)
    public static let approximate = Tolerance(tier: .approximate, atol: 1e-3, rtol: 1e-2, steps: 0)
    public static let exact = Tolerance(tier: .exact, atol: 0, rtol: 0, steps: 0)
    public static func quantized(steps: Double = 1) -> Tolerance { Tolerance(tier: .quantized, atol: 0, rtol: 0, steps: steps) }

    /// The default tier for an output of `dtype`; integer outputs count as quantized when `quantized`.
    public static func forOutput(_ dtype: DataType, quantized: Bool) -> Tolerance {
        switch dtype {
        case .float, .double: return .float32
        case .float16, .bfloat16: return .float16
        case .int8, .uint8, .int16, .uint16, .int4, .uint4: return quantized ? .quantized() : .exact
        default: return .exact
        }
    }

    /// Whether `a` and `b` agree element-wise under this tolerance.
    public func accepts(maxAbs: Double, worstExcess: Double) -> Bool {
        switch tier {
        case .quantized: return maxAbs <= steps * stepSize * (1 + 1e-6)
        case .exact: return maxAbs == 0
        default: return worstExcess <= 0
        }
    }

    public var summary: String {
        switch tier {
        case .quantized:
            return stepSize == 1 ? "quantized (≤ \(Int(steps)) step)" : "quantized (≤ \(Int(steps)) step of \(stepSize))"
        case .exact: return "exact"
        default: return "\(tier.rawValue) (atol \(atol), rtol \(rtol))"
        }
    }
}
