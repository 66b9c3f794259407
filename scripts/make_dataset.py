#!/usr/bin/env python3
"""Makes a small vector data set in every file layout milvus-scenario reads, with exact
neighbours computed by numpy's brute force: for the tests, and to try `file:` without
downloading SIFT. Needs numpy and h5py (the project venv: scripts/bootstrap).

    .local/venv/bin/python3 scripts/make_dataset.py OUT_DIR [--rows 2000] [--queries 50] [--dim 16] [--k 20]

Writes, in OUT_DIR:
  small_base.fvecs  small_query.fvecs  small_groundtruth.ivecs   TEXMEX layout (L2 neighbours)
  small_base.bvecs                                               the rows as uint8 (0..255)
  base.npy (float32)  base_f8.npy (float64)  query.npy  neighbors.npy (int64, L2)
  small-euclidean.hdf5   ann-benchmarks layout: train, test, neighbors, distances; attribute distance
  small-ip.hdf5          the same rows and queries with inner-product neighbours (another metric)
  base.raw  query.raw  neighbors.raw   float32 / int32 little-endian dumps, for checking readers
"""
import argparse
import os

import h5py
import numpy as np


def texmex(path, a, dtype):
    a = np.ascontiguousarray(a, dtype=dtype)
    n, d = a.shape
    with open(path, "wb") as f:
        for row in a:
            f.write(np.int32(d).tobytes())
            f.write(row.tobytes())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--queries", type=int, default=50)
    p.add_argument("--dim", type=int, default=16)
    p.add_argument("--k", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    # Clustered, so neighbours are well separated from the rest and an order exists.
    centres = rng.normal(size=(20, a.dim)) * 4
    base = (centres[rng.integers(0, 20, a.rows)] + rng.normal(size=(a.rows, a.dim))).astype(np.float32)
    query = (centres[rng.integers(0, 20, a.queries)] + rng.normal(size=(a.queries, a.dim))).astype(np.float32)
    b64, q64 = base.astype(np.float64), query.astype(np.float64)
    l2 = (q64 ** 2).sum(1)[:, None] - 2 * q64 @ b64.T + (b64 ** 2).sum(1)[None, :]
    nn_l2 = np.argsort(l2, axis=1, kind="stable")[:, : a.k]
    nn_ip = np.argsort(-(q64 @ b64.T), axis=1, kind="stable")[:, : a.k]
    dist_l2 = np.sqrt(np.maximum(np.take_along_axis(l2, nn_l2, 1), 0)).astype(np.float32)

    o = lambda name: os.path.join(a.out, name)
    texmex(o("small_base.fvecs"), base, np.float32)
    texmex(o("small_query.fvecs"), query, np.float32)
    texmex(o("small_groundtruth.ivecs"), nn_l2, np.int32)
    texmex(o("small_base.bvecs"), np.clip(np.abs(base) * 16, 0, 255), np.uint8)
    np.save(o("base.npy"), base)
    np.save(o("base_f8.npy"), base.astype(np.float64))
    np.save(o("query.npy"), query)
    np.save(o("neighbors.npy"), nn_l2.astype(np.int64))
    for name, nn, dist, metric in [("small-euclidean.hdf5", nn_l2, dist_l2, "euclidean"), ("small-ip.hdf5", nn_ip, None, "dot")]:
        with h5py.File(o(name), "w") as f:
            f.attrs["distance"] = metric
            f.create_dataset("train", data=base)
            f.create_dataset("test", data=query)
            f.create_dataset("neighbors", data=nn.astype(np.int32))
            if dist is not None:
                f.create_dataset("distances", data=dist)
    base.astype("<f4").tofile(o("base.raw"))
    query.astype("<f4").tofile(o("query.raw"))
    nn_l2.astype("<i4").tofile(o("neighbors.raw"))
    print(f"{a.rows} rows, {a.queries} queries, {a.dim}-d, {a.k} neighbours in {a.out}")


if __name__ == "__main__":
    main()
