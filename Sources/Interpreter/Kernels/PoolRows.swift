// MARK: Row-at-a-time 1-D/2-D max and average pooling

extension PoolKernels {
    /// Max or average pooling of 1-D/2-D planes, one output row at a time: each kernel tap updates a
    /// whole output row, so the inner loops are independent across outputs (and vectorize at stride 1).
    static func rowPool<T: NNFloat>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, planes: Int, _ g: WindowGeometry, max isMax: Bool, includePad: Bool) {
        let (H, W, OH, OW) = (g.input[1], g.input[2], g.output[1], g.output[2])
        let (sh, sw, dh, dw, ph, pw) = (g.strides[1], g.strides[2], g.dilations[1], g.dilations[2], g.padsBegin[1], g.padsBegin[2])
        let th = taps(g, 1), tw = taps(g, 2)
        // For each kernel column: the output columns whose tap is inside the input.
        let columns = (0..<g.kernel[2]).map { kw in ConvKernels.validRange(start: kw * dw - pw, stride: sw, size: W, count: OW) }
        // Average divisors per output column (times the row factor below).
        let validW = tw.map { T($0.valid.count) }, includedW = tw.map { T($0.included) }
        for p in 0..<planes {
            let plane = x + p * H * W
            for oh in 0..<OH {
                let dst = y + (p * OH + oh) * OW
                dst.update(repeating: isMax ? -T.infinity : 0, count: OW)
                let rows = th[oh].valid
                for kh in rows {
                    let src = plane + (oh * sh - ph + kh * dh) * W - pw
                    for kw in 0..<g.kernel[2] {
                        let tap = src + kw * dw
                        if isMax {
                            // unconditional stores keep the loop branch-free (no mispredictions on random data)
                            if sw == 1 {
                                for ow in columns[kw] { let v = tap[ow], d = dst[ow]; dst[ow] = v > d ? v : d }
                            } else {
                                for ow in columns[kw] { let v = tap[ow * sw], d = dst[ow]; dst[ow] = v > d ? v : d }
                            }
                        } else if sw == 1 {
                            for ow in columns[kw] { dst[ow] += tap[ow] }
                        } else {
                            for ow in columns[kw] { dst[ow] += tap[ow * sw] }
                        }
                    }
                }
                if isMax {
                    // Windows entirely in padding produce 0, as in the reference.
                    if rows.isEmpty { dst.update(repeating: 0, count: OW) }
                    for ow in 0..<OW where tw[ow].valid.isEmpty { dst[ow] = 0 }
                } else {
                    let rowFactor = T(includePad ? th[oh].included : rows.count)
                    for ow in 0..<OW {
                        let count = rowFactor * (includePad ? includedW[ow] : validW[ow])
                        dst[ow] = count > 0 ? dst[ow] / count : 0
                    }
                }
            }
        }
    }
}
