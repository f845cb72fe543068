// See include/cint8gemm.h. Packed layouts:
//   A: row i, k in [0, kp) at packed_a[i * kp + k], kp = 4 * ceil(k / 4), zero padded.
//   B: panel p (columns 16p ..< 16p + 16), quad q (k = 4q ..< 4q + 4):
//      64 bytes at packed_b[(p * kq + q) * 64]; byte 4 * j + r holds B[4q + r][16p + j] (0 outside).
// vpdpbusd multiplies four unsigned bytes of B by four signed bytes of A and adds the four
// products to a 32-bit lane: one instruction advances 16 columns by 4 steps of k.
#include "cint8gemm.h"

#include <string.h>

// Requantization must round the same way on every path: no fused multiply-adds.
#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>
#define MC_HAVE_X86 1
#endif

static int quads(int k) { return (k + 3) / 4; }

size_t mc_s8u8_packed_a_size(int m, int k) { return (size_t)m * (size_t)quads(k) * 4; }

void mc_s8u8_pack_a(int m, int k, const int8_t *a, ptrdiff_t lda, int8_t *packed) {
    size_t kp = (size_t)quads(k) * 4;
    for (int i = 0; i < m; i++) {
        memcpy(packed + i * kp, a + i * lda, (size_t)k);
        memset(packed + i * kp + k, 0, kp - (size_t)k);
    }
}

size_t mc_s8u8_packed_b_size(int k, int n) { return (size_t)((n + 15) / 16) * (size_t)quads(k) * 64; }

void mc_s8u8_pack_b(int k, int n, const uint8_t *b, ptrdiff_t ldb, uint8_t *packed) {
    int kq = quads(k), panels = (n + 15) / 16, full = n / 16;
    static const uint8_t zeros[16] = {0};
    for (int q = 0; q < kq; q++) {
        const uint8_t *rows[4];
        for (int r = 0; r < 4; r++) rows[r] = 4 * q + r < k ? b + (4 * q + r) * ldb : NULL;
        int p = 0;
#if MC_HAVE_X86
        // Whole panels: interleave 16 bytes of each of the four rows (SSE2, part of every x86-64).
        for (; p < full; p++) {
            __m128i v[4];
            for (int r = 0; r < 4; r++) v[r] = rows[r] ? _mm_loadu_si128((const __m128i *)(rows[r] + 16 * p)) : _mm_loadu_si128((const __m128i *)zeros);
            __m128i ab_lo = _mm_unpacklo_epi8(v[0], v[1]), ab_hi = _mm_unpackhi_epi8(v[0], v[1]);
            __m128i cd_lo = _mm_unpacklo_epi8(v[2], v[3]), cd_hi = _mm_unpackhi_epi8(v[2], v[3]);
            uint8_t *dst = packed + ((size_t)p * kq + q) * 64;
            _mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi16(ab_lo, cd_lo));
            _mm_storeu_si128((__m128i *)(dst + 16), _mm_unpackhi_epi16(ab_lo, cd_lo));
            _mm_storeu_si128((__m128i *)(dst + 32), _mm_unpacklo_epi16(ab_hi, cd_hi));
            _mm_storeu_si128((__m128i *)(dst + 48), _mm_unpackhi_epi16(ab_hi, cd_hi));
        }
#endif
        for (; p < panels; p++) {
            int cols = n - 16 * p < 16 ? n - 16 * p : 16;
            uint8_t *dst = packed + ((size_t)p * kq + q) * 64;
            memset(dst, 0, 64);
            for (int r = 0; r < 4; r++) {
                if (!rows[r]) continue;
                for (int j = 0; j < cols; j++) dst[4 * j + r] = rows[r][16 * p + j];
            }
        }
    }
}

// MARK: Portable kernel

