import ModelIR
import Testing

@Suite("DataType")
struct DataTypeTests {
    @Test("sub-byte types round their byte count up")
    func subByteCounts() {
        #expect(DataType.int4.byteCount(elements: 3) == 2)
        #expect(DataType.uint4.byteCount(elements: 4) == 2)
        #expect(DataType.float.byteCount(elements: 3) == 12)
        #expect(DataType.string.byteCount(elements: 3) == nil)
    }

    @Test("element counts reject negative dims and overflow")
    func elementCounts() {
        #expect(Tensor.elementCount(of: [2, 3]) == 6)
        #expect(Tensor.elementCount(of: []) == 1)
        #expect(Tensor.elementCount(of: [2, -1]) == nil)
        #expect(Tensor.elementCount(of: [Int64.max, 4]) == nil)
    }
}
