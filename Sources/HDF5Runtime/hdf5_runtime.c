// See include/HDF5Runtime.h. <hdf5.h> is used for its types and constants only: every function
// is looked up with dlsym, so the binary has no link-time dependency on libhdf5.
#include "HDF5Runtime.h"

#include <dlfcn.h>
#include <hdf5.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(hid_t) == sizeof(h5rt_id), "hid_t is 64-bit since HDF5 1.10");

static struct {
    herr_t (*open)(void);
    herr_t (*eset_auto2)(hid_t, H5E_auto2_t, void *);
    htri_t (*fis_hdf5)(const char *);
    hid_t (*fopen)(const char *, unsigned, hid_t);
    herr_t (*fclose)(hid_t);
    htri_t (*lexists)(hid_t, const char *, hid_t);
    herr_t (*gget_info)(hid_t, H5G_info_t *);
    ssize_t (*lget_name_by_idx)(hid_t, const char *, H5_index_t, H5_iter_order_t, hsize_t, char *, size_t, hid_t);
    hid_t (*dopen2)(hid_t, const char *, hid_t);
    herr_t (*dclose)(hid_t);
    hid_t (*dget_space)(hid_t);
    hid_t (*dget_type)(hid_t);
    herr_t (*dread)(hid_t, hid_t, hid_t, hid_t, hid_t, void *);
    int (*sget_simple_extent_ndims)(hid_t);
    int (*sget_simple_extent_dims)(hid_t, hsize_t *, hsize_t *);
    herr_t (*sselect_hyperslab)(hid_t, H5S_seloper_t, const hsize_t *, const hsize_t *, const hsize_t *, const hsize_t *);
    hid_t (*screate_simple)(int, const hsize_t *, const hsize_t *);
    herr_t (*sclose)(hid_t);
    H5T_class_t (*tget_class)(hid_t);
    size_t (*tget_size)(hid_t);
    H5T_sign_t (*tget_sign)(hid_t);
    herr_t (*tclose)(hid_t);
    hid_t *native_float;
    hid_t *native_llong;
} h5;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512] = "not loaded";
static int loaded;

static void load(void) {
    // Debian's serial build first, then plain names; 103 is HDF5 1.10, 200 1.12, 310 1.14.
    const char *names[] = {"libhdf5_serial.so.103", "libhdf5.so.103", "libhdf5_serial.so.200", "libhdf5.so.200",
                           "libhdf5_serial.so.310", "libhdf5.so.310", "libhdf5_serial.so", "libhdf5.so"};
    void *lib = NULL;
    const char *chosen = getenv("MILVUS_SCENARIO_HDF5");
    if (chosen && *chosen) {
        lib = dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            snprintf(load_error, sizeof load_error, "MILVUS_SCENARIO_HDF5=%s: %s", chosen, dlerror());
            return;
        }
    }
    for (size_t i = 0; !lib && i < sizeof names / sizeof *names; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error,
                 "libhdf5 is not installed (Debian/Ubuntu: apt-get install libhdf5-103-1 or libhdf5-dev; "
                 "or set MILVUS_SCENARIO_HDF5 to the library's path)");
        return;
    }
#define FIND(field, symbol)                                                                         \
    do {                                                                                            \
        *(void **)&h5.field = dlsym(lib, symbol);                                                   \
        if (!h5.field) {                                                                            \
            snprintf(load_error, sizeof load_error, "libhdf5 has no %s (HDF5 1.10 or later is needed)", symbol); \
            return;                                                                                 \
        }                                                                                           \
    } while (0)
    FIND(open, "H5open");
    FIND(eset_auto2, "H5Eset_auto2");
    FIND(fis_hdf5, "H5Fis_hdf5");
    FIND(fopen, "H5Fopen");
    FIND(fclose, "H5Fclose");
    FIND(lexists, "H5Lexists");
    FIND(gget_info, "H5Gget_info");
    FIND(lget_name_by_idx, "H5Lget_name_by_idx");
    FIND(dopen2, "H5Dopen2");
    FIND(dclose, "H5Dclose");
    FIND(dget_space, "H5Dget_space");
    FIND(dget_type, "H5Dget_type");
    FIND(dread, "H5Dread");
    FIND(sget_simple_extent_ndims, "H5Sget_simple_extent_ndims");
    FIND(sget_simple_extent_dims, "H5Sget_simple_extent_dims");
    FIND(sselect_hyperslab, "H5Sselect_hyperslab");
    FIND(screate_simple, "H5Screate_simple");
    FIND(sclose, "H5Sclose");
    FIND(tget_class, "H5Tget_class");
    FIND(tget_size, "H5Tget_size");
    FIND(tget_sign, "H5Tget_sign");
    FIND(tclose, "H5Tclose");
    FIND(native_float, "H5T_NATIVE_FLOAT_g");
    FIND(native_llong, "H5T_NATIVE_LLONG_g");
