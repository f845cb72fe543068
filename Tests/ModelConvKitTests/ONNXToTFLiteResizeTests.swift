import ConverterTestSupport
import Foundation
import ModelConvKit
import ModelIR
import Testing

/// ONNX → TFLite of Resize and ConvTranspose: the TFLite op when one reproduces ONNX exactly,
/// the exact fallback (GATHER taps, VALID + STRIDED_SLICE, SPLIT per group) otherwise; every
/// result validates against the source in the reference interpreter.
@Suite("ONNX → TFLite: Resize, ConvTranspose")
struct ONNXToTFLiteResizeTests {
    typealias T = ONNXToTFLiteMoreOpsTests

    // MARK: Resize

    /// Conv → Resize(attributes, scales or sizes) → Conv on x[1, 2, 4, 6].
    static func resize(_ attributes: [Attribute], scales: [Float]? = nil, sizes: [Int64]? = nil) -> Model {
        var initializers = [T.weights("w", [3, 2, 1, 1]), T.weights("w2", [2, 3, 1, 1])]
        var inputs = ["c", ""]
        if let scales {
            initializers.append(GraphBuilder.floatTensor("scales", dims: [4], values: scales))
            inputs.append("scales")
        } else if let sizes {
            initializers.append(T.int64s("sizes", sizes))
            inputs += ["", "sizes"]
        }
        return T.model([T.conv("x", "c", "w"), Node(opType: "Resize", inputs: inputs, outputs: ["r"], attributes: attributes), T.conv("r", "y", "w2")],
                       inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType([1, 2, 4, 6]))], outputs: ["y"], initializers: initializers)
    }

    @Test("nearest 2x upsampling (ONNX defaults) is RESIZE_NEAREST_NEIGHBOR with half_pixel_centers, in NHWC")
    func nearest() throws {
        let (report, written) = try T.convert(Self.resize([], scales: [1, 1, 2, 2]))
        #expect(report.validation?.passed == true)
        #expect(report.transposesLeft == 2)
        let op = try #require(written.graph.nodes.first { $0.opType == "RESIZE_NEAREST_NEIGHBOR" })
        #expect(op.attribute("half_pixel_centers")?.value == .int(1))
        #expect(T.constantInput(written, "RESIZE_NEAREST_NEIGHBOR", 1) == [8, 12])
    }

    @Test("linear with align_corners to given sizes is RESIZE_BILINEAR align_corners")
    func linearAlignCorners() throws {
        let (report, written) = try T.convert(Self.resize([T.attr("mode", "linear"), T.attr("coordinate_transformation_mode", "align_corners")],
                                                          sizes: [1, 3, 7, 3]))
        #expect(report.validation?.passed == true)
        let op = try #require(written.graph.nodes.first { $0.opType == "RESIZE_BILINEAR" })
        #expect(op.attribute("align_corners")?.value == .int(1))
    }

    @Test("modes no TFLite resize reproduces become exact GATHER/MUL/ADD taps", arguments: [
        [T.attr("mode", "cubic")],
        [T.attr("mode", "linear"), T.attr("coordinate_transformation_mode", "pytorch_half_pixel")],
        [T.attr("mode", "nearest"), T.attr("nearest_mode", "ceil")],
        [T.attr("mode", "linear"), T.attr("coordinate_transformation_mode", "align_corners")],
    ])
    func taps(_ attributes: [Attribute]) throws {
        // Scale 0.6 / 0.5: ONNX coordinates use the scale, which differs from the size ratio 2/4, 3/6 only in the first case.
        let (report, _) = try T.convert(Self.resize(attributes, scales: [1, 1, 0.6, 0.5]))
        #expect(report.validation?.passed == true)
        #expect(T.ops(report).contains("GATHER"))
        #expect(!T.ops(report).contains("RESIZE_BILINEAR") && !T.ops(report).contains("RESIZE_NEAREST_NEIGHBOR"))
    }

    @Test("Resize refusals: tf_crop_and_resize; scales from a graph input; run-time sizes with a size-dependent mode")
    func resizeRefusals() throws {
        let crop = Self.resize([T.attr("coordinate_transformation_mode", "tf_crop_and_resize")], scales: [1, 1, 2, 2])
        #expect(try T.blockers(crop).contains { $0.contains("tf_crop_and_resize") })
        var scales = Self.resize([], scales: [1, 1, 2, 2])
        scales.graph.initializers.removeAll { $0.name == "scales" }
        scales.graph.inputs.append(ValueInfo(name: "scales", type: GraphBuilder.floatType([4])))
        #expect(try T.blockers(scales).contains { $0.contains("scales not constant") })
        var sizes = Self.resize([], sizes: [1, 3, 8, 12])
        sizes.graph.initializers.removeAll { $0.name == "sizes" }
        sizes.graph.inputs.append(T.int64Input("sizes", 4))
        #expect(try T.blockers(sizes).contains { $0.contains("only for some sizes") })
    }

    @Test("run-time sizes with a mode exact at every size: RESIZE reads them at run time")
    func resizeRuntimeSizes() throws {
        var m = Self.resize([T.attr("mode", "nearest"), T.attr("coordinate_transformation_mode", "asymmetric"), T.attr("nearest_mode", "floor")],
                            sizes: [1, 3, 8, 12])
        m.graph.initializers.removeAll { $0.name == "sizes" }
        m.graph.inputs.append(T.int64Input("sizes", 4))
        let (report, written) = try T.convert(m, given: ["sizes": [1, 3, 7, 9]])
        #expect(report.validation?.passed == true)
        let op = try #require(written.graph.nodes.first { $0.opType == "RESIZE_NEAREST_NEIGHBOR" })
        #expect(!written.graph.initializers.contains { $0.name == op.inputs[1] })
    }

    // MARK: ConvTranspose

    /// ConvTranspose(x, constant w [Cin, Cout/group, k…], bias of Cout) → y.
    static func convTranspose(x: [Int64], w: [Int64], group: Int64 = 1, _ attributes: [Attribute], bias: Bool = true) -> Model {
        var initializers = [T.weights("w", w, 0.1)]
        var inputs = ["x", "w"]
        if bias {
            let cOut = w[1] * group
            initializers.append(GraphBuilder.floatTensor("b", dims: [cOut], values: T.values(Int(cOut), 0.2)))
            inputs.append("b")
        }
        let all = attributes + (group == 1 ? [] : [T.attr("group", group)])
        return T.model([Node(opType: "ConvTranspose", inputs: inputs, outputs: ["y"], attributes: all)],
                       inputs: [ValueInfo(name: "x", type: GraphBuilder.floatType(x))], outputs: ["y"], initializers: initializers)
    }

    @Test("stride 2, pads 1, output_padding 1: VALID TRANSPOSE_CONV then STRIDED_SLICE")
    func convTransposePads() throws {
        let m = Self.convTranspose(x: [1, 4, 5, 5], w: [4, 3, 3, 3],
                                   [T.attr("strides", [2, 2]), T.attr("pads", [1, 1, 1, 1]), T.attr("output_padding", [1, 1])])
        let (report, written) = try T.convert(m)
        #expect(report.validation?.passed == true)
        #expect(T.ops(report).isSuperset(of: ["TRANSPOSE_CONV", "STRIDED_SLICE"]))
        #expect(written.graph.outputs.first?.type?.tensorType?.shape == [1, 3, 10, 10].map { Dim.fixed($0) })
    }

    @Test("auto_pad SAME_UPPER with stride 2 is one TRANSPOSE_CONV with SAME padding")
    func convTransposeSame() throws {
        let m = Self.convTranspose(x: [1, 4, 5, 5], w: [4, 3, 3, 3], [T.attr("strides", [2, 2]), T.attr("auto_pad", "SAME_UPPER")])
        let (report, written) = try T.convert(m)
        #expect(report.validation?.passed == true)
        let op = try #require(written.graph.nodes.first { $0.opType == "TRANSPOSE_CONV" })
        #expect(op.attribute("padding")?.value != .int(1))  // SAME (0) is the default, not written
        #expect(!T.ops(report).contains("STRIDED_SLICE"))
    }

    @Test("groups and dilations (constant weights), and 1-D", arguments: [0, 1])
    func convTransposeGroupsAnd1D(_ which: Int) throws {
        let m = which == 0
            ? Self.convTranspose(x: [1, 4, 5, 5], w: [4, 1, 3, 3], group: 2, [T.attr("dilations", [2, 2]), T.attr("strides", [1, 2])])
            : Self.convTranspose(x: [1, 2, 7], w: [2, 3, 3], [T.attr("strides", [2]), T.attr("pads", [1, 0])])
        let (report, _) = try T.convert(m)
        #expect(report.validation?.passed == true)
        #expect(T.ops(report).contains("TRANSPOSE_CONV"))
        if which == 0 { #expect(T.ops(report).isSuperset(of: ["SPLIT", "CONCATENATION"])) }
    }

    @Test("3-D ConvTranspose is refused up front")
    func convTranspose3D() throws {
        let m = Self.convTranspose(x: [1, 2, 3, 3, 3], w: [2, 2, 2, 2, 2], [], bias: false)
        #expect(try T.blockers(m).contains { $0.contains("3-D ConvTranspose") })
    }
}
