import ModelIR

// MARK: Sliding-window geometry shared by Conv and the pools

/// Spatial geometry of a sliding-window op, padded to three spatial dimensions (leading unit dims).
struct WindowGeometry {
    var input: [Int]
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    var padsBegin: [Int]
    var padsEnd: [Int]
    var output: [Int]
    /// Number of real spatial dimensions (before padding to three).
    var rank: Int

    var inputSize: Int { input.reduce(1, *) }
    var outputSize: Int { output.reduce(1, *) }
    var kernelSize: Int { kernel.reduce(1, *) }

    /// The real (unpadded) output spatial shape.
    var outputShape: [Int] { Array(output.suffix(rank)) }

    /// The geometry for `inputSpatial` and `kernel` from the node's auto_pad, pads, strides and dilations.
    static func make(_ call: KernelCall, input inputSpatial: [Int], kernel: [Int], ceilMode: Bool = false) throws(InterpreterError) -> WindowGeometry {
        let r = inputSpatial.count
        guard r >= 1, r <= 3, kernel.count == r else {
            throw call.invalid("only 1-D, 2-D and 3-D windows are supported (input \(inputSpatial), kernel \(kernel))")
        }
        let strides = call.ints("strides") ?? [Int](repeating: 1, count: r)
        let dilations = call.ints("dilations") ?? [Int](repeating: 1, count: r)
        let limit = 1 << 30
        guard strides.count == r, dilations.count == r, strides.allSatisfy({ $0 > 0 && $0 < limit }),
              dilations.allSatisfy({ $0 > 0 && $0 < limit }), kernel.allSatisfy({ $0 > 0 && $0 < limit }),
              (call.ints("pads") ?? []).allSatisfy({ $0 > -limit && $0 < limit }) else {
            throw call.invalid("strides, dilations and kernel must be positive and below 2^30 (pads within ±2^30), one value per spatial dimension")
        }
        var pb = [Int](repeating: 0, count: r), pe = pb, out = pb
        let autoPad = call.string("auto_pad", default: "NOTSET")
        for i in 0..<r {
            let window = (kernel[i] - 1) * dilations[i] + 1
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                out[i] = (inputSpatial[i] + strides[i] - 1) / strides[i]
                let total = max(0, (out[i] - 1) * strides[i] + window - inputSpatial[i])
                pb[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                pe[i] = total - pb[i]
            case "VALID":
                out[i] = max(0, (inputSpatial[i] - window) / strides[i] + 1)
            default:
                if let pads = call.ints("pads") {
                    guard pads.count == 2 * r else { throw call.invalid("pads must have \(2 * r) values") }
                    pb[i] = pads[i]; pe[i] = pads[i + r]
                }
                let span = inputSpatial[i] + pb[i] + pe[i] - window
                if ceilMode {
                    out[i] = span < 0 ? 0 : (span + strides[i] - 1) / strides[i] + 1
                    if out[i] > 0 && (out[i] - 1) * strides[i] >= inputSpatial[i] + pb[i] { out[i] -= 1 }
                } else {
                    out[i] = span < 0 ? 0 : span / strides[i] + 1
                }
            }
        }
        let lead = [Int](repeating: 1, count: 3 - r), zeros = [Int](repeating: 0, count: 3 - r)
        return WindowGeometry(input: lead + inputSpatial, kernel: lead + kernel, strides: lead + strides,
                              dilations: lead + dilations, padsBegin: zeros + pb, padsEnd: zeros + pe,
                              output: lead + out, rank: r)
    }
}

// MARK: im2col

