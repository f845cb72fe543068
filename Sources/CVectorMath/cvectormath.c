// See include/cvectormath.h. All three functions are built on one float32 exp kernel:
//
//   exp(x) = 2^k * exp(r),  k = round(x / ln2),  r = x - k*ln2,  |r| <= ln2/2 (~0.3466)
//
// k*ln2 is subtracted in two parts (Cody-Waite): LN2_HI has only 9 significant bits, so k*LN2_HI
// is exact for |k| < 2^15, and x - k*LN2_HI is exact too (for k != 0 both terms are multiples of
// 2^-25 and their difference is below 0.35); LN2_LO = ln2 - LN2_HI carries the rest. Then
//
//   exp(r) ~ 1 + r + r^2 * Q(r),  Q of degree 4 (minimax for relative error on |r| <= 0.3466,
//                                  error 3.8e-9 ~ 0.06 ulp with the float coefficients below).
//
// 2^k is applied as two exactly representable factors 2^k1 * 2^k2 (k1 ~ k/2), so p * 2^k1 stays
// normal and only the last product rounds: overflow to +inf and gradual underflow into subnormals
// and zero come out of IEEE multiplication itself, correctly rounded from p * 2^k.
//
//   tanh(x)    = sign(x) * tanh(|x|);  |x| < 1: |x| + |x|^3 * P(x^2), odd minimax polynomial
//                (P of degree 6, error 5.6e-9), which avoids the cancellation of the formula below
//                near 0; |x| >= 1: 1 - 2 / (1 + exp(2|x|)) (>= 0.76, so no cancellation; exp may
//                overflow to +inf and give exactly 1).
//   sigmoid(x) = 1 / (1 + t) for x >= 0, t / (1 + t) for x < 0, with t = exp(-|x|) in (0, 1]:
//                exp never overflows and tiny results for very negative x keep their accuracy.
//                t is carried as float + rounding error and the quotient is rounded once, else
//                the three roundings (t, 1 + t, division) can add up to 2.3 ulp.
//
// The AVX2 + FMA path does the same arithmetic on 8 lanes; the portable path is plain scalar C.
// Measured with scripts/check-vector-math.c over all 2^32 inputs: at most 1 ulp on both paths.
#include "cvectormath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdatomic.h>
#define MC_HAVE_X86 1
#endif

// Range reduction.
#define LOG2E 0x1.715476p+0f       // 1/ln2
#define LN2_HI 0x1.63p-1f          // 0.693359375 = 355/512
#define LN2_LO -0x1.bd0106p-13f    // ln2 - LN2_HI
#define EXP_HI 100.0f              // clamp: well above overflow (88.72)...
#define EXP_LO -110.0f             // ...and below underflow to 0 (-103.97); keeps |k| <= 159
#define ROUND_MAGIC 0x1.8p23f      // (v + 1.5*2^23) - 1.5*2^23 rounds v to an integer (|v| < 2^22)

// Q(r) = EXP_C2 + EXP_C3 r + ... + EXP_C6 r^4, close to (exp(r) - 1 - r) / r^2.
#define EXP_C2 0x1.fffffcp-2f
#define EXP_C3 0x1.555492p-3f
#define EXP_C4 0x1.5558f2p-5f
#define EXP_C5 0x1.1239e0p-7f
#define EXP_C6 0x1.6a243ap-10f

// tanh(a) ~ a + a^3 * P(a^2) for 0 <= a < TANH_T; P(s) = TANH_P0 + TANH_P1 s + ... + TANH_P6 s^6.
#define TANH_T 1.0f
#define TANH_P0 -0x1.55553cp-2f
#define TANH_P1 0x1.110be2p-3f
#define TANH_P2 -0x1.b96222p-5f
#define TANH_P3 0x1.600992p-6f
#define TANH_P4 -0x1.0460c6p-7f
#define TANH_P5 0x1.2da4fcp-9f
#define TANH_P6 -0x1.77dd3cp-12f

// MARK: - Portable scalar path

static inline uint32_t float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

