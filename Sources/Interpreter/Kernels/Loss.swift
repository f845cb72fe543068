import Foundation
import ModelIR

/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
enum LossKernels {
    static var table: [String: Kernel] {
        [
            "NegativeLogLikelihoodLoss": { call throws(InterpreterError) in
                let x = try call.floatingTensor(0)
                return [.tensor(try nll(call, logProb: x.doubles, shape: x.shape, dataType: x.dataType))]
            },
            "SoftmaxCrossEntropyLoss": softmaxCrossEntropy,
        ]
    }

    /// Negative log-likelihood of `logProb` ([N, C, d...]) at the targets of input 1, weighted by input 2,
    /// skipping `ignore_index`, reduced per the `reduction` attribute.
    static func nll(_ call: KernelCall, logProb: [Double], shape: [Int], dataType: DataType) throws(InterpreterError) -> NDArray {
        guard shape.count >= 2 else { throw call.invalid("the input needs shape [N, C, ...]") }
        let target = try call.tensor(1)
        let n = shape[0], c = shape[1], d = shape[2...].reduce(1, *)
        guard target.shape == [n] + Array(shape[2...]) else {
            throw call.invalid("target shape \(target.shape) does not match input \(shape)")
        }
        let weights = call.optionalTensor(2)?.doubles
        if let weights, weights.count != c { throw call.invalid("weight must have \(c) elements") }
        let ignore = call.int("ignore_index")
        let labels = target.ints
        var loss = [Double](repeating: 0, count: n * d)
        var weightSum = 0.0
        for b in 0..<n {
            for i in 0..<d {
                let t = labels[b * d + i]
                if t == ignore { continue }
                guard t >= 0, t < c else { throw call.invalid("target \(t) is out of range [0, \(c))") }
                let w = weights?[t] ?? 1
                loss[b * d + i] = -logProb[(b * c + t) * d + i] * w
                weightSum += w
            }
        }
        switch call.string("reduction", default: "mean") {
        case "none": return NDArray(dataType: dataType, shape: target.shape, doubles: loss)
        case "sum": return NDArray(dataType: dataType, shape: [], doubles: [loss.reduce(0, +)])
        case "mean": return NDArray(dataType: dataType, shape: [], doubles: [loss.reduce(0, +) / weightSum])
        case let r: throw .invalidAttribute(node: call.label, attribute: "reduction", reason: "unknown reduction '\(r)'")
        }
    }

    static let softmaxCrossEntropy: Kernel = { call throws(InterpreterError) in
        let x = try call.floatingTensor(0)
        guard x.rank >= 2 else { throw call.invalid("scores need shape [N, C, ...]") }
        let n = x.shape[0], c = x.shape[1], d = x.shape[2...].reduce(1, *)
        let scores = x.doubles
        var logProb = [Double](repeating: 0, count: scores.count)
        for b in 0..<n {
            for i in 0..<d {
                let base = b * c * d + i
                var m = -Double.infinity
                for k in 0..<c { m = max(m, scores[base + k * d]) }
                var s = 0.0
                for k in 0..<c { s += Foundation.exp(scores[base + k * d] - m) }
                let lse = m + Foundation.log(s)
                for k in 0..<c { logProb[base + k * d] = scores[base + k * d] - lse }
            }
        }
        let loss = try nll(call, logProb: logProb, shape: x.shape, dataType: x.dataType)
        return [.tensor(loss), .tensor(NDArray(dataType: x.dataType, shape: x.shape, doubles: logProb))]
    }
}
