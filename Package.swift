// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "modelconv",
    products: [
        .executable(name: "modelconv", targets: ["modelconv"]),
        .library(name: "ModelConvKit", targets: ["ModelConvKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // MARK: Core
        .target(name: "ModelIR"),
        .target(name: "ModelFiles", dependencies: ["ModelIR"]),
        .target(name: "OpSet", dependencies: ["ModelIR"]),
        .target(name: "ShapeInference", dependencies: ["ModelIR", "OpSet"]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .target(name: "CFloat16"),
        .target(name: "CInt8GEMM"),
        // Optimised in debug builds too: the test suite's interpreter runs spend their time here.
        .target(name: "CVectorMath", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "Interpreter", dependencies: ["ModelIR", "OpSet", "COpenBLAS", "CFloat16", "CInt8GEMM", "CVectorMath"]),
        .target(name: "Validation", dependencies: ["Interpreter", "ModelIR", "ONNXFormat", "ZIPFoundation"]),

        // MARK: Formats
        .target(
            name: "CProtobufONNX",
            path: "Formats/onnx/CProtobufONNX",
            linkerSettings: [.linkedLibrary("protobuf-c")]
        ),
        .target(name: "ONNXFormat", dependencies: ["ModelIR", "ModelFiles", "CProtobufONNX"]),
        .target(name: "CFlatTFLite", path: "Formats/tflite/CFlatTFLite", publicHeadersPath: "include"),
        .target(name: "CFlatORT", path: "Formats/ort/CFlatORT", publicHeadersPath: "include"),
        .target(name: "ORTFormat", dependencies: ["ModelIR", "ModelFiles", "OpSet", "CFlatORT"]),
        .target(name: "Passes", dependencies: ["ModelIR", "OpSet"]),
        .target(name: "TFLiteFormat", dependencies: ["ModelIR", "ModelFiles", "OpSet", "Passes", "CFlatTFLite"]),

        // MARK: Library API and CLI
        .target(name: "ModelConvKit", dependencies: ["ModelIR", "ModelFiles", "OpSet", "Passes", "ONNXFormat", "TFLiteFormat", "ORTFormat", "Interpreter", "Validation", "ShapeInference"]),
        .executableTarget(
            name: "modelconv",
            dependencies: [
                "ModelConvKit",
                "Interpreter",
                "ShapeInference",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests
        .target(name: "ConverterTestSupport", dependencies: ["ModelIR", "ModelFiles", "ONNXFormat", "ModelConvKit"]),
        .testTarget(name: "ModelIRTests", dependencies: ["ModelIR", "ConverterTestSupport"]),
        .testTarget(name: "ONNXFormatTests", dependencies: ["ONNXFormat", "ModelIR", "ModelFiles", "CProtobufONNX", "ConverterTestSupport"]),
        .testTarget(name: "ModelConvKitTests", dependencies: ["ModelConvKit", "Validation", "ConverterTestSupport"]),
        .testTarget(name: "InterpreterTests", dependencies: ["Interpreter", "ONNXFormat", "ModelIR", "ConverterTestSupport"]),
        .testTarget(name: "TFLiteFormatTests", dependencies: ["TFLiteFormat", "ModelIR", "ConverterTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ORTFormatTests", dependencies: ["ORTFormat", "ModelIR", "ConverterTestSupport"]),
        .testTarget(name: "ShapeInferenceTests", dependencies: ["ShapeInference", "OpSet", "ModelIR", "ONNXFormat", "Interpreter", "TFLiteFormat", "Validation", "ConverterTestSupport"], exclude: ["shape-allowlist.txt"]),
        .testTarget(name: "PassesTests", dependencies: ["Passes", "ModelIR", "Interpreter"]),
        .testTarget(name: "CLITests", dependencies: ["modelconv", "ConverterTestSupport", "ModelIR", "ONNXFormat"], exclude: ["Snapshots"]),
    ],
    cxxLanguageStandard: .cxx17
)
