import Foundation
import ModelIR

/// Signal processing: window functions, DFT, STFT and MelWeightMatrix.
enum SignalKernels {
    static var table: [String: Kernel] {
        [
            "HannWindow": window { n, N in pow(sin(Double.pi * n / N), 2) },
            "HammingWindow": window { n, N in 25.0 / 46.0 - (21.0 / 46.0) * cos(2 * Double.pi * n / N) },
            "BlackmanWindow": window { n, N in 0.42 - 0.5 * cos(2 * Double.pi * n / N) + 0.08 * cos(4 * Double.pi * n / N) },
            "DFT": dft,
            "STFT": stft,
            "MelWeightMatrix": melWeightMatrix,
        ]
    }

    // MARK: Helpers

    /// A scalar integer input.
    static func scalarInt(_ call: KernelCall, _ i: Int, _ what: String) throws(InterpreterError) -> Int {
        guard let v = try call.tensor(i).scalarInt else { throw call.invalid("\(what) must be a single integer") }
        return v
    }

    /// The `output_datatype` attribute (default float).
    static func outputType(_ call: KernelCall) -> DataType {
        DataType(rawValue: Int32(call.int("output_datatype", default: Int(DataType.float.rawValue))))
    }

    // MARK: Windows

    /// A window kernel computing `value(n, N)` for n in 0..<size, N = size (periodic) or size-1 (symmetric).
    static func window(_ value: @escaping @Sendable (Double, Double) -> Double) -> Kernel {
        { call throws(InterpreterError) in
            let size = try scalarInt(call, 0, "size")
            guard size >= 0 else { throw call.invalid("size must not be negative") }
            let periodic = call.int("periodic", default: 1) != 0
            let denominator = Double(periodic || size <= 1 ? max(size, 1) : size - 1)
            let values = (0..<size).map { n in size == 1 && !periodic ? 1 : value(Double(n), denominator) }
            return [.tensor(NDArray(dataType: outputType(call), shape: [size], doubles: values))]
        }
    }

    // MARK: Fourier transforms

    /// In-place discrete Fourier transform of (re, im); `inverse` flips the sign of the exponent (no scaling).
    static func transform(_ re: inout [Double], _ im: inout [Double], inverse: Bool) {
        let n = re.count
        guard n > 1 else { return }
        let sign: Double = inverse ? 1 : -1
        if n & (n - 1) == 0 {
            radix2(&re, &im, sign: sign)
            return
        }
        var outRe = [Double](repeating: 0, count: n), outIm = outRe
        let cosTable = (0..<n).map { cos(2 * Double.pi * Double($0) / Double(n)) }
        let sinTable = (0..<n).map { sign * sin(2 * Double.pi * Double($0) / Double(n)) }
        for k in 0..<n {
            var sr = 0.0, si = 0.0, idx = 0
            for j in 0..<n {
                let c = cosTable[idx], s = sinTable[idx]
                sr += re[j] * c - im[j] * s
                si += re[j] * s + im[j] * c
                idx += k
                if idx >= n { idx -= n }
            }
            outRe[k] = sr
            outIm[k] = si
        }
        re = outRe
        im = outIm
    }

    /// Iterative radix-2 Cooley-Tukey FFT (n a power of two).
    static func radix2(_ re: inout [Double], _ im: inout [Double], sign: Double) {
        let n = re.count
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        var len = 2
        while len <= n {
            let angle = sign * 2 * Double.pi / Double(len)
            for start in stride(from: 0, to: n, by: len) {
                for k in 0..<(len / 2) {
                    let wr = cos(angle * Double(k)), wi = sin(angle * Double(k))
                    let a = start + k, b = a + len / 2
                    let tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr
                    re[b] = re[a] - tr; im[b] = im[a] - ti
                    re[a] += tr; im[a] += ti
                }
            }
            len <<= 1
        }
    }

