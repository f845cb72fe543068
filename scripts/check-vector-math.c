// Exhaustive accuracy check of Sources/CVectorMath (mc_vtanhf, mc_vexpf, mc_vsigmoidf) against
// double-precision libm, for all 2^32 float bit patterns, on the AVX2 path (when the CPU has it)
// and on the portable path. From the repository root:
//
//   cc -O2 -DMC_VMATH_TESTING -I Sources/CVectorMath/include scripts/check-vector-math.c Sources/CVectorMath/cvectormath.c -lm -o /tmp/check && /tmp/check
//
// Options: --step N checks every Nth bit pattern only (quick look); --bench also times each
// function against libm. Exits 1 when a bound is broken: more than 2 ulp from the correctly rounded
// result for a normal result, more than 2^-149 from the exact value for a subnormal result, any
// wrong special value (NaN, infinite input, overflow, underflow to 0, sign, saturation to +-1), or
// a tail / in-place / out-of-bounds problem.
#define _GNU_SOURCE  // mmap flags and clock_gettime under -std=c11
#include <cvectormath.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int mc_vmath_force_portable(int on);  // defined when cvectormath.c is built with -DMC_VMATH_TESTING

enum { TANH, EXP, SIGMOID, NFUNC };
static const char *const func_names[NFUNC] = {"tanh", "exp", "sigmoid"};
typedef void (*VFunc)(const float *, float *, size_t);
static const VFunc funcs[NFUNC] = {mc_vtanhf, mc_vexpf, mc_vsigmoidf};

typedef struct {
    uint64_t normal, subnormal;               // results checked in each class
    uint64_t max_ulp;                         // ulps from the correctly rounded float (normal results)
    float max_ulp_x;
    double max_exact_ulp;                     // |y - exact| / ulp, for information
    float max_exact_x;
    double max_sub_err;                       // |y - exact| / 2^-149 for subnormal results
    float max_sub_x;
    uint64_t bad_ulp, bad_sub;                // over the bounds
    uint64_t nan, inf, overflow, underflow, sign, saturation;  // wrong special values
} Stats;

static uint32_t bits_of(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float float_of(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

// Float bit patterns mapped to integers in numeric order (+0 and -0 both to 0).
static int64_t ordered(float f) {
    uint32_t u = bits_of(f);
    return (u >> 31) ? -(int64_t)(u & 0x7fffffffu) : (int64_t)u;
}

static double reference(int func, float xf) {
    double x = xf;
    switch (func) {
    case TANH: return tanh(x);
    case EXP: return exp(x);
    default: return 1.0 / (1.0 + exp(-x));
    }
}

static void check_one(Stats *s, int func, float x, float y, double exact) {
    float rf = (float)exact;  // correctly rounded, but for the rare double rounding of libm's result
    if (isnan(x) || isnan(y)) { s->nan += !(isnan(x) && isnan(y)); return; }
    if (isinf(x)) { s->inf += bits_of(y) != bits_of(rf); return; }
    if (isinf(rf) || isinf(y)) { s->overflow += bits_of(y) != bits_of(rf); return; }
    // tanh keeps the sign of x (also of +-0); exp and sigmoid results are never negative.
    int want_sign = func == TANH ? (int)(bits_of(x) >> 31) : 0;
    if ((int)(bits_of(y) >> 31) != want_sign) { s->sign++; return; }
    if (rf == 0.0f) { s->underflow += y != 0.0f; return; }
    // Results within 2^-26 of +-1 round to +-1 with room to spare: they must be exactly +-1.
    if (func != EXP && fabs(exact) >= 1.0 - 0x1p-26 && fabsf(y) != 1.0f) s->saturation++;
    if (fabsf(rf) < FLT_MIN) {
        double err = fabs((double)y - exact) / 0x1p-149;
        s->subnormal++;
        if (err > s->max_sub_err) { s->max_sub_err = err; s->max_sub_x = x; }
        s->bad_sub += err > 1.0;
        return;
    }
    int64_t d = ordered(y) - ordered(rf);
    uint64_t ulps = (uint64_t)(d < 0 ? -d : d);
    double exact_ulps = fabs((double)y - exact) / ldexp(1.0, ilogbf(rf) - 23);
    s->normal++;
    if (ulps > s->max_ulp) { s->max_ulp = ulps; s->max_ulp_x = x; }
    if (exact_ulps > s->max_exact_ulp) { s->max_exact_ulp = exact_ulps; s->max_exact_x = x; }
    s->bad_ulp += ulps > 2;
}

static int report(const char *path, int func, const Stats *s) {
    uint64_t specials = s->nan + s->inf + s->overflow + s->underflow + s->sign + s->saturation;
    int ok = s->bad_ulp == 0 && s->bad_sub == 0 && specials == 0;
    printf("%-8s %-8s max %llu ulp at x = %a (%.9g); %.3f ulp from exact at x = %.9g; %llu normal results, %llu over 2 ulp\n",
           path, func_names[func], (unsigned long long)s->max_ulp, s->max_ulp_x, s->max_ulp_x,
           s->max_exact_ulp, s->max_exact_x, (unsigned long long)s->normal, (unsigned long long)s->bad_ulp);
    printf("%-8s %-8s subnormal results: %llu, max error %.3f x 2^-149 (at x = %.9g), %llu over 1\n", "", "",
           (unsigned long long)s->subnormal, s->max_sub_err, s->max_sub_x, (unsigned long long)s->bad_sub);
    printf("%-8s %-8s special mismatches: nan %llu, inf input %llu, overflow %llu, underflow %llu, sign %llu, saturation %llu  => %s\n",
           "", "", (unsigned long long)s->nan, (unsigned long long)s->inf, (unsigned long long)s->overflow,
           (unsigned long long)s->underflow, (unsigned long long)s->sign, (unsigned long long)s->saturation,
           ok ? "OK" : "FAIL");
    return ok;
}

// Lengths 0...19 with the input ending right at a PROT_NONE page (an out-of-bounds read faults),
// guard values around the output, and in-place calls matching out-of-place ones.
static int check_tails(void) {
    long page = sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED || mprotect(map + page, (size_t)page, PROT_NONE) != 0) { perror("mmap"); return 0; }
    int bad = 0;
    for (int func = 0; func < NFUNC; func++) {
        for (size_t n = 0; n < 20; n++) {
            float *x = (float *)(map + page) - n, out[40], inplace[20];
            for (size_t i = 0; i < n; i++) x[i] = (float)i * 0.37f - 3.1f;
            for (size_t i = 0; i < 40; i++) out[i] = 42.0f;
            funcs[func](x, out + 10, n);
            memcpy(inplace, x, n * sizeof(float));
            funcs[func](inplace, inplace, n);
            for (size_t i = 0; i < 40; i++) {
                int inside = i >= 10 && i < 10 + n;
                if (!inside && out[i] != 42.0f) bad++;
                if (inside && bits_of(out[i]) != bits_of(inplace[i - 10])) bad++;
                if (inside && fabs(out[i] / reference(func, x[i - 10]) - 1.0) > 1e-6) bad++;
            }
        }
    }
    munmap(map, 2 * (size_t)page);
    return bad == 0;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void libm_tanh(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]); }
