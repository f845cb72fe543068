// MARK: Stride-phase scratch for 1-D/2-D sliding windows

/// One input plane copied into a padded scratch split into stride phases, so that every tap of a
/// 1-D/2-D sliding window (depthwise convolution, pooling) reads one contiguous run.
///
/// Outputs are laid out on a padded grid of `rows × width` (`width ≥ OW`; the extra columns are
/// scratch): tap (kh, kw) of output `p = oh · width + ow` reads `source(kh, kw)[p]`, with
/// `planes[qr, qc][i, j] = x[(i·sh + qr) − ph, (j·sw + qc) − pw]`, or `padding` outside the input.
/// A kernel can therefore run one long loop per tap instead of short strided loops per row.
/// A class: kernels hand it to closures once per plane, and a reference is all that copies.
final class WindowPhases<T: PhaseElement> {
    let g: WindowGeometry
    /// Output rows, and the row length of the phase planes and of the padded output grid.
    let rows: Int, width: Int
    /// Rows of each phase plane (one more than taps reach, so whole padded output rows can be read).
    let planeRows: Int
    private var planes: [T]
    /// The padding value the planes' padding cells hold (they are the same for every input plane).
    private var padded: T?

    init(_ g: WindowGeometry) {
        self.g = g
        let (KH, KW, OH, OW) = (g.kernel[1], g.kernel[2], g.output[1], g.output[2])
        let (sh, sw, dh, dw) = (g.strides[1], g.strides[2], g.dilations[1], g.dilations[2])
        rows = OH
        width = OW + (KW - 1) * dw / sw
        planeRows = OH + (KH - 1) * dh / sh + 1
        let count = sh * sw * planeRows * width
        planes = [T](unsafeUninitializedCapacity: count) { _, n in n = count }
    }

    /// Number of elements of the padded output grid.
    var count: Int { rows * width }

    /// Copies plane `x` (of the geometry's input size) into the phases, `padding` around it.
    /// The padding cells are written on the first call only (and when `padding` changes).
    func fill(_ x: UnsafePointer<T>, padding: T) {
        let (H, W) = (g.input[1], g.input[2])
        let (sh, sw, ph, pw) = (g.strides[1], g.strides[2], g.padsBegin[1], g.padsBegin[2])
        let (width, planeRows) = (width, planeRows)
        let padNeeded = !(padded.map { $0.isIdentical(to: padding) } ?? false)
        padded = padding
        planes.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            if padNeeded { base.update(repeating: padding, count: buffer.count) }
            for qr in 0..<sh {
                for qc in 0..<sw {
                    let plane = base + (qr * sw + qc) * planeRows * width
                    // Input columns j·sw + qc − pw for j in `valid`; plane rows i for input rows in `rows`.
                    let valid = ConvKernels.validRange(start: qc - pw, stride: sw, size: W, count: width)
                    let rows = ConvKernels.validRange(start: qr - ph, stride: sh, size: H, count: planeRows)
                    guard !valid.isEmpty else { continue }
                    for i in rows {
                        let dst = plane + i * width + valid.lowerBound
                        let src = x + (i * sh + qr - ph) * W + valid.lowerBound * sw + qc - pw
                        if sw == 1 {
                            dst.update(from: src, count: valid.count)
                        } else {
                            var from = src
                            for j in 0..<valid.count {
                                dst[j] = from.pointee
                                from += sw
                            }
                        }
                    }
                }
            }
        }
    }

    /// Calls `body(tap, source, outputs)` for every tap in (kh, kw) order, `tap = kh · KW + kw`:
    /// `source[p]` is the input the tap reads for padded output `p`, and `outputs` covers the output
    /// rows where this tap's input row is inside the input (on the other rows it reads only padding).
    func forEachTap(_ body: (Int, UnsafePointer<T>, Range<Int>) -> Void) {
        let (H, KH, KW) = (g.input[1], g.kernel[1], g.kernel[2])
        let (sh, sw, dh, dw, ph) = (g.strides[1], g.strides[2], g.dilations[1], g.dilations[2], g.padsBegin[1])
        let (rows, width, planeSize) = (rows, width, planeRows * width)
        planes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for kh in 0..<KH {
                let valid = ConvKernels.validRange(start: kh * dh - ph, stride: sh, size: H, count: rows)
                for kw in 0..<KW {
                    let (r, c) = (kh * dh, kw * dw)
                    let source = base + ((r % sh) * sw + c % sw) * planeSize + (r / sh) * width + c / sw
                    body(kh * KW + kw, source, (valid.lowerBound * width)..<(valid.upperBound * width))
                }
            }
        }
    }

    /// Calls `body(kh, sources, outputs)` for every kernel row in order, with the sources of its
    /// taps kw = 0..<KW in order (see `forEachTap`); `outputs` is the same for all taps of a row.
    func forEachKernelRow(_ body: (Int, UnsafeBufferPointer<UnsafePointer<T>>, Range<Int>) -> Void) {
        var sources: [UnsafePointer<T>] = []
        sources.reserveCapacity(g.kernel[2])
        var current = -1, range = 0..<0
        let KW = g.kernel[2]
        forEachTap { tap, source, outputs in
            if tap / KW != current { sources.removeAll(keepingCapacity: true); current = tap / KW; range = outputs }
            sources.append(source)
            if sources.count == KW { sources.withUnsafeBufferPointer { body(current, $0, range) } }
        }
    }

    /// Copies the `OW` real columns of each padded output row of `grid` into `y` (`rows × OW`).
    func copyRows(_ grid: UnsafePointer<T>, to y: UnsafeMutablePointer<T>) {
        let ow = g.output[2]
        for oh in 0..<rows { (y + oh * ow).update(from: grid + oh * width, count: ow) }
    }
}

/// An element type stride phases hold: the floats kernels compute in, and the 8-bit integers
/// max pooling compares directly.
protocol PhaseElement: Comparable {
    /// The smallest value: what padding reads as for max pooling (it never wins `v > best`).
    static var lowest: Self { get }
    /// Whether the two values have the same representation (+0 and −0 differ).
    func isIdentical(to other: Self) -> Bool
}

extension Float: PhaseElement {
    static var lowest: Float { -.infinity }
    func isIdentical(to other: Float) -> Bool { bitPattern == other.bitPattern }
}

extension Double: PhaseElement {
    static var lowest: Double { -.infinity }
    func isIdentical(to other: Double) -> Bool { bitPattern == other.bitPattern }
}

extension UInt8: PhaseElement {
    static var lowest: UInt8 { .min }
    func isIdentical(to other: UInt8) -> Bool { self == other }
}

extension Int8: PhaseElement {
    static var lowest: Int8 { .min }
    func isIdentical(to other: Int8) -> Bool { self == other }
}