static void gemm_portable(int m, int n, int kq, const int8_t *a, const uint8_t *b, int32_t *c, ptrdiff_t ldc) {
    int panels = (n + 15) / 16;
    for (int i = 0; i < m; i++) {
        const int8_t *row = a + (size_t)i * kq * 4;
        for (int p = 0; p < panels; p++) {
            int32_t acc[16] = {0};
            const uint8_t *panel = b + (size_t)p * kq * 64;
            for (int q = 0; q < kq; q++) {
                const uint8_t *v = panel + (size_t)q * 64;
                const int8_t *w = row + 4 * q;
                for (int j = 0; j < 16; j++) {
                    acc[j] += v[4 * j] * w[0] + v[4 * j + 1] * w[1] + v[4 * j + 2] * w[2] + v[4 * j + 3] * w[3];
                }
            }
            int cols = n - 16 * p < 16 ? n - 16 * p : 16;
            memcpy(c + i * ldc + 16 * p, acc, (size_t)cols * sizeof(int32_t));
        }
    }
}

// MARK: AVX-512 VNNI kernel

#if MC_HAVE_X86
#define MC_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))

MC_VNNI static inline __m512i broadcast4(const int8_t *w) {
    int32_t v;
    memcpy(&v, w, 4);
    return _mm512_set1_epi32(v);
}

/// Rows i ..< i + 4, panels p and p + 1 (the second may be absent: then it repeats the first and is not stored).
MC_VNNI static void block4(int kq, const int8_t *a, const uint8_t *b0, const uint8_t *b1,
                           int32_t *c, ptrdiff_t ldc, __mmask16 m0, __mmask16 m1) {
    size_t kp = (size_t)kq * 4;
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int q = 0; q < kq; q++) {
        __m512i v0 = _mm512_loadu_si512(b0 + (size_t)q * 64), v1 = _mm512_loadu_si512(b1 + (size_t)q * 64);
        __m512i w;
        w = broadcast4(a + 4 * q);          c00 = _mm512_dpbusd_epi32(c00, v0, w); c01 = _mm512_dpbusd_epi32(c01, v1, w);
        w = broadcast4(a + kp + 4 * q);     c10 = _mm512_dpbusd_epi32(c10, v0, w); c11 = _mm512_dpbusd_epi32(c11, v1, w);
        w = broadcast4(a + 2 * kp + 4 * q); c20 = _mm512_dpbusd_epi32(c20, v0, w); c21 = _mm512_dpbusd_epi32(c21, v1, w);
        w = broadcast4(a + 3 * kp + 4 * q); c30 = _mm512_dpbusd_epi32(c30, v0, w); c31 = _mm512_dpbusd_epi32(c31, v1, w);
    }
    _mm512_mask_storeu_epi32(c, m0, c00);           _mm512_mask_storeu_epi32(c + 16, m1, c01);
    _mm512_mask_storeu_epi32(c + ldc, m0, c10);     _mm512_mask_storeu_epi32(c + ldc + 16, m1, c11);
    _mm512_mask_storeu_epi32(c + 2 * ldc, m0, c20); _mm512_mask_storeu_epi32(c + 2 * ldc + 16, m1, c21);
    _mm512_mask_storeu_epi32(c + 3 * ldc, m0, c30); _mm512_mask_storeu_epi32(c + 3 * ldc + 16, m1, c31);
}

/// One row, panels p and p + 1.
MC_VNNI static void block1(int kq, const int8_t *a, const uint8_t *b0, const uint8_t *b1, int32_t *c, __mmask16 m0, __mmask16 m1) {
    __m512i c0 = _mm512_setzero_si512(), c1 = c0;
    for (int q = 0; q < kq; q++) {
        __m512i w = broadcast4(a + 4 * q);
        c0 = _mm512_dpbusd_epi32(c0, _mm512_loadu_si512(b0 + (size_t)q * 64), w);
        c1 = _mm512_dpbusd_epi32(c1, _mm512_loadu_si512(b1 + (size_t)q * 64), w);
    }
    _mm512_mask_storeu_epi32(c, m0, c0);
    _mm512_mask_storeu_epi32(c + 16, m1, c1);
}

