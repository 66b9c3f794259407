#!/usr/bin/env python3
"""Converts a VectorDBBench data set (Parquet) into the .npy files milvus-scenario reads.

milvus-scenario does not read Parquet itself: the maintained Parquet readers are Apache Arrow's
(C++ libparquet, or pyarrow), Debian does not package Arrow (Apache ships it from its own APT
repository), and no Swift package reads it. pyarrow from PyPI does, so this script converts
once, streaming record batches into memory-mapped .npy files (memory stays flat):

    .local/venv/bin/python3 scripts/parquet_to_npy.py DATASET_DIR [OUT_DIR]

(scripts/bootstrap puts pyarrow 26.0.1 into .local/venv.)

DATASET_DIR holds VectorDBBench's layout: the rows in `train.parquet`, `shuffle_train.parquet`
or parts `(shuffle_)train-NN-of-MM.parquet` (columns `id`, `emb`), the query vectors in
`test.parquet` (`id`, `emb`) and, if present, their exact neighbours in `neighbors.parquet`
(`id`, `neighbors_id`). Written to OUT_DIR (default DATASET_DIR):

  train.npy      float32, row i = the row whose id is i (so row numbers are ids)
  test.npy       float32, row i = the query vector whose id is i
  neighbors.npy  int64, row i = the neighbours of query i, as row numbers of train.npy

Ids must be 0 … n-1 in some order (VectorDBBench's are): that is what lets the neighbours,
which name ids, name rows. Use them in a scenario as
  generate: {embedding: {file: train.npy}}
  vectors: {file: test.npy, neighbors: neighbors.npy}
"""
import glob
import os
import sys

import numpy as np
import pyarrow.parquet as pq


def fail(message):
    sys.exit(f"parquet_to_npy: {message}")


def convert(files, out, column, dtype, what):
    """Writes the `column` lists of `files` to `out`, row = id; returns the shape."""
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    array, seen = None, np.zeros(rows, dtype=bool)
    for f in files:
        names = pq.ParquetFile(f).schema_arrow.names
        for needed in ("id", column):
            if needed not in names:
                fail(f"{f} has no column '{needed}' (it has {', '.join(names)})")
        for batch in pq.ParquetFile(f).iter_batches(batch_size=8192, columns=["id", column]):
            ids = batch.column(0).to_numpy(zero_copy_only=False).astype(np.int64)
            values = batch.column(1)
            width = len(values[0]) if len(values) else 0
            flat = values.flatten().to_numpy(zero_copy_only=False)
            if flat.size != len(values) * width:
                fail(f"{f}: the rows of '{column}' do not all have {width} values")
            if array is None:
                array = np.lib.format.open_memmap(out, mode="w+", dtype=dtype, shape=(rows, width))
            elif width != array.shape[1]:
                fail(f"{f}: rows of {width} values after rows of {array.shape[1]}")
            if ids.min(initial=0) < 0 or ids.max(initial=0) >= rows:
                fail(f"{f}: ids must be 0 … {rows - 1} so that neighbours name rows; found {ids.min()} … {ids.max()}")
            if seen[ids].any():
                fail(f"{f}: id {ids[seen[ids]][0]} appears twice")
            seen[ids] = True
            array[ids] = flat.reshape(len(values), width).astype(dtype)
    if array is None:
        fail(f"{what}: no rows")
    array.flush()
    print(f"{out}: {array.shape[0]} × {array.shape[1]} {np.dtype(dtype).name}")
    return array.shape


def main():
    if len(sys.argv) not in (2, 3):
        fail("usage: parquet_to_npy.py DATASET_DIR [OUT_DIR]")
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else src
    os.makedirs(out, exist_ok=True)
    train = sorted(glob.glob(os.path.join(src, "*train*.parquet")))
    test = os.path.join(src, "test.parquet")
    if not train or not os.path.exists(test):
        fail(f"{src}: needs train.parquet (or shuffle_train*.parquet) and test.parquet")
    rows, _ = convert(train, os.path.join(out, "train.npy"), "emb", np.float32, "train")
    queries, _ = convert([test], os.path.join(out, "test.npy"), "emb", np.float32, "test")
    neighbors = os.path.join(src, "neighbors.parquet")
    if os.path.exists(neighbors):
        n, _ = convert([neighbors], os.path.join(out, "neighbors.npy"), "neighbors_id", np.int64, "neighbors")
        if n != queries:
            fail(f"neighbors.parquet has {n} rows for {queries} query vectors")
        nn = np.load(os.path.join(out, "neighbors.npy"), mmap_mode="r")
        if nn.min() < 0 or nn.max() >= rows:
            fail(f"neighbors.parquet names ids outside 0 … {rows - 1}")


if __name__ == "__main__":
    main()