/// Writes the im2col matrix of `channels` planes of `src` into `cols`:
/// one row per (channel, kd, kh, kw), one column per output position; padding reads as `padding`
/// (zero, or a quantized input's zero point).
func im2col<T: Numeric>(_ src: UnsafePointer<T>, channels: Int, _ g: WindowGeometry, _ cols: UnsafeMutablePointer<T>, padding: T = 0) {
    let (D, H, W) = (g.input[0], g.input[1], g.input[2])
    let (KD, KH, KW) = (g.kernel[0], g.kernel[1], g.kernel[2])
    let (OD, OH, OW) = (g.output[0], g.output[1], g.output[2])
    let (sd, sh, sw) = (g.strides[0], g.strides[1], g.strides[2])
    let (dd, dh, dw) = (g.dilations[0], g.dilations[1], g.dilations[2])
    let (pd, ph, pw) = (g.padsBegin[0], g.padsBegin[1], g.padsBegin[2])
    let inSize = D * H * W
    var dst = cols
    for c in 0..<channels {
        let plane = src + c * inSize
        for kd in 0..<KD {
            for kh in 0..<KH {
                for kw in 0..<KW {
                    let iw0 = kw * dw - pw
                    // ow range whose input column iw0 + ow·sw is inside [0, W)
                    let inside = ConvKernels.validRange(start: iw0, stride: sw, size: W, count: OW)
                    let owLo = inside.lowerBound, owHi = inside.upperBound
                    for od in 0..<OD {
                        let id = od * sd - pd + kd * dd
                        if id < 0 || id >= D {
                            dst.update(repeating: padding, count: OH * OW)
                            dst += OH * OW
                            continue
                        }
                        for oh in 0..<OH {
                            let ih = oh * sh - ph + kh * dh
                            if ih < 0 || ih >= H {
                                dst.update(repeating: padding, count: OW)
                            } else {
                                let row = plane + (id * H + ih) * W
                                if owLo > 0 { dst.update(repeating: padding, count: owLo) }
                                if sw == 1 {
                                    if owHi > owLo { (dst + owLo).update(from: row + iw0 + owLo, count: owHi - owLo) }
                                } else {
                                    var from = row + iw0 + owLo * sw
                                    for ow in owLo..<owHi {
                                        dst[ow] = from.pointee
                                        from += sw
                                    }
                                }
                                if OW > owHi { (dst + owHi).update(repeating: padding, count: OW - owHi) }
                            }
                            dst += OW
                        }
                    }
                }
            }
        }
    }
}

/// Adds every column of `cols` (laid out like `im2col`'s output, with input and output roles
/// swapped for ConvTranspose) back onto `dst` planes: `dst[o] += cols[row, i]` where
/// `o = i * stride - pad + k * dilation` over the output grid `g.output` and input grid `g.input`.
func col2im<T: NNFloat>(_ cols: UnsafePointer<T>, channels: Int, _ g: WindowGeometry, _ dst: UnsafeMutablePointer<T>) {
    let (D, H, W) = (g.input[0], g.input[1], g.input[2])
    let (KD, KH, KW) = (g.kernel[0], g.kernel[1], g.kernel[2])
    let (OD, OH, OW) = (g.output[0], g.output[1], g.output[2])
    let (sd, sh, sw) = (g.strides[0], g.strides[1], g.strides[2])
    let (dd, dh, dw) = (g.dilations[0], g.dilations[1], g.dilations[2])
    let (pd, ph, pw) = (g.padsBegin[0], g.padsBegin[1], g.padsBegin[2])
    let outSize = OD * OH * OW
    var src = cols
    for c in 0..<channels {
        let plane = dst + c * outSize
        for kd in 0..<KD {
            for kh in 0..<KH {
                for kw in 0..<KW {
                    for id in 0..<D {
                        let od = id * sd - pd + kd * dd
                        if od < 0 || od >= OD { src += H * W; continue }
                        for ih in 0..<H {
                            let oh = ih * sh - ph + kh * dh
                            if oh >= 0 && oh < OH {
                                let row = plane + (od * OH + oh) * OW
                                for iw in 0..<W {
                                    let ow = iw * sw - pw + kw * dw
                                    if ow >= 0 && ow < OW { row[ow] += src[iw] }
                                }
                            }
                            src += W
                        }
                    }
                }
            }
        }
    }
}
