// HDF5's C API (Debian: libhdf5-dev; pkg-config hdf5), for the ann-benchmarks data set layout.
// Its type and flag names are macros that call into the library, which Swift cannot import:
// these functions return them.
#include <hdf5.h>

static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_llong(void) { return H5T_NATIVE_LLONG; }
static inline unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline hid_t chdf5_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_all(void) { return H5S_ALL; }
/// Stop HDF5 printing its error stack to stderr: every failure is reported as a Swift error.
static inline void chdf5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
