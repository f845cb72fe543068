#include "cfloat16.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

int cfloat16_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
}

__attribute__((target("avx,f16c")))
void cfloat16_widen(const uint16_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm_loadu_si128((const __m128i *)(src + i));
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
    }
    if (i < n) {
        uint16_t h[8] = {0};
        float f[8];
        memcpy(h, src + i, (n - i) * sizeof(uint16_t));
        _mm256_storeu_ps(f, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)h)));
        memcpy(dst + i, f, (n - i) * sizeof(float));
    }
}

__attribute__((target("avx,f16c")))
void cfloat16_narrow(const float *src, uint16_t *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
        _mm_storeu_si128((__m128i *)(dst + i), h);
    }
    if (i < n) {
        float f[8] = {0};
        uint16_t h[8];
        memcpy(f, src + i, (n - i) * sizeof(float));
        _mm_storeu_si128((__m128i *)h, _mm256_cvtps_ph(_mm256_loadu_ps(f), _MM_FROUND_TO_NEAREST_INT));
        memcpy(dst + i, h, (n - i) * sizeof(uint16_t));
    }
}

__attribute__((target("avx,f16c")))
void cfloat16_round(float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
        _mm256_storeu_ps(x + i, _mm256_cvtph_ps(h));
    }
    if (i < n) {
        float f[8] = {0};
        memcpy(f, x + i, (n - i) * sizeof(float));
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(f), _MM_FROUND_TO_NEAREST_INT);
        _mm256_storeu_ps(f, _mm256_cvtph_ps(h));
        memcpy(x + i, f, (n - i) * sizeof(float));
    }
}

#else

int cfloat16_hardware_available(void) { return 0; }
void cfloat16_widen(const uint16_t *src, float *dst, size_t n) { (void)src; (void)dst; (void)n; }
void cfloat16_narrow(const float *src, uint16_t *dst, size_t n) { (void)src; (void)dst; (void)n; }
void cfloat16_round(float *x, size_t n) { (void)x; (void)n; }

#endif
