/// The standard kernel set: every family of `Kernels/`.
extension KernelTable {
    public static var standard: KernelTable {
        var table = KernelTable()
        for family in KernelFamilies.all { table.add(family) }
        return table
    }
}

/// The kernel families; each `Kernels/<Family>.swift` file contributes one table.
enum KernelFamilies {
    static var all: [[String: Kernel]] {
        [
            ConstantKernels.table,
            ControlFlowKernels.table,
            SequenceKernels.table,
            RecurrentKernels.table,
            SignalKernels.table,
            TextKernels.table,
            TrainingKernels.table,
            ArithmeticKernels.table,
            UnaryKernels.table,
            ActivationKernels.table,
            LogicKernels.table,
            CastKernels.table,
            ShapeKernels.table,
            MovementKernels.table,
            PadKernels.table,
            IndexingKernels.table,
            ScatterKernels.table,
            GeneratorKernels.table,
            SortingKernels.table,
            ResizeKernels.table,
            ReduceKernels.table,
            SoftmaxKernels.table,
            NormalizationKernels.table,
            MatMulKernels.table,
            QuantizeKernels.table,
            ConvKernels.table,
            ConvTransposeKernels.table,
            PoolKernels.table,
            LossKernels.table,
            LinearAlgebraKernels.table,
            DetectionKernels.table,
            GridSampleKernels.table,
            TFLiteConvKernels.table,
            TFLiteFullyConnectedKernels.table,
            TFLitePoolKernels.table,
            TFLiteElementwiseKernels.table,
            TFLiteActivationKernels.table,
            TFLiteQuantizeKernels.table,
            TFLiteShapeKernels.table,
            TFLiteVariableKernels.table,
        ]
    }
}
