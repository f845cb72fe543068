// MARK: Depthwise convolution

extension ConvKernels {
    /// The range of output indices `o` whose input `start + o * stride` lies in `[0, size)`.
    @inline(__always)
    static func validRange(start: Int, stride: Int, size: Int, count: Int) -> Range<Int> {
        let lo = start >= 0 ? 0 : (-start + stride - 1) / stride
        let hi = size - start <= 0 ? 0 : (size - start + stride - 1) / stride
        let l = min(lo, count), h = max(l, min(hi, count))
        return l..<h
    }

    /// Depthwise convolution of one 1-D/2-D channel at a time:
    /// `y[oh, ow] = bias + Σ w[kh, kw] · x[oh·sh − ph + kh·dh, ow·sw − pw + kw·dw]` over the taps that
    /// fall inside the input, summed in (kh, kw) order.
    ///
    /// The fast path copies the channel into zero-padded stride phases (`WindowPhases`), so the sum
    /// becomes one long multiply-add pass per tap. Padding taps then add `w · 0 = ±0`, which leaves
    /// every sum unchanged as long as it cannot be −0 (a sum starting from a bias other than −0
    /// never is) and `w` is finite; other channels take the direct path, which skips those taps.
    struct Depthwise<T: NNFloat> {
        let phases: WindowPhases<T>
        var sums: [T]

        init(_ g: WindowGeometry) {
            phases = WindowPhases(g)
            sums = uninitializedArray(T.self, count: phases.count)
        }

        /// Convolves one channel `x` with its kernel `w` into `y`.
        mutating func channel(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, bias: T) {
            let g = phases.g, taps = g.kernel[1] * g.kernel[2]
            let exactWithPadding = !(bias == 0 && bias.sign == .minus) && (0..<taps).allSatisfy { w[$0].isFinite }
            guard exactWithPadding, !sums.isEmpty else {
                ConvKernels.depthwiseDirect(x, w, y, bias: bias, g)
                return
            }
            phases.fill(x, padding: 0)
            let phases = phases
            sums.withUnsafeMutableBufferPointer { buffer in
                guard let out = buffer.baseAddress else { return }
                out.update(repeating: bias, count: buffer.count)
                let KW = phases.g.kernel[2]
                phases.forEachKernelRow { kh, s, outputs in
                    // A row's taps in one pass; each output still adds them one by one, in order.
                    let k = w + kh * KW
                    switch KW {
                    case 3:
                        let (w0, w1, w2, s0, s1, s2) = (k[0], k[1], k[2], s[0], s[1], s[2])
                        for p in outputs { var a = out[p]; a += w0 * s0[p]; a += w1 * s1[p]; a += w2 * s2[p]; out[p] = a }
                    case 5:
                        let (w0, w1, w2, w3, w4) = (k[0], k[1], k[2], k[3], k[4]), (s0, s1, s2, s3, s4) = (s[0], s[1], s[2], s[3], s[4])
                        for p in outputs {
                            var a = out[p]; a += w0 * s0[p]; a += w1 * s1[p]; a += w2 * s2[p]; a += w3 * s3[p]; a += w4 * s4[p]; out[p] = a
                        }
                    default:
                        for kw in 0..<KW {
                            let (wv, source) = (k[kw], s[kw])
                            for p in outputs { out[p] += wv * source[p] }
                        }
                    }
                }
                phases.copyRows(out, to: y)
            }
        }
    }

    /// One channel of a depthwise 1-D/2-D convolution, taps outside the input skipped, accumulated
    /// onto `y` one output row at a time.
    static func depthwiseDirect<T: NNFloat>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                            bias: T, _ g: WindowGeometry) {
        let (H, W, KH, KW, OH, OW) = (g.input[1], g.input[2], g.kernel[1], g.kernel[2], g.output[1], g.output[2])
        let (sh, sw, dh, dw, ph, pw) = (g.strides[1], g.strides[2], g.dilations[1], g.dilations[2], g.padsBegin[1], g.padsBegin[2])
        let columns = (0..<KW).map { kw in validRange(start: kw * dw - pw, stride: sw, size: W, count: OW) }
        y.update(repeating: bias, count: OH * OW)
        for oh in 0..<OH {
            let dst = y + oh * OW
            let taps = validRange(start: oh * sh - ph, stride: dh, size: H, count: KH)
            for kh in taps {
                let srcRow = x + (oh * sh - ph + kh * dh) * W
                for kw in 0..<KW {
                    let wv = w[kh * KW + kw]
                    let src = srcRow + kw * dw - pw
                    if sw == 1 {
                        for ow in columns[kw] { dst[ow] += wv * src[ow] }
                    } else {
                        for ow in columns[kw] { dst[ow] += wv * src[ow * sw] }
                    }
                }
            }
        }
    }
}
