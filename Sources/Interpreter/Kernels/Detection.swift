import ModelIR

/// RoiAlign and NonMaxSuppression.
enum DetectionKernels {
    static var table: [String: Kernel] {
        [
            "RoiAlign": roiAlign,
            "NonMaxSuppression": nonMaxSuppression,
        ]
    }

    // MARK: RoiAlign

    /// A bilinear sample: four flat positions in a plane and their weights.
    struct Sample { var pos: (Int, Int, Int, Int); var w: (Double, Double, Double, Double) }

    /// The bilinear sample at (y, x) of an h×w plane (all-zero weights outside [-1, h] × [-1, w]).
    static func sample(y yIn: Double, x xIn: Double, h: Int, w: Int) -> Sample {
        guard yIn >= -1, yIn <= Double(h), xIn >= -1, xIn <= Double(w) else { return Sample(pos: (0, 0, 0, 0), w: (0, 0, 0, 0)) }
        var y = max(yIn, 0), x = max(xIn, 0)
        var yLow = Int(y), xLow = Int(x), yHigh: Int, xHigh: Int
        if yLow >= h - 1 { yLow = h - 1; yHigh = h - 1; y = Double(yLow) } else { yHigh = yLow + 1 }
        if xLow >= w - 1 { xLow = w - 1; xHigh = w - 1; x = Double(xLow) } else { xHigh = xLow + 1 }
        let ly = y - Double(yLow), lx = x - Double(xLow), hy = 1 - ly, hx = 1 - lx
        return Sample(pos: (yLow * w + xLow, yLow * w + xHigh, yHigh * w + xLow, yHigh * w + xHigh),
                      w: (hy * hx, hy * lx, ly * hx, ly * lx))
    }

