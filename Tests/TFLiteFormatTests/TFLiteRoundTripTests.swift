import ConverterTestSupport
import Foundation
import ModelIR
import TFLiteFormat
import Testing

/// Acceptance: every corpus .tflite reads, writes and reads back equal, quantization exact.
@Suite("TFLite round trip")
struct TFLiteRoundTripTests {
    static var corpusModels: [URL] {
        Fixtures.files(under: Fixtures.corpus.appendingPathComponent("models/tflite"), suffix: ".tflite")
    }

    static func roundTrip(_ path: String) throws -> (Model, Model) {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out.tflite").path
        let model = try TFLiteReader().read(path: path)
        try TFLiteWriter(protectedPaths: [path]).write(model, to: out)
        return (model, try TFLiteReader().read(path: out))
    }

    @Test("the sample models round-trip equal", arguments: ["tflm_sine_float.tflite", "mltk_tflite_micro_speech.tflite"])
    func samples(name: String) throws {
        let (a, b) = try Self.roundTrip(Fixtures.sample(name))
        #expect(a == b)
    }

    @Test("every corpus model reads, writes and reads back equal")
    func corpus() throws {
        let models = Self.corpusModels
        guard !models.isEmpty else {
            print("CORPUS NOT FOUND at \(Fixtures.corpus.path): TFLite corpus round trip not run")
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("corpus missing in CI") }
            return
        }
        for url in models {
            let (a, b) = try Self.roundTrip(url.path)
            #expect(a == b, "\(url.lastPathComponent)")
        }
        print("TFLite corpus round trip: \(models.count) / \(models.count)")
    }

    @Test("quantization parameters of every tensor survive exactly on every int8 corpus model")
    func quantization() throws {
        var checked = 0, quantizedModels = 0
        for url in Self.corpusModels {
            let (a, b) = try Self.roundTrip(url.path)
            let before = ([a.graph] + a.subgraphs).flatMap(\.valueInfos)
            let after = ([b.graph] + b.subgraphs).flatMap(\.valueInfos)
            #expect(before.count == after.count)
            let quantized = before.filter { ($0.quantization?.scales.count ?? 0) > 0 }
            guard quantized.contains(where: { $0.type?.tensorType?.elementType == .int8 }) else { continue }
            quantizedModels += 1
            for (x, y) in zip(before, after) {
                #expect(x.name == y.name)
                #expect(x.quantization?.scales == y.quantization?.scales, "\(url.lastPathComponent) \(x.name)")
                #expect(x.quantization?.zeroPoints == y.quantization?.zeroPoints, "\(url.lastPathComponent) \(x.name)")
                #expect(x.quantization?.axis == y.quantization?.axis, "\(url.lastPathComponent) \(x.name)")
                checked += 1
            }
        }
        print("quantization checked on \(checked) tensors of \(quantizedModels) int8 models")
        if !Self.corpusModels.isEmpty { #expect(quantizedModels >= 5) }
    }

    @Test("constant buffers are views into the mapped file")
    func buffersAreViews() throws {
        let model = try TFLiteReader().read(path: Fixtures.sample("mltk_tflite_micro_speech.tflite"))
        #expect(!model.graph.initializers.isEmpty)
        for t in model.graph.initializers { #expect(t.byteView?.isMapped == true) }
    }
}

/// Buffers past the 2 GiB flatbuffer limit live after the flatbuffer (`Buffer.offset`/`size`).
@Suite("TFLite offset buffers")
struct TFLiteOffsetBufferTests {
    @Test("a model written with offset-addressed buffers reads back equal")
    func offsetBuffers() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Fixtures.sample("mltk_tflite_micro_speech.tflite")
        let out = folder.appendingPathComponent("offset.tflite").path
        let model = try TFLiteReader().read(path: source)
        try TFLiteWriter(protectedPaths: [source], offsetBuffersAbove: 0).write(model, to: out)
        let back = try TFLiteReader().read(path: out)
        #expect(back == model)
        let size = try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int ?? 0
        #expect(size > model.graph.initializers.reduce(0) { $0 + $1.byteCount })
    }
}

@Suite("TFLite sparse constants")
struct TFLiteSparseTests {
    @Test("a CSR-sparse weight matrix is densified to the values it encodes")
    func densify() throws {
        let fixtures = Fixtures.packageRoot.appendingPathComponent("Tests/TFLiteFormatTests/Fixtures")
        let model = try TFLiteReader().read(path: fixtures.appendingPathComponent("sparse_weights.tflite").path)
        let npy = try Data(contentsOf: fixtures.appendingPathComponent("sparse_weights.dense.npy"))
        let expected = [UInt8](npy.suffix(16 * 16 * 4))  // .npy: header, then 256 float32 values
        let weights = model.graph.initializers.first { $0.dims == [16, 16] }
        #expect(weights?.byteView?.bytes == expected)
        #expect(expected.contains { $0 != 0 })
    }
}