MC_VNNI static void gemm_vnni(int m, int n, int kq, const int8_t *a, const uint8_t *b, int32_t *c, ptrdiff_t ldc) {
    int panels = (n + 15) / 16;
    size_t kp = (size_t)kq * 4, panel = (size_t)kq * 64;
    for (int p = 0; p < panels; p += 2) {
        int two = p + 1 < panels;
        int cols0 = n - 16 * p < 16 ? n - 16 * p : 16;
        int cols1 = two ? (n - 16 * (p + 1) < 16 ? n - 16 * (p + 1) : 16) : 0;
        __mmask16 m0 = (__mmask16)((1u << cols0) - 1), m1 = (__mmask16)((1u << cols1) - 1);
        const uint8_t *b0 = b + p * panel, *b1 = two ? b0 + panel : b0;
        int i = 0;
        for (; i + 4 <= m; i += 4) block4(kq, a + i * kp, b0, b1, c + i * ldc + 16 * p, ldc, m0, m1);
        for (; i < m; i++) block1(kq, a + i * kp, b0, b1, c + i * ldc + 16 * p, m0, m1);
    }
}
#endif

int mc_s8u8_gemm_vectorized(void) {
#if MC_HAVE_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw");
#else
    return 0;
#endif
}

void mc_s8u8_gemm(int m, int n, int k, const int8_t *packed_a, const uint8_t *packed_b, int32_t *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    int kq = quads(k);
#if MC_HAVE_X86
    if (mc_s8u8_gemm_vectorized()) { gemm_vnni(m, n, kq, packed_a, packed_b, c, ldc); return; }
#endif
    gemm_portable(m, n, kq, packed_a, packed_b, c, ldc);
}

// MARK: Requantization

#define MC_REQUANTIZE_BODY(T, LO, HI)                                                         \
    const double magic = 6755399441055744.0; /* 1.5 * 2^52: x + magic - magic rounds half to even */ \
    T *dst = (T *)out;                                                                         \
    for (size_t i = 0; i < count; i++) {                                                       \
        double v = ((double)sums[i] + offset) * scale + zero_point;                            \
        v = v < (LO) ? (LO) : (v > (HI) ? (HI) : v);                                          \
        dst[i] = (T)(int32_t)((v + magic) - magic);                                            \
    }

static void requantize_portable(const int32_t *sums, size_t count, double offset, double scale, double zero_point,
                                int is_signed, void *out) {
    if (is_signed) { MC_REQUANTIZE_BODY(int8_t, -128.0, 127.0) } else { MC_REQUANTIZE_BODY(uint8_t, 0.0, 255.0) }
}

#if MC_HAVE_X86
__attribute__((target("avx2,fma")))
static void requantize_avx2(const int32_t *sums, size_t count, double offset, double scale, double zero_point,
                            int is_signed, void *out) {
    if (is_signed) { MC_REQUANTIZE_BODY(int8_t, -128.0, 127.0) } else { MC_REQUANTIZE_BODY(uint8_t, 0.0, 255.0) }
}
// Eight sums per step: the same double arithmetic, clamp and round-half-to-even conversion as the
// scalar body (operand order keeps a NaN as the scalar code does: it converts to 0).
__attribute__((target("avx512f,avx512vl")))
static void requantize_avx512(const int32_t *sums, size_t count, double offset, double scale, double zero_point,
                              int is_signed, void *out) {
    const __m512d vo = _mm512_set1_pd(offset), vs = _mm512_set1_pd(scale), vz = _mm512_set1_pd(zero_point);
    const __m512d lo = _mm512_set1_pd(is_signed ? -128.0 : 0.0), hi = _mm512_set1_pd(is_signed ? 127.0 : 255.0);
    uint8_t *dst = (uint8_t *)out;
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m512d v = _mm512_cvtepi32_pd(_mm256_loadu_si256((const __m256i *)(sums + i)));
        v = _mm512_add_pd(_mm512_mul_pd(_mm512_add_pd(v, vo), vs), vz);
        v = _mm512_min_pd(hi, _mm512_max_pd(lo, v));
        __m256i q = _mm512_cvtpd_epi32(v);  // rounds half to even (the default rounding mode)
        _mm_storel_epi64((__m128i *)(dst + i), _mm256_cvtepi32_epi8(q));
    }
    if (i < count) requantize_avx2(sums + i, count - i, offset, scale, zero_point, is_signed, dst + i);
}
#endif

