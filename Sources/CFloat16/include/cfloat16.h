/* Bulk float16 <-> float32 conversion with the x86 F16C instructions (round to nearest even). */
#ifndef CFLOAT16_H
#define CFLOAT16_H

#include <stddef.h>
#include <stdint.h>

/* Whether this CPU converts in hardware; the functions below may only be called when it does. */
int cfloat16_hardware_available(void);

/* dst[i] = (float)src[i] for n IEEE binary16 values given by their bits. */
void cfloat16_widen(const uint16_t *src, float *dst, size_t n);

/* dst[i] = bits of src[i] rounded to binary16, half to even (overflow gives infinity). */
void cfloat16_narrow(const float *src, uint16_t *dst, size_t n);

/* x[i] = (float)(binary16)x[i] in place: each value rounded to the nearest binary16, half to even. */
void cfloat16_round(float *x, size_t n);

#endif
