// Integer matrix product of int8 weights and uint8 activations for the reference interpreter's
// quantized convolutions: C (int32) = A (int8, M x K) x B (uint8, K x N), exact.
// Uses AVX-512 VNNI (vpdpbusd) when the CPU has it, portable C otherwise.
#ifndef CINT8GEMM_H
#define CINT8GEMM_H

#include <stddef.h>
#include <stdint.h>

/// Bytes of A packed by mc_s8u8_pack_a: rows padded to a multiple of 4 with zeros.
size_t mc_s8u8_packed_a_size(int m, int k);
/// Packs A (M x K int8, row stride lda).
void mc_s8u8_pack_a(int m, int k, const int8_t *a, ptrdiff_t lda, int8_t *packed);

/// Bytes of B packed by mc_s8u8_pack_b: panels of 16 columns, 4 consecutive k per column.
size_t mc_s8u8_packed_b_size(int k, int n);
/// Packs B (K x N uint8, row stride ldb).
void mc_s8u8_pack_b(int k, int n, const uint8_t *b, ptrdiff_t ldb, uint8_t *packed);

/// C (M x N int32, row stride ldc) = A x B from their packed forms (K <= 65536 keeps sums exact).
void mc_s8u8_gemm(int m, int n, int k, const int8_t *packed_a, const uint8_t *packed_b, int32_t *c, ptrdiff_t ldc);

/// out[i] = clamp(round_half_even((sums[i] + offset) * scale + zero_point), lo, hi) for i < count,
/// in double precision (exact for the int32 sums); uint8 or int8 results by `is_signed`.
void mc_requantize(const int32_t *sums, size_t count, double offset, double scale, double zero_point,
                   int is_signed, void *out);

/// out[i] = x[i] / scale rounded half to even, clamped to [lo, hi] (given minus zero_point), plus
/// zero_point, for i < count; a NaN quotient gives 0. In float with IEEE division on every path, so
/// exact to ONNX QuantizeLinear; 8-bit results (int8 when `is_signed`, else uint8).
void mc_quantize_to_bytes(const float *x, size_t count, float scale, int32_t zero_point, int32_t lo, int32_t hi,
                          int is_signed, void *out);

/// 1 when mc_s8u8_gemm uses the AVX-512 VNNI kernel on this CPU.
int mc_s8u8_gemm_vectorized(void);

#endif
