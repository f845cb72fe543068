// MARK: 1-D/2-D max and average pooling over stride phases

extension PoolKernels {
    /// Max or average pooling of 1-D/2-D planes. Each plane is copied into stride phases
    /// (`WindowPhases`), so every kernel tap is one pass over the padded output grid (and vectorizes
    /// at any stride). Padding reads as −∞ for max, which never wins `v > best`, and as 0 for average,
    /// which adds nothing to a sum that starts at +0: each output sees the same taps in the same
    /// (kh, kw) order as when the taps outside the input are skipped.
    static func rowPool<T: NNFloat>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, planes: Int, _ g: WindowGeometry, max isMax: Bool, includePad: Bool) {
        if isMax { return rowMaxPool(x, y, planes: planes, g) }
        let (H, W, OH, OW) = (g.input[1], g.input[2], g.output[1], g.output[2])
        let th = taps(g, 1), tw = taps(g, 2)
        // Average divisors per output column (times the row factor below).
        let validW = tw.map { T($0.valid.count) }, includedW = tw.map { T($0.included) }
        let phases = WindowPhases<T>(g)
        var grid = uninitializedArray(T.self, count: phases.count)
        grid.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress else { return }
            for p in 0..<planes {
                phases.fill(x + p * H * W, padding: 0)
                out.update(repeating: 0, count: buffer.count)
                phases.forEachTap { _, source, outputs in
                    for q in outputs { out[q] += source[q] }
                }
                let plane = y + p * OH * OW
                phases.copyRows(out, to: plane)
                for oh in 0..<OH {
                    let dst = plane + oh * OW, rowFactor = T(includePad ? th[oh].included : th[oh].valid.count)
                    for ow in 0..<OW {
                        let count = rowFactor * (includePad ? includedW[ow] : validW[ow])
                        dst[ow] = count > 0 ? dst[ow] / count : 0
                    }
                }
            }
        }
    }

    /// Max pooling of 1-D/2-D planes over stride phases, in the element type itself (floats, and
    /// 8-bit integers without widening). Padding reads as `T.lowest`; windows entirely in padding give 0.
    static func rowMaxPool<T: PhaseElement & Numeric>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, planes: Int, _ g: WindowGeometry) {
        let (H, W, OH, OW) = (g.input[1], g.input[2], g.output[1], g.output[2])
        let th = taps(g, 1), tw = taps(g, 2)
        let phases = WindowPhases<T>(g)
        var grid = [T](repeating: .lowest, count: phases.count)
        grid.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress else { return }
            for p in 0..<planes {
                phases.fill(x + p * H * W, padding: .lowest)
                out.update(repeating: .lowest, count: buffer.count)
                phases.forEachKernelRow { _, sources, outputs in
                    // One pass per kernel row with its taps in kw order: the same `v > m ? v : m`
                    // steps per output as one pass per tap, with a third of the loads and stores.
                    // (Compare-and-select keeps the loops branch-free.)
                    switch sources.count {
                    case 2:
                        let (a, b) = (sources[0], sources[1])
                        for q in outputs {
                            var m = out[q]
                            let va = a[q]; m = va > m ? va : m
                            let vb = b[q]; m = vb > m ? vb : m
                            out[q] = m
                        }
                    case 3:
                        let (a, b, c) = (sources[0], sources[1], sources[2])
                        for q in outputs {
                            var m = out[q]
                            let va = a[q]; m = va > m ? va : m
                            let vb = b[q]; m = vb > m ? vb : m
                            let vc = c[q]; m = vc > m ? vc : m
                            out[q] = m
                        }
                    default:
                        for source in sources {
                            for q in outputs { let v = source[q], d = out[q]; out[q] = v > d ? v : d }
                        }
                    }
                }
                let plane = y + p * OH * OW
                phases.copyRows(out, to: plane)
                for oh in 0..<OH {
                    let dst = plane + oh * OW
                    if th[oh].valid.isEmpty { dst.update(repeating: 0, count: OW) }
                    for ow in 0..<OW where tw[ow].valid.isEmpty { dst[ow] = 0 }
                }
            }
        }
    }
}
