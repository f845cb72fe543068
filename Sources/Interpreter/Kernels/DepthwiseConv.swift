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
    /// The fast path copies the channel into a zero-padded scratch split into stride phases, so that
    /// every tap reads one contiguous run and the sum becomes one long multiply-add pass per tap.
    /// Padding taps then add `w · 0 = ±0`, which leaves every sum unchanged as long as it cannot be
    /// −0 (a sum starting from a bias other than −0 never is) and `w` is finite; other channels take
    /// the direct path, which skips those taps.
    struct Depthwise<T: NNFloat> {
        let g: WindowGeometry
        /// Output rows, and the row length of the phase planes and of the padded output.
        let rows: Int, width: Int
        /// Rows of each phase plane (one more than taps reach, so whole padded output rows can be read).
        let planeRows: Int
        var planes: [T]
        var sums: [T]

        init(_ g: WindowGeometry) {
            self.g = g
            let (KH, KW, OH, OW) = (g.kernel[1], g.kernel[2], g.output[1], g.output[2])
            let (sh, sw, dh, dw) = (g.strides[1], g.strides[2], g.dilations[1], g.dilations[2])
            rows = OH
            width = OW + (KW - 1) * dw / sw
            planeRows = OH + (KH - 1) * dh / sh + 1
            planes = uninitializedArray(T.self, count: sh * sw * planeRows * width)
            sums = uninitializedArray(T.self, count: OH * width)
        }

        /// Convolves one channel `x` with its kernel `w` into `y`.
        mutating func channel(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, bias: T) {
            let taps = g.kernel[1] * g.kernel[2]
            let exactWithPadding = !(bias == 0 && bias.sign == .minus) && (0..<taps).allSatisfy { w[$0].isFinite }
            guard exactWithPadding, !planes.isEmpty, !sums.isEmpty else {
                ConvKernels.depthwiseDirect(x, w, y, bias: bias, g)
                return
            }
            fillPlanes(x)
            let (H, KH, KW, OW) = (g.input[1], g.kernel[1], g.kernel[2], g.output[2])
            let (sh, sw, dh, dw, ph) = (g.strides[1], g.strides[2], g.dilations[1], g.dilations[2], g.padsBegin[1])
            let (rows, width, count, planeSize) = (rows, width, rows * width, planeRows * width)
            planes.withUnsafeBufferPointer { pp in
                sums.withUnsafeMutableBufferPointer { sp in
                    guard let planes = pp.baseAddress, let out = sp.baseAddress else { return }
                    out.update(repeating: bias, count: count)
                    for kh in 0..<KH {
                        // Output rows whose input row for this tap is inside the input; the others
                        // would only add padding zeros.
                        let valid = validRange(start: kh * dh - ph, stride: sh, size: H, count: rows)
                        let (first, end) = (valid.lowerBound * width, valid.upperBound * width)
                        for kw in 0..<KW {
                            let (r, c) = (kh * dh, kw * dw)
                            let src = planes + ((r % sh) * sw + c % sw) * planeSize + (r / sh) * width + c / sw
                            let wv = w[kh * KW + kw]
                            for p in first..<end { out[p] += wv * src[p] }
                        }
                    }
                    for oh in 0..<rows { (y + oh * OW).update(from: out + oh * width, count: OW) }
                }
            }
        }

        /// Writes the zero-padded channel into the stride phases:
        /// `planes[qr, qc][i, j] = x[(i·sh + qr) − ph, (j·sw + qc) − pw]`, or 0 outside the input.
        private mutating func fillPlanes(_ x: UnsafePointer<T>) {
            let (H, W) = (g.input[1], g.input[2])
            let (sh, sw, ph, pw) = (g.strides[1], g.strides[2], g.padsBegin[1], g.padsBegin[2])
            let (width, planeRows) = (width, planeRows)
            planes.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                for qr in 0..<sh {
                    for qc in 0..<sw {
                        let plane = base + (qr * sw + qc) * planeRows * width
                        // Input columns j·sw + qc − pw for j in `valid`.
                        let valid = validRange(start: qc - pw, stride: sw, size: W, count: width)
                        for i in 0..<planeRows {
                            let dst = plane + i * width
                            let row = i * sh + qr - ph
                            guard row >= 0 && row < H, !valid.isEmpty else { dst.update(repeating: 0, count: width); continue }
                            dst.update(repeating: 0, count: valid.lowerBound)
                            let src = x + row * W + valid.lowerBound * sw + qc - pw
                            if sw == 1 {
                                (dst + valid.lowerBound).update(from: src, count: valid.count)
                            } else {
                                for j in 0..<valid.count { dst[valid.lowerBound + j] = src[j * sw] }
                            }
                            (dst + valid.upperBound).update(repeating: 0, count: width - valid.upperBound)
                        }
                    }
                }
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