// 2^k as a float, for -126 <= k <= 127 (other k only happen for NaN inputs; no UB either way).
static inline float pow2i(int32_t k) {
    uint32_t bits = ((uint32_t)k + 127u) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

// exp(x) as hi + lo: hi is the float result and lo the rounding error of its last step (the
// 1 + s below), scaled alike, so that sigmoid can use the sum.
static float exp1x(float x, float *lo) {
    x = x > EXP_HI ? EXP_HI : x;  // NaN compares false, passes through and comes out as NaN
    x = x < EXP_LO ? EXP_LO : x;
    float v = x * LOG2E + ROUND_MAGIC;  // k = round(x / ln2) sits in the low mantissa bits of v
    float kf = v - ROUND_MAGIC;
    int32_t k = (int32_t)(float_bits(v) - float_bits(ROUND_MAGIC)), k1 = k / 2;
    float r = (x - kf * LN2_HI) - kf * LN2_LO;
    float q = EXP_C2 + r * (EXP_C3 + r * (EXP_C4 + r * (EXP_C5 + r * EXP_C6)));
    float s = r + (r * r) * q;
    float p = 1.0f + s, p_lo = (1.0f - p) + s;  // |s| < 1: the error of 1 + s, exactly
    float s1 = pow2i(k1), s2 = pow2i(k - k1);
    *lo = p_lo * s1 * s2;
    return p * s1 * s2;
}

static float exp1(float x) {
    float lo;
    return exp1x(x, &lo);
}

static float tanh1(float x) {
    float a = fabsf(x), y;
    if (a < TANH_T) {
        float s = a * a;
        float p = TANH_P0 + s * (TANH_P1 + s * (TANH_P2 + s * (TANH_P3 + s * (TANH_P4 + s * (TANH_P5 + s * TANH_P6)))));
        y = a + (a * s) * p;
    } else {
        y = 1.0f - 2.0f / (1.0f + exp1(a + a));  // NaN also lands here and stays NaN
    }
    return copysignf(y, x);  // odd function: also gives tanh(-0) = -0
}

static float sigmoid1(float x) {
    float t_lo, t = exp1x(-fabsf(x), &t_lo);
    // num / (1 + t) with t = t + t_lo in double: exact sum, one final rounding to float.
    double tt = (double)t + (double)t_lo;
    return (float)((x >= 0.0f ? 1.0 : tt) / (1.0 + tt));  // NaN: t is NaN
}

// MARK: - AVX2 + FMA path

#if MC_HAVE_X86
// The kernels are always inlined into the loops: unoptimized (debug) builds would otherwise pass
// every vector through memory piecewise, which costs several times the arithmetic.
#define MC_AVX2 __attribute__((target("avx2,fma")))
#define MC_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline))
// __m256 is a GCC / Clang vector type: + - * / and shifts work lane by lane and broadcast scalar
// constants, so the arithmetic below reads like the scalar code (and is also quicker in debug
// builds than one intrinsic per operation). a * b + c may be contracted to an FMA; the two places
// whose exactness needs a single rounding spell the FMA out.
typedef int32_t v8si __attribute__((vector_size(32)));
#define SPLAT(v) _mm256_broadcast_ss(&(const float){v})

// exp(x) as hi (returned) + *lo, as in exp1x.
MC_AVX2_INLINE static inline __m256 exp8x(__m256 x, __m256 *lo) {
    // min/max return their second operand when either is NaN, so NaN passes the clamp.
    x = _mm256_max_ps(SPLAT(EXP_LO), _mm256_min_ps(SPLAT(EXP_HI), x));
    __m256 kf = _mm256_round_ps(x * LOG2E, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = (x - kf * LN2_HI) - kf * LN2_LO;
    __m256 q = EXP_C2 + r * (EXP_C3 + r * (EXP_C4 + r * (EXP_C5 + r * EXP_C6)));
    __m256 s = r + (r * r) * q;
    __m256 p = 1.0f + s, p_lo = (1.0f - p) + s;
    // 2^k1 and 2^k2 built in the exponent field; NaN lanes get garbage scales but p is NaN.
    v8si k = (v8si)_mm256_cvtps_epi32(kf), k1 = k >> 1, k2 = k - k1;
    __m256 s1 = (__m256)((k1 + 127) << 23), s2 = (__m256)((k2 + 127) << 23);
    *lo = p_lo * s1 * s2;
    return p * s1 * s2;
}

MC_AVX2_INLINE static inline __m256 exp8(__m256 x) {
    __m256 lo;  // unused here: the compiler drops its computation
    return exp8x(x, &lo);
}

MC_AVX2_INLINE static inline __m256 tanh8(__m256 x) {
    const __m256 sign = SPLAT(-0.0f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 s = a * a;
    __m256 p = TANH_P0 + s * (TANH_P1 + s * (TANH_P2 + s * (TANH_P3 + s * (TANH_P4 + s * (TANH_P5 + s * TANH_P6)))));
    __m256 small = a + (a * s) * p;
    __m256 large = 1.0f - 2.0f / (1.0f + exp8(a + a));
    __m256 y = _mm256_blendv_ps(large, small, _mm256_cmp_ps(a, SPLAT(TANH_T), _CMP_LT_OQ));  // NaN: large
    return _mm256_or_ps(y, _mm256_and_ps(sign, x));  // y >= 0: put the sign of x back
}

// num / (1 + t) with t = t + t_lo and num = 1 or t, rounded once: with d = 1 + t (float) and its
// exact error d_err, the quotient y0 = num / d leaves the exact remainder num - y0 * d (an FMA), so
// num / (1 + t) = y0 + (num - y0 * d - y0 * d_err) / (d + d_err), where an approximate
// reciprocal of d is plenty for the tiny correction.
MC_AVX2_INLINE static inline __m256 sigmoid8(__m256 x) {
    __m256 t_lo, t = exp8x(_mm256_or_ps(x, SPLAT(-0.0f)), &t_lo);  // exp(-|x|)
    __m256 positive = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ);  // NaN: false, t is NaN
    __m256 num = _mm256_blendv_ps(t, SPLAT(1.0f), positive);
    __m256 num_lo = _mm256_andnot_ps(positive, t_lo);
    __m256 d = 1.0f + t;
    __m256 d_err = ((1.0f - d) + t) + t_lo;
    __m256 y0 = num / d;
    __m256 rem = _mm256_fnmadd_ps(y0, d, num) + num_lo;
    return _mm256_fmadd_ps(_mm256_fnmadd_ps(y0, d_err, rem), _mm256_rcp_ps(d), y0);
}

// Whole vectors of 8, then the last n % 8 through masked loads and stores (masked-off lanes are
// neither read nor written, so nothing outside x[0..<n] / y[0..<n] is touched).
#define MC_AVX2_LOOP(name, f)                                                                   \
    MC_AVX2 static void name(const float *x, float *y, size_t n) {                              \
        size_t i = 0;                                                                           \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));          \
        if (i < n) {                                                                            \
            __m256i live = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - i)),                  \
                                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));       \
            _mm256_maskstore_ps(y + i, live, f(_mm256_maskload_ps(x + i, live)));               \
        }                                                                                       \
    }

