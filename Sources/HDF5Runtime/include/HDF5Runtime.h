// HDF5, loaded when first needed (dlopen) instead of linked: the binary then starts and runs
// without libhdf5, and only reading an .hdf5 data set asks for it (a relocatable `make dist`
// binary needs nothing but the C library). Only what the data set reader uses, with types of
// our own that hdf5_runtime.c checks against <hdf5.h> when it is compiled.
#ifndef HDF5_RUNTIME_H
#define HDF5_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t h5rt_id;

/// Element classes of a dataset, as the reader needs them.
typedef enum {
    H5RT_OTHER = 0,
    H5RT_FLOAT32,
    H5RT_FLOAT64,
    H5RT_UINT8,
    H5RT_INT32,
    H5RT_INT64,
} h5rt_element;

/// Loads libhdf5 once (MILVUS_SCENARIO_HDF5 = a library path first, then the usual sonames).
/// 0 on success; otherwise a message in `error`.
int h5rt_load(char *error, size_t capacity);

/// > 0 when the file is HDF5.
int h5rt_is_hdf5(const char *path);
/// A file opened read-only, or < 0.
h5rt_id h5rt_open_file(const char *path);
void h5rt_close_file(h5rt_id file);
/// > 0 when the file has a link of this name at its root.
int h5rt_exists(h5rt_id file, const char *name);
/// The number of links at the file's root, or < 0.
int64_t h5rt_link_count(h5rt_id file);
/// The name of link `index` at the root into `buffer` (NUL-terminated); its length, or < 0.
/// With a NULL buffer, only the length.
int64_t h5rt_link_name(h5rt_id file, uint64_t index, char *buffer, size_t capacity);

h5rt_id h5rt_open_dataset(h5rt_id file, const char *name);
void h5rt_close_dataset(h5rt_id dataset);
/// The dataset's rank, its first two dimensions and its element class; < 0 when unreadable.
int h5rt_shape(h5rt_id dataset, int *rank, uint64_t *rows, uint64_t *columns, h5rt_element *element);
/// Reads rows [start, start + count) of a 2-D dataset with `columns` columns, converted to
/// float (as_int64 = 0) or int64 (as_int64 = 1). 0 on success.
int h5rt_read_rows(h5rt_id dataset, uint64_t start, uint64_t count, uint64_t columns, int as_int64, void *buffer);

#endif
