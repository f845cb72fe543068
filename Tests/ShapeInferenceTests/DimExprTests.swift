import OpSet
import Testing

/// The dim expression simplifier: canonical forms, division, substitution, text round trips.
@Suite("Dim expressions")
struct DimExprTests {
    let h = DimExpr.symbol("h"), seq = DimExpr.symbol("seq"), batch = DimExpr.symbol("batch")

    @Test("sums and products collect like terms")
    func collect() {
        #expect(seq + 1 - 1 == seq)
        #expect((h + h).description == "2*h")
        #expect((h * 2 + h).description == "3*h")
        #expect((seq + 1).description == "seq+1")
        #expect((seq - 1).description == "seq-1")
        #expect((h * seq * 2 + h - h * 2).description == "2*h*seq-h")
        #expect(((h + 1) * (h - 1)) == h * h - 1)
        #expect((batch * 0) == DimExpr(0))
        #expect((h - h).constantValue == 0)
    }

    @Test("floor division pulls out multiples and keeps one canonical form")
    func floorDivision() {
        #expect(h.floorDiv(DimExpr(2))?.description == "floor(h/2)")
        #expect((h * 2 + 1).floorDiv(DimExpr(2)) == h)
        #expect((h * 4 + 6).floorDiv(DimExpr(2))?.description == "2*h+3")
        // Conv output size (k=3, s=2, pads 1+1) equals ceil(h/2).
        let conv = (h + 2 - 3).floorDiv(DimExpr(2)).map { $0 + 1 }
        #expect(conv == h.ceilDiv(DimExpr(2)))
        #expect(conv?.description == "floor((h+1)/2)")
        #expect((h * 6 + 3).floorDiv(DimExpr(4))?.description == "h+floor((2*h+3)/4)")
        #expect(DimExpr(7).floorDiv(DimExpr(2)) == DimExpr(3))
        #expect(DimExpr(-7).floorDiv(DimExpr(2)) == DimExpr(-4))
        #expect(h.floorDiv(DimExpr(0)) == nil)
        // Nested divisions fold: floor(floor(x/2)/2) = floor(x/4).
        #expect(h.floorDiv(DimExpr(2))?.floorDiv(DimExpr(2)) == h.floorDiv(DimExpr(4)))
        #expect(h.mod(DimExpr(2)) == h - 2 * h.floorDiv(DimExpr(2))!)
    }

    @Test("exact division by monomials")
    func exactDivision() {
        let total = batch * h * 12
        #expect(total.exactlyDivided(by: h * 4) == batch * 3)
        #expect(total.floorDiv(batch) == h * 12)
        #expect((seq + 1).exactlyDivided(by: seq) == nil)
        #expect((seq + 1).floorDiv(seq + 1) == DimExpr(1))
    }

    @Test("substitution re-simplifies")
    func substitution() {
        let e = (h + 1).floorDiv(DimExpr(2))! * batch
        #expect(e.substituting(["h": DimExpr(7), "batch": DimExpr(3)]) == DimExpr(12))
        #expect(e.substituting(["batch": DimExpr(2)]).description == "2*floor((h+1)/2)")
        #expect(e.symbols == ["h", "batch"])
    }

    @Test("comparison: provably different only when the difference is a non-zero constant")
    func comparison() {
        #expect(seq.provablyDiffers(from: seq + 1))
        #expect(!seq.provablyDiffers(from: batch))
        #expect(!(h * 2).provablyDiffers(from: h + h))
        #expect(DimExpr(3).provablyDiffers(from: DimExpr(4)))
    }

    @Test("text round trips; other names stay whole symbols", arguments: [
        "seq+1", "2*h", "floor(h/2)", "floor((h+1)/2)", "2*h*w+1", "seq-1",
    ])
    func roundTrip(text: String) {
        let e = DimExpr(dimName: text)
        #expect(e.description == text)
        #expect(e.symbolName == nil)
    }

    @Test("names that are not expressions stay symbols")
    func names() {
        #expect(DimExpr(dimName: "batch").symbolName == "batch")
        #expect(DimExpr(dimName: "batch-size").symbolName == "batch-size")
        #expect(DimExpr(dimName: "unk__214").symbolName == "unk__214")
        #expect(DimExpr(dimName: "Squeeze/model/x_dim_0").symbolName == "Squeeze/model/x_dim_0")
        #expect(DimExpr.parse("ceil(h/2)") == h.ceilDiv(DimExpr(2)))
        #expect(DimExpr.parse("2*(h+") == nil)
    }
}
