import ModelIR

/// String and n-gram ops: StringNormalizer and TfIdfVectorizer.
enum TextKernels {
    static var table: [String: Kernel] {
        [
            "StringNormalizer": stringNormalizer,
            "TfIdfVectorizer": tfIdfVectorizer,
        ]
    }

    // MARK: StringNormalizer

    /// Drops stop words (optionally case-insensitively) from a [C] or [1, C] string tensor, then
    /// changes case; an all-dropped input yields a single empty string.
    static let stringNormalizer: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        guard case .string(let items) = x.storage else { throw call.unsupported(x.dataType) }
        guard x.rank == 1 || (x.rank == 2 && x.shape[0] == 1) else { throw call.invalid("input must be [C] or [1, C], got \(x.shape)") }
        let caseSensitive = call.int("is_case_sensitive", default: 0) != 0
        let action = call.string("case_change_action", default: "NONE")
        guard ["NONE", "LOWER", "UPPER"].contains(action) else {
            throw .invalidAttribute(node: call.label, attribute: "case_change_action", reason: "unknown action '\(action)'")
        }
        let stopwords = call.strings("stopwords") ?? []
        let stops = Set(caseSensitive ? stopwords : stopwords.map { $0.lowercased() })
        var kept = items.filter { !stops.contains(caseSensitive ? $0 : $0.lowercased()) }
        switch action {
        case "LOWER": kept = kept.map { $0.lowercased() }
        case "UPPER": kept = kept.map { $0.uppercased() }
        default: break
        }
        if kept.isEmpty { kept = [""] }
        let shape = x.rank == 1 ? [kept.count] : [1, kept.count]
        return [.tensor(NDArray(dataType: .string, shape: shape, storage: .string(kept)))]
    }

    // MARK: TfIdfVectorizer

    /// An n-gram key: integer or string tokens.
    enum Token: Hashable { case int(Int64), string(String) }

    /// Counts pool n-grams (with skips up to max_skip_count) per row and weights them by mode.
    static let tfIdfVectorizer: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        let tokens: [Token]
        switch x.storage {
        case .string(let s): tokens = s.map { .string($0) }
        case .int32, .int64: tokens = x.int64s.map { .int($0) }
        default: throw call.unsupported(x.dataType)
        }
        let minN = call.int("min_gram_length", default: 1), maxN = call.int("max_gram_length", default: 1)
        let maxSkip = call.int("max_skip_count", default: 0)
        let mode = call.string("mode", default: "TF")
        guard let indexes = call.ints("ngram_indexes"), let maxIndex = indexes.max(), maxIndex >= 0, indexes.min() ?? 0 >= 0 else {
            throw .invalidAttribute(node: call.label, attribute: "ngram_indexes", reason: "non-negative indexes are required")
        }
        guard minN >= 1, maxN >= minN, maxSkip >= 0, ["TF", "IDF", "TFIDF"].contains(mode) else {
            throw call.invalid("invalid gram lengths, skip count or mode '\(mode)'")
        }
        let pool = try ngramPool(call, indexes: indexes, minN: minN, maxN: maxN)
        let outSize = maxIndex + 1
        let (rows, width) = x.rank == 2 ? (x.shape[0], x.shape[1]) : (1, x.count)
        guard x.rank <= 2 else { throw call.invalid("input must be [C] or [N, C]") }
        var counts = [Double](repeating: 0, count: rows * outSize)
        for r in 0..<rows {
            let row = tokens[(r * width)..<((r + 1) * width)]
            countGrams(ArraySlice(row), pool: pool, minN: minN, maxN: maxN, maxSkip: maxSkip) { counts[r * outSize + $0] += 1 }
        }
        let weights = call.floats("weights") ?? []
        if mode != "TF" {
            for p in 0..<counts.count where counts[p] > 0 {
                let w = weights.isEmpty ? 1 : Double(p % outSize < weights.count ? weights[p % outSize] : 0)
                counts[p] = mode == "IDF" ? w : w * counts[p]
            }
        }
        let shape = x.rank == 2 ? [rows, outSize] : [outSize]
        return [.tensor(NDArray(dataType: .float, shape: shape, doubles: counts))]
    }

    /// The pool's n-grams with lengths in minN...maxN, mapped to their output positions.
    static func ngramPool(_ call: KernelCall, indexes: [Int], minN: Int, maxN: Int) throws(InterpreterError) -> [[Token]: Int] {
        let pool: [Token]
        if let ints = call.ints("pool_int64s") {
            pool = ints.map { .int(Int64($0)) }
        } else if let strings = call.strings("pool_strings") {
            pool = strings.map { .string($0) }
        } else {
            throw call.invalid("one of pool_int64s or pool_strings is required")
        }
        let starts = call.ints("ngram_counts") ?? [0]
        var map: [[Token]: Int] = [:]
        var gramId = 0
        for (i, start) in starts.enumerated() {
            let n = i + 1
            let end = i + 1 < starts.count ? starts[i + 1] : pool.count
            guard start >= 0, end <= pool.count, start <= end else { throw call.invalid("ngram_counts \(starts) do not fit the pool") }
            for g in 0..<((end - start) / n) {
                defer { gramId += 1 }
                guard n >= minN, n <= maxN else { continue }
                guard gramId < indexes.count else { throw call.invalid("ngram_indexes has fewer entries than the pool has n-grams") }
                let begin = start + g * n
                if map[Array(pool[begin..<(begin + n)])] == nil { map[Array(pool[begin..<(begin + n)])] = indexes[gramId] }
            }
        }
        return map
    }

    /// Calls `hit(position)` for every pool n-gram found in `row`; unigrams are counted once,
    /// longer grams once per skip distance 1...maxSkip+1.
    static func countGrams(_ row: ArraySlice<Token>, pool: [[Token]: Int], minN: Int, maxN: Int, maxSkip: Int, hit: (Int) -> Void) {
        let tokens = Array(row)
        var startN = minN
        for skip in 1...(maxSkip + 1) {
            if startN > maxN { break }
            for start in 0..<tokens.count {
                var gram: [Token] = []
                var item = start
                for n in 1...maxN {
                    guard item < tokens.count else { break }
                    gram.append(tokens[item])
                    if n >= startN, let position = pool[gram] { hit(position) }
                    item += skip
                }
            }
            if startN == 1 { startN = 2 }
        }
    }
}