MC_AVX2_LOOP(vexp_avx2, exp8)
MC_AVX2_LOOP(vtanh_avx2, tanh8)
MC_AVX2_LOOP(vsigmoid_avx2, sigmoid8)
#endif

// MARK: - Dispatch

#if MC_HAVE_X86
// 0 = not known yet, 1 = portable, 2 = AVX2 + FMA. Threads that race all compute and store the
// same value, so the only cost of a race is a repeated CPU query.
static atomic_int mc_path;

static int detect_path(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 2 : 1;
}

static int use_avx2(void) {
    int p = atomic_load_explicit(&mc_path, memory_order_relaxed);
    if (p == 0) {
        p = detect_path();
        atomic_store_explicit(&mc_path, p, memory_order_relaxed);
    }
    return p == 2;
}
#endif

#ifdef MC_VMATH_TESTING
// For scripts/check-vector-math.c only (not in the public header): force the portable path (1) or
// go back to automatic selection (0). Returns 1 when this CPU can run the AVX2 path.
int mc_vmath_force_portable(int on) {
#if MC_HAVE_X86
    atomic_store_explicit(&mc_path, on ? 1 : 0, memory_order_relaxed);
    return detect_path() == 2;
#else
    (void)on;
    return 0;
#endif
}
#endif

void mc_vexpf(const float *x, float *y, size_t n) {
#if MC_HAVE_X86
    if (use_avx2()) { vexp_avx2(x, y, n); return; }
#endif
    for (size_t i = 0; i < n; i++) y[i] = exp1(x[i]);
}

void mc_vtanhf(const float *x, float *y, size_t n) {
#if MC_HAVE_X86
    if (use_avx2()) { vtanh_avx2(x, y, n); return; }
#endif
    for (size_t i = 0; i < n; i++) y[i] = tanh1(x[i]);
}

void mc_vsigmoidf(const float *x, float *y, size_t n) {
#if MC_HAVE_X86
    if (use_avx2()) { vsigmoid_avx2(x, y, n); return; }
#endif
    for (size_t i = 0; i < n; i++) y[i] = sigmoid1(x[i]);
}
