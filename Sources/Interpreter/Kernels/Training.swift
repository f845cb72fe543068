import Foundation
import ModelIR

/// Optimizer steps of the ai.onnx.preview.training domain: Adagrad, Adam and Momentum.
/// Inputs are R (learning rate), T (step count), then n tensors of each per-parameter group.
enum TrainingKernels {
    static let domain = "ai.onnx.preview.training"

    static var table: [String: Kernel] {
        [
            "\(domain)::Adagrad": adagrad,
            "\(domain)::Adam": adam,
            "\(domain)::Momentum": momentum,
        ]
    }

    // MARK: Helpers

    /// R, T and the `groups` equally long lists of tensors that follow them.
    static func operands(_ call: KernelCall, groups: Int) throws(InterpreterError) -> (r: Double, t: Int64, [[NDArray]]) {
        guard let r = try call.tensor(0).doubles.first, let t = try call.tensor(1).int64s.first else {
            throw call.invalid("R and T must be scalars")
        }
        let rest = call.inputs.count - 2
        guard rest > 0, rest % groups == 0 else { throw call.invalid("expected \(groups) tensors per optimized input, got \(rest) inputs") }
        let n = rest / groups
        var lists: [[NDArray]] = []
        for g in 0..<groups {
            var list: [NDArray] = []
            for i in 0..<n {
                let a = try call.tensor(2 + g * n + i)
                guard [.float, .double, .float16].contains(a.dataType) else { throw call.unsupported(a.dataType) }
                guard a.shape == (lists.first?[i].shape ?? a.shape) else { throw call.invalid("tensor shapes of optimized input \(i) differ") }
                list.append(a)
            }
            lists.append(list)
        }
        return (r, t, lists)
    }

    // MARK: Kernels

    /// x ← x − r/(1+t·decay) · g'/(√h' + ε), h' = h + g'², g' = λx + g.
    static let adagrad: Kernel = { call throws(InterpreterError) in
        let (r, t, lists) = try operands(call, groups: 3)
        let decay = Double(call.float("decay_factor", default: 0))
        let epsilon = Double(call.float("epsilon", default: 1e-6))
        let lambda = Double(call.float("norm_coefficient", default: 0))
        let rate = r / (1 + Double(t) * decay)
        var xs: [RuntimeValue] = [], hs: [RuntimeValue] = []
        for i in 0..<lists[0].count {
            let x = lists[0][i].doubles, g = lists[1][i].doubles, h = lists[2][i].doubles
            var newX = x, newH = h
            for k in 0..<x.count {
                let gr = lambda * x[k] + g[k]
                newH[k] = h[k] + gr * gr
                newX[k] = x[k] - rate * gr / (newH[k].squareRoot() + epsilon)
            }
            xs.append(.tensor(lists[0][i].with(shape: lists[0][i].shape, doubles: newX)))
            hs.append(.tensor(lists[2][i].with(shape: lists[2][i].shape, doubles: newH)))
        }
        return xs + hs
    }

    /// Adam with bias correction for t > 0 and optional post-update shrinking.
    static let adam: Kernel = { call throws(InterpreterError) in
        let (r, t, lists) = try operands(call, groups: 4)
        let alpha = Double(call.float("alpha", default: 0.9)), beta = Double(call.float("beta", default: 0.999))
        let epsilon = Double(call.float("epsilon", default: 1e-6))
        let lambda = Double(call.float("norm_coefficient", default: 0))
        let post = Double(call.float("norm_coefficient_post", default: 0))
        let rate = t > 0 ? r * (1 - pow(beta, Double(t))).squareRoot() / (1 - pow(alpha, Double(t))) : r
        var xs: [RuntimeValue] = [], vs: [RuntimeValue] = [], hs: [RuntimeValue] = []
        for i in 0..<lists[0].count {
            let x = lists[0][i].doubles, g = lists[1][i].doubles, v = lists[2][i].doubles, h = lists[3][i].doubles
            var newX = x, newV = v, newH = h
            for k in 0..<x.count {
                let gr = lambda * x[k] + g[k]
                newV[k] = alpha * v[k] + (1 - alpha) * gr
                newH[k] = beta * h[k] + (1 - beta) * gr * gr
                newX[k] = (1 - post) * (x[k] - rate * newV[k] / (newH[k].squareRoot() + epsilon))
            }
            xs.append(.tensor(lists[0][i].with(shape: lists[0][i].shape, doubles: newX)))
            vs.append(.tensor(lists[2][i].with(shape: lists[2][i].shape, doubles: newV)))
            hs.append(.tensor(lists[3][i].with(shape: lists[3][i].shape, doubles: newH)))
        }
        return xs + vs + hs
    }

    /// SGD with standard or Nesterov momentum; the gradient coefficient is 1 on the first step.
    static let momentum: Kernel = { call throws(InterpreterError) in
        let (r, t, lists) = try operands(call, groups: 3)
        let alpha = Double(call.float("alpha", default: 0.9)), beta = Double(call.float("beta", default: 1))
        let lambda = Double(call.float("norm_coefficient", default: 0))
        let mode = call.string("mode", default: "standard")
        guard mode == "standard" || mode == "nesterov" else {
            throw .invalidAttribute(node: call.label, attribute: "mode", reason: "must be 'standard' or 'nesterov'")
        }
        let betaAdjusted = t > 0 ? beta : 1
        var xs: [RuntimeValue] = [], vs: [RuntimeValue] = []
        for i in 0..<lists[0].count {
            let x = lists[0][i].doubles, g = lists[1][i].doubles, v = lists[2][i].doubles
            var newX = x, newV = v
            for k in 0..<x.count {
                let gr = lambda * x[k] + g[k]
                newV[k] = alpha * v[k] + betaAdjusted * gr
                newX[k] = mode == "standard" ? x[k] - r * newV[k] : x[k] - r * (gr + alpha * newV[k])
            }
            xs.append(.tensor(lists[0][i].with(shape: lists[0][i].shape, doubles: newX)))
            vs.append(.tensor(lists[2][i].with(shape: lists[2][i].shape, doubles: newV)))
        }
        return xs + vs
    }
}