    static let roiAlign: Kernel = { call throws(InterpreterError) in
        let x = try call.floatingTensor(0), rois = try call.tensor(1), batchIndices = try call.tensor(2)
        guard x.rank == 4, rois.rank == 2, rois.shape[1] == 4, batchIndices.count == rois.shape[0] else {
            throw call.invalid("RoiAlign needs X [N, C, H, W], rois [R, 4] and batch_indices [R]")
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = call.int("output_height", default: 1), ow = call.int("output_width", default: 1)
        let ratio = call.int("sampling_ratio", default: 0)
        let scale = Double(call.float("spatial_scale", default: 1))
        let maxMode = call.string("mode", default: "avg").lowercased() == "max"
        let halfPixel = call.opset >= 16 && call.string("coordinate_transformation_mode", default: "half_pixel").lowercased() == "half_pixel"
        guard oh > 0, ow > 0 else { throw call.invalid("output_height and output_width must be positive") }
        let data = x.doubles, boxes = rois.doubles, batches = batchIndices.ints
        let r = rois.shape[0]
        var out = [Double](repeating: 0, count: r * c * oh * ow)
        for roi in 0..<r {
            let b = batches[roi]
            guard b >= 0, b < n else { throw call.invalid("batch index \(b) is out of range") }
            let offset = halfPixel ? 0.5 : 0
            let sw = boxes[roi * 4] * scale - offset, sh = boxes[roi * 4 + 1] * scale - offset
            var rw = boxes[roi * 4 + 2] * scale - offset - sw, rh = boxes[roi * 4 + 3] * scale - offset - sh
            if !halfPixel { rw = max(rw, 1); rh = max(rh, 1) }
            let binH = rh / Double(oh), binW = rw / Double(ow)
            let adaptiveH = (rh / Double(oh)).rounded(.up), adaptiveW = (rw / Double(ow)).rounded(.up)
            guard ratio > 0 || (adaptiveH.isFinite && adaptiveW.isFinite && abs(adaptiveH) < 1e6 && abs(adaptiveW) < 1e6) else {
                throw call.invalid("region \(roi) is not finite or too large")
            }
            let gridH = ratio > 0 ? ratio : max(Int(adaptiveH), 0)
            let gridW = ratio > 0 ? ratio : max(Int(adaptiveW), 0)
            let count = Double(max(gridH * gridW, 1))
            var samples: [Sample] = []
            samples.reserveCapacity(oh * ow * gridH * gridW)
            for ph in 0..<oh {
                for pw in 0..<ow {
                    for iy in 0..<gridH {
                        let y = sh + Double(ph) * binH + (Double(iy) + 0.5) * binH / Double(gridH)
                        for ix in 0..<gridW {
                            let xx = sw + Double(pw) * binW + (Double(ix) + 0.5) * binW / Double(gridW)
                            samples.append(sample(y: y, x: xx, h: h, w: w))
                        }
                    }
                }
            }
            let perBin = gridH * gridW
            for ch in 0..<c {
                let plane = (b * c + ch) * h * w
                for bin in 0..<(oh * ow) {
                    var acc = 0.0, first = true
                    for s in samples[(bin * perBin)..<((bin + 1) * perBin)] {
                        let v1 = s.w.0 * data[plane + s.pos.0], v2 = s.w.1 * data[plane + s.pos.1]
                        let v3 = s.w.2 * data[plane + s.pos.2], v4 = s.w.3 * data[plane + s.pos.3]
                        if maxMode {
                            let v = max(v1, v2, v3, v4)
                            acc = first ? v : max(acc, v)
                            first = false
                        } else {
                            acc += v1 + v2 + v3 + v4
                        }
                    }
                    out[(roi * c + ch) * oh * ow + bin] = maxMode ? acc : acc / count
                }
            }
        }
        return [.tensor(x.with(shape: [r, c, oh, ow], doubles: out))]
    }

    // MARK: NonMaxSuppression

    /// A box as (xMin, yMin, xMax, yMax).
    typealias Box = (x0: Double, y0: Double, x1: Double, y1: Double)

    /// Whether two boxes overlap with IoU above `threshold`.
    static func suppresses(_ a: Box, _ b: Box, _ threshold: Double) -> Bool {
        let ix0 = max(a.x0, b.x0), ix1 = min(a.x1, b.x1)
        if ix1 <= ix0 { return false }
        let iy0 = max(a.y0, b.y0), iy1 = min(a.y1, b.y1)
        if iy1 <= iy0 { return false }
        let inter = (ix1 - ix0) * (iy1 - iy0)
        let areaA = (a.x1 - a.x0) * (a.y1 - a.y0), areaB = (b.x1 - b.x0) * (b.y1 - b.y0)
        let union = areaA + areaB - inter
        if inter <= 0 || areaA <= 0 || areaB <= 0 || union <= 0 { return false }
        return inter / union > threshold
    }

    static let nonMaxSuppression: Kernel = { call throws(InterpreterError) in
        let boxesArray = try call.tensor(0), scoresArray = try call.tensor(1)
        guard boxesArray.rank == 3, boxesArray.shape[2] == 4, scoresArray.rank == 3,
              scoresArray.shape[0] == boxesArray.shape[0], scoresArray.shape[2] == boxesArray.shape[1] else {
            throw call.invalid("NonMaxSuppression needs boxes [B, N, 4] and scores [B, C, N]")
        }
        let maxPerClass = max(call.optionalTensor(2)?.ints.first ?? 0, 0)
        let iou = call.optionalTensor(3)?.doubles.first ?? 0
        let scoreThreshold = call.optionalTensor(4)?.doubles.first
        let center = call.int("center_point_box", default: 0) != 0
        let (batches, classes, count) = (scoresArray.shape[0], scoresArray.shape[1], boxesArray.shape[1])
        let raw = boxesArray.doubles, scores = scoresArray.doubles
        var boxes: [Box] = []
        boxes.reserveCapacity(batches * count)
        for i in 0..<(batches * count) {
            let (a, b, c, d) = (raw[i * 4], raw[i * 4 + 1], raw[i * 4 + 2], raw[i * 4 + 3])
            if center {
                boxes.append((a - c / 2, b - d / 2, a + c / 2, b + d / 2))
            } else {
                boxes.append((min(b, d), min(a, c), max(b, d), max(a, c)))
            }
        }
        var selected: [Int64] = []
        for batch in 0..<batches {
            for cls in 0..<classes {
                let base = (batch * classes + cls) * count
                var candidates = (0..<count).filter { i in scoreThreshold.map { scores[base + i] > $0 } ?? true }
                candidates.sort { scores[base + $0] > scores[base + $1] || (scores[base + $0] == scores[base + $1] && $0 < $1) }
                var kept: [Int] = []
                for i in candidates {
                    if kept.count >= maxPerClass { break }
                    let box = boxes[batch * count + i]
                    if kept.contains(where: { suppresses(box, boxes[batch * count + $0], iou) }) { continue }
                    kept.append(i)
                    selected += [Int64(batch), Int64(cls), Int64(i)]
                }
            }
        }
        return [.tensor(NDArray(shape: [selected.count / 3, 3], int64s: selected))]
    }
}