static void libm_exp(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = expf(x[i]); }
static void libm_sigmoid(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i])); }

// Best of 5 runs over 4096 inputs spread over [-12, 12], in ns per element.
static double time_ns(VFunc f, const float *x, float *y, size_t n) {
    double best = 1e30;
    for (int run = 0; run < 5; run++) {
        double t0 = now();
        for (int rep = 0; rep < 500; rep++) f(x, y, n);
        double t = (now() - t0) / (500.0 * (double)n) * 1e9;
        if (t < best) best = t;
    }
    return best;
}

static void bench(int has_avx2) {
    enum { N = 4096 };
    static float x[N], y[N];
    uint32_t seed = 12345;
    for (int i = 0; i < N; i++) { seed = seed * 1664525u + 1013904223u; x[i] = (float)(seed >> 8) * 0x1p-24f * 24.0f - 12.0f; }
    const VFunc libm[NFUNC] = {libm_tanh, libm_exp, libm_sigmoid};
    printf("\nns per element (%d inputs in [-12, 12], best of 5):\n", N);
    printf("%-8s %8s %9s %8s\n", "", "libm", "portable", "avx2");
    for (int func = 0; func < NFUNC; func++) {
        double tl = time_ns(libm[func], x, y, N);
        mc_vmath_force_portable(1);
        double tp = time_ns(funcs[func], x, y, N);
        mc_vmath_force_portable(0);
        double ta = has_avx2 ? time_ns(funcs[func], x, y, N) : NAN;
        printf("%-8s %8.3f %9.3f %8.3f\n", func_names[func], tl, tp, ta);
    }
}

int main(int argc, char **argv) {
    uint64_t step = 1;
    int do_bench = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bench")) do_bench = 1;
        else if (!strcmp(argv[i], "--step") && i + 1 < argc) step = strtoull(argv[++i], NULL, 10);
        else { fprintf(stderr, "usage: %s [--step N] [--bench]\n", argv[0]); return 2; }
    }
    if (step == 0) step = 1;
    int has_avx2 = mc_vmath_force_portable(0);
    int npaths = has_avx2 ? 2 : 1;  // path 0: portable; path 1: AVX2
    const char *path_names[2] = {"portable", "avx2"};

    enum { BLOCK = 4096 };
    static float xs[BLOCK], ys[BLOCK];
    static double exact[NFUNC][BLOCK];
    static Stats stats[2][NFUNC];
    double t0 = now();
    for (uint64_t base = 0; base < (1ull << 32); base += BLOCK * step) {
        size_t n = 0;
        for (; n < BLOCK && base + n * step < (1ull << 32); n++) xs[n] = float_of((uint32_t)(base + n * step));
        for (int func = 0; func < NFUNC; func++)
            for (size_t i = 0; i < n; i++) exact[func][i] = reference(func, xs[i]);
        for (int path = 0; path < npaths; path++) {
            mc_vmath_force_portable(path == 0);
            for (int func = 0; func < NFUNC; func++) {
                funcs[func](xs, ys, n);
                for (size_t i = 0; i < n; i++) check_one(&stats[path][func], func, xs[i], ys[i], exact[func][i]);
            }
        }
    }
    mc_vmath_force_portable(0);
    const char *paths = has_avx2 ? "the portable and AVX2 paths" : "the portable path (no AVX2 here)";
    if (step == 1) printf("checked all 2^32 float bit patterns on %s in %.0f s\n", paths, now() - t0);
    else printf("checked every %llu-th float bit pattern on %s in %.0f s\n", (unsigned long long)step, paths, now() - t0);
    int ok = 1;
    for (int path = npaths - 1; path >= 0; path--)
        for (int func = 0; func < NFUNC; func++) ok &= report(path_names[path], func, &stats[path][func]);
    for (int path = 0; path < npaths; path++) {
        mc_vmath_force_portable(path == 0);
        int tails = check_tails();
        printf("%-8s tails, in place, bounds: %s\n", path_names[path], tails ? "OK" : "FAIL");
        ok &= tails;
    }
    mc_vmath_force_portable(0);
    if (do_bench) bench(has_avx2);
    printf("%s\n", ok ? "all bounds hold" : "BOUNDS BROKEN");
    return ok ? 0 : 1;
}