void mc_requantize(const int32_t *sums, size_t count, double offset, double scale, double zero_point,
                   int is_signed, void *out) {
#if MC_HAVE_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) {
        requantize_avx512(sums, count, offset, scale, zero_point, is_signed, out);
        return;
    }
    if (__builtin_cpu_supports("avx2")) { requantize_avx2(sums, count, offset, scale, zero_point, is_signed, out); return; }
#endif
    requantize_portable(sums, count, offset, scale, zero_point, is_signed, out);
}

// MARK: Quantization of floats

// The Swift definition's steps: divide, clamp with compare-and-select (a NaN quotient picks the
// lower bound, then becomes 0), round half to even (the 1.5 * 2^23 trick, exact below 2^22).
#define MC_QUANTIZE_BODY(T)                                                                   \
    const float magic = 12582912.0f, vlo = (float)(lo - zero_point), vhi = (float)(hi - zero_point); \
    T *dst = (T *)out;                                                                         \
    for (size_t i = 0; i < count; i++) {                                                       \
        float q = x[i] / scale;                                                                \
        float above = q > vlo ? q : vlo;                                                       \
        float v = above < vhi ? above : vhi;                                                   \
        int32_t r = (int32_t)((v + magic) - magic) + zero_point;                               \
        dst[i] = (T)(q != q ? 0 : r);                                                          \
    }

static void quantize_portable(const float *x, size_t count, float scale, int32_t zero_point, int32_t lo, int32_t hi,
                              int is_signed, void *out) {
    if (is_signed) { MC_QUANTIZE_BODY(int8_t) } else { MC_QUANTIZE_BODY(uint8_t) }
}

#if MC_HAVE_X86
// Sixteen elements per step: the same division, clamp order (max then min, NaN-preserving as the
// selects above), and round-half-to-even conversion (the default rounding mode).
__attribute__((target("avx512f,avx512vl")))
static void quantize_avx512(const float *x, size_t count, float scale, int32_t zero_point, int32_t lo, int32_t hi,
                            int is_signed, void *out) {
    const __m512 vs = _mm512_set1_ps(scale);
    const __m512 vlo = _mm512_set1_ps((float)(lo - zero_point)), vhi = _mm512_set1_ps((float)(hi - zero_point));
    const __m512i vz = _mm512_set1_epi32(zero_point), zero = _mm512_setzero_si512();
    uint8_t *dst = (uint8_t *)out;
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 q = _mm512_div_ps(_mm512_loadu_ps(x + i), vs);
        __m512 v = _mm512_min_ps(_mm512_max_ps(q, vlo), vhi);
        __m512i r = _mm512_add_epi32(_mm512_cvtps_epi32(v), vz);
        r = _mm512_mask_mov_epi32(r, _mm512_cmp_ps_mask(q, q, _CMP_UNORD_Q), zero);
        _mm_storeu_si128((__m128i *)(dst + i), _mm512_cvtepi32_epi8(r));
    }
    if (i < count) quantize_portable(x + i, count - i, scale, zero_point, lo, hi, is_signed, dst + i);
}
#endif

void mc_quantize_to_bytes(const float *x, size_t count, float scale, int32_t zero_point, int32_t lo, int32_t hi,
                          int is_signed, void *out) {
#if MC_HAVE_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) {
        quantize_avx512(x, count, scale, zero_point, lo, hi, is_signed, out);
        return;
    }
#endif
    quantize_portable(x, count, scale, zero_point, lo, hi, is_signed, out);
}