    /// DFT along the signal axis of [..., signal, ..., 1|2] (opset 17: axis attribute; 20+: axis input).
    static let dft: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        guard [.float, .double, .float16, .bfloat16].contains(x.dataType) else { throw call.unsupported(x.dataType) }
        guard x.rank >= 2, let comps = x.shape.last, comps == 1 || comps == 2 else {
            throw call.invalid("input must have rank >= 2 with a last dimension of 1 (real) or 2 (complex)")
        }
        var rawAxis = call.opset >= 20 ? -2 : call.int("axis", default: 1)
        if call.opset >= 20, call.has(2) { rawAxis = try scalarInt(call, 2, "axis") }
        guard let axis = ControlArrays.axis(rawAxis, rank: x.rank), axis < x.rank - 1 else {
            throw call.invalid("axis \(rawAxis) does not name a signal axis of rank-\(x.rank) input")
        }
        let inverse = call.int("inverse", default: 0) != 0
        let onesided = call.int("onesided", default: 0) != 0
        let length = x.shape[axis]
        var n = inverse && onesided ? 2 * (length - 1) : length
        if call.has(1) { n = try scalarInt(call, 1, "dft_length") }
        guard n > 0 else { throw call.invalid("dft_length must be positive") }
        let outer = NDArray.count(of: Array(x.shape[..<axis]))
        let inner = NDArray.count(of: Array(x.shape[(axis + 1)..<(x.rank - 1)]))
        let realOutput = inverse && onesided
        let outLength = onesided && !inverse ? n / 2 + 1 : n
        let outComps = realOutput ? 1 : 2
        let values = x.doubles
        var out = [Double](repeating: 0, count: outer * outLength * inner * outComps)
        var re = [Double](repeating: 0, count: n), im = re
        for o in 0..<outer {
            for i in 0..<inner {
                for k in 0..<n { re[k] = 0; im[k] = 0 }
                let used = realOutput ? min(length, n / 2 + 1) : min(length, n)
                for l in 0..<used {
                    let src = ((o * length + l) * inner + i) * comps
                    re[l] = values[src]
                    im[l] = comps == 2 ? values[src + 1] : 0
                }
                if realOutput {
                    // One-sided spectrum: fill the rest by Hermitian symmetry.
                    for k in used..<n where n - k < used { re[k] = re[n - k]; im[k] = -im[n - k] }
                }
                transform(&re, &im, inverse: inverse)
                let scale = inverse ? 1 / Double(n) : 1
                for k in 0..<outLength {
                    let dst = ((o * outLength + k) * inner + i) * outComps
                    out[dst] = re[k] * scale
                    if outComps == 2 { out[dst + 1] = im[k] * scale }
                }
            }
        }
        var shape = x.shape
        shape[axis] = outLength
        shape[x.rank - 1] = outComps
        return [.tensor(x.with(shape: shape, doubles: out))]
    }

    /// Short-time Fourier transform of [batch, length, 1|2] into [batch, frames, bins, 2].
    static let stft: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        guard [.float, .double, .float16, .bfloat16].contains(x.dataType) else { throw call.unsupported(x.dataType) }
        guard x.rank == 3, x.shape[2] == 1 || x.shape[2] == 2 else { throw call.invalid("signal must be [batch, length, 1 or 2]") }
        let step = try scalarInt(call, 1, "frame_step")
        let window = call.optionalTensor(2)?.doubles
        var frameLength = window?.count ?? x.shape[1]
        if call.has(3) { frameLength = try scalarInt(call, 3, "frame_length") }
        guard step > 0, frameLength > 0, frameLength <= x.shape[1] else { throw call.invalid("invalid frame_step \(step) or frame_length \(frameLength)") }
        if let window, window.count != frameLength { throw call.invalid("window length \(window.count) != frame_length \(frameLength)") }
        let onesided = call.int("onesided", default: 1) != 0
        let (batch, length, comps) = (x.shape[0], x.shape[1], x.shape[2])
        let frames = 1 + (length - frameLength) / step
        let bins = onesided ? frameLength / 2 + 1 : frameLength
        let values = x.doubles
        var out = [Double](repeating: 0, count: batch * frames * bins * 2)
        var re = [Double](repeating: 0, count: frameLength), im = re
        for b in 0..<batch {
            for f in 0..<frames {
                for j in 0..<frameLength {
                    let src = (b * length + f * step + j) * comps
                    let w = window?[j] ?? 1
                    re[j] = values[src] * w
                    im[j] = comps == 2 ? values[src + 1] * w : 0
                }
                transform(&re, &im, inverse: false)
                for k in 0..<bins {
                    let dst = ((b * frames + f) * bins + k) * 2
                    out[dst] = re[k]
                    out[dst + 1] = im[k]
                }
            }
        }
        return [.tensor(x.with(shape: [batch, frames, bins, 2], doubles: out))]
    }

    // MARK: Mel filter bank

    /// Triangular mel filters as a [dft_length/2+1, num_mel_bins] matrix (frequency bins rounded down).
    static let melWeightMatrix: Kernel = { call throws(InterpreterError) in
        let melBins = try scalarInt(call, 0, "num_mel_bins")
        let dftLength = try scalarInt(call, 1, "dft_length")
        let sampleRate = try scalarInt(call, 2, "sample_rate")
        guard let lower = try call.tensor(3).doubles.first, let upper = try call.tensor(4).doubles.first else {
            throw call.invalid("lower_edge_hertz and upper_edge_hertz must be scalars")
        }
        guard melBins > 0, dftLength > 0, sampleRate > 0 else { throw call.invalid("num_mel_bins, dft_length and sample_rate must be positive") }
        let spectrumBins = dftLength / 2 + 1
        func mel(_ hz: Double) -> Double { 2595 * log10(1 + hz / 700) }
        let lowMel = mel(lower), highMel = mel(upper)
        let melStep = (highMel - lowMel) / Double(melBins + 2)
        let edges = (0..<(melBins + 2)).map { i -> Int in
            let hz = 700 * (pow(10, (Double(i) * melStep + lowMel) / 2595) - 1)
            return Int((Double(dftLength + 1) * hz / Double(sampleRate)).rounded(.down))
        }
        guard edges.allSatisfy({ $0 >= 0 && $0 < spectrumBins }) else { throw call.invalid("mel band edges fall outside the spectrum") }
        var out = [Double](repeating: 0, count: spectrumBins * melBins)
        for i in 0..<melBins {
            let (left, center, right) = (edges[i], edges[i + 1], edges[i + 2])
            if center == left {
                out[center * melBins + i] = 1
            } else if center > left {
                for j in left...center { out[j * melBins + i] = Double(j - left) / Double(center - left) }
            }
            if right > center {
                for j in center..<right { out[j * melBins + i] = Double(right - j) / Double(right - center) }
            }
        }
        return [.tensor(NDArray(dataType: outputType(call), shape: [spectrumBins, melBins], doubles: out))]
    }
}
