// A CBLAS sgemm, loaded when first needed (dlopen) instead of linked: OpenBLAS when the machine
// has it, and nothing otherwise — exact nearest neighbours then use the portable SIMD kernel,
// so a relocatable `make dist` binary needs nothing but the C library.
#ifndef BLAS_RUNTIME_H
#define BLAS_RUNTIME_H

#include <stddef.h>

/// Loads a CBLAS once (MILVUS_SCENARIO_BLAS = a library path first, then OpenBLAS's sonames).
/// 0 on success; otherwise a message in `error`.
int blasrt_load(char *error, size_t capacity);

/// The name of the library that was loaded ("" before a successful load).
const char *blasrt_library(void);

/// C (m × n, row-major) = A (m × k, row-major) · Bᵀ (B: n × k, row-major): sgemm with
/// alpha 1, beta 0. Only after blasrt_load succeeded.
void blasrt_sgemm_abt(int m, int n, int k, const float *a, const float *b, float *c);

#endif
