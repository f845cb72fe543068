// Array versions of float32 tanh, exp and sigmoid for the reference interpreter's elementwise
// kernels: at most 2 ulp from the correctly rounded result (normal results), special values exact.
// Uses AVX2 + FMA when the CPU has them, portable C otherwise. y may equal x (in place); otherwise
// the arrays must not overlap.
#ifndef CVECTORMATH_H
#define CVECTORMATH_H

#include <stddef.h>

/// y[i] = tanh(x[i]) for i < n.
void mc_vtanhf(const float *x, float *y, size_t n);
/// y[i] = exp(x[i]) for i < n (+inf above ~88.72, 0 below ~-103.97).
void mc_vexpf(const float *x, float *y, size_t n);
/// y[i] = 1 / (1 + exp(-x[i])) for i < n.
void mc_vsigmoidf(const float *x, float *y, size_t n);

#endif