#undef FIND
    if (h5.open() < 0) {
        snprintf(load_error, sizeof load_error, "libhdf5 failed to initialise (H5open)");
        return;
    }
    // Every failure is reported as a Swift error: no error stack printed to stderr.
    h5.eset_auto2(H5E_DEFAULT, NULL, NULL);
    loaded = 1;
}

int h5rt_load(char *error, size_t capacity) {
    pthread_once(&once, load);
    if (loaded) return 0;
    if (error && capacity) snprintf(error, capacity, "%s", load_error);
    return -1;
}

int h5rt_is_hdf5(const char *path) { return h5.fis_hdf5(path); }
// H5F_ACC_RDONLY is (H5check_version, H5open, 0x0000u): a macro that calls into the library.
h5rt_id h5rt_open_file(const char *path) { return h5.fopen(path, 0x0000u, H5P_DEFAULT); }
void h5rt_close_file(h5rt_id file) { h5.fclose(file); }
int h5rt_exists(h5rt_id file, const char *name) { return h5.lexists(file, name, H5P_DEFAULT); }

int64_t h5rt_link_count(h5rt_id file) {
    H5G_info_t info;
    if (h5.gget_info(file, &info) < 0) return -1;
    return (int64_t)info.nlinks;
}

int64_t h5rt_link_name(h5rt_id file, uint64_t index, char *buffer, size_t capacity) {
    return h5.lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, index, buffer, capacity, H5P_DEFAULT);
}

h5rt_id h5rt_open_dataset(h5rt_id file, const char *name) { return h5.dopen2(file, name, H5P_DEFAULT); }
void h5rt_close_dataset(h5rt_id dataset) { h5.dclose(dataset); }

int h5rt_shape(h5rt_id dataset, int *rank, uint64_t *rows, uint64_t *columns, h5rt_element *element) {
    hid_t space = h5.dget_space(dataset), type = h5.dget_type(dataset);
    int status = -1;
    if (space >= 0 && type >= 0) {
        size_t size = h5.tget_size(type);
        switch (h5.tget_class(type)) {
        case H5T_FLOAT: *element = size == 4 ? H5RT_FLOAT32 : size == 8 ? H5RT_FLOAT64 : H5RT_OTHER; break;
        case H5T_INTEGER: {
            int is_signed = h5.tget_sign(type) == H5T_SGN_2;
            *element = size == 1 && !is_signed ? H5RT_UINT8 : size == 4 ? H5RT_INT32 : size == 8 ? H5RT_INT64 : H5RT_OTHER;
            break;
        }
        default: *element = H5RT_OTHER;
        }
        *rank = h5.sget_simple_extent_ndims(space);
        hsize_t dims[32] = {0};
        if (*rank >= 1 && *rank <= 32 && h5.sget_simple_extent_dims(space, dims, NULL) >= 0) {
            *rows = dims[0];
            *columns = *rank >= 2 ? dims[1] : 0;
            status = 0;
        } else if (*rank >= 0) {
            *rows = *columns = 0;
            status = 0;
        }
    }
    if (space >= 0) h5.sclose(space);
    if (type >= 0) h5.tclose(type);
    return status;
}

int h5rt_read_rows(h5rt_id dataset, uint64_t start, uint64_t count, uint64_t columns, int as_int64, void *buffer) {
    hid_t file_space = h5.dget_space(dataset);
    if (file_space < 0) return -1;
    hsize_t offset[2] = {start, 0}, extent[2] = {count, columns};
    int status = -1;
    if (h5.sselect_hyperslab(file_space, H5S_SELECT_SET, offset, NULL, extent, NULL) >= 0) {
        hid_t memory_space = h5.screate_simple(2, extent, NULL);
        if (memory_space >= 0) {
            hid_t type = as_int64 ? *h5.native_llong : *h5.native_float;
            status = h5.dread(dataset, type, memory_space, file_space, H5P_DEFAULT, buffer) >= 0 ? 0 : -1;
            h5.sclose(memory_space);
        }
    }
    h5.sclose(file_space);
    return status;
}
