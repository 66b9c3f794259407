// See include/BLASRuntime.h. CBLAS's enum values are fixed by the CBLAS standard (RowMajor 101,
// NoTrans 111, Trans 112), so no header of the library is needed to build this.
#include "BLASRuntime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                         const float *b, int ldb, float beta, float *c, int ldc);

static sgemm_fn sgemm;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512] = "not loaded";
static int loaded;
static char library[256];

static void load(void) {
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0"};
    const char *chosen = getenv("MILVUS_SCENARIO_BLAS");
    void *lib = NULL;
    const char *found = NULL;
    if (chosen && *chosen) {
        if (strcmp(chosen, "none") == 0) {
            snprintf(load_error, sizeof load_error, "MILVUS_SCENARIO_BLAS=none");
            return;
        }
        lib = dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
        found = chosen;
        if (!lib) {
            snprintf(load_error, sizeof load_error, "MILVUS_SCENARIO_BLAS=%s: %s", chosen, dlerror());
            return;
        }
    }
    for (size_t i = 0; !lib && i < sizeof names / sizeof *names; i++) {
        lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        found = names[i];
    }
    if (!lib) {
        snprintf(load_error, sizeof load_error, "OpenBLAS is not installed (Debian/Ubuntu: apt-get install libopenblas0)");
        return;
    }
    *(void **)&sgemm = dlsym(lib, "cblas_sgemm");
    if (!sgemm) {
        snprintf(load_error, sizeof load_error, "%s has no cblas_sgemm", found);
        return;
    }
    snprintf(library, sizeof library, "%s", found);
    loaded = 1;
}

int blasrt_load(char *error, size_t capacity) {
    pthread_once(&once, load);
    if (loaded) return 0;
    if (error && capacity) snprintf(error, capacity, "%s", load_error);
    return -1;
}

const char *blasrt_library(void) { return library; }

void blasrt_sgemm_abt(int m, int n, int k, const float *a, const float *b, float *c) {
    sgemm(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
}
