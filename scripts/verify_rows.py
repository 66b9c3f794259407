#!/usr/bin/env python3
"""Reads rows back with pymilvus and compares their values with what was meant to be written.

usage: verify_rows.py URI COLLECTION EXPECTED.json

EXPECTED.json is {"key": primary key field, "rows": [{field: value, ...}, ...]}: plain JSON
values — numbers, text, booleans, null for a null row, lists for arrays and float vectors,
{"index": value} objects for sparse vectors, {"hex": "..."} for binary vectors, any JSON for a
JSON field; keys that are not fields of the collection are dynamic keys. Run it with the pymilvus
that belongs to the server (2.3.7 for Milvus 2.3.5, 3.0.2 for milvus-lite). Floats compare with
float32 precision. Prints "rows N fields F wrong W missing M" and the first differences; exits 1
on any difference.
"""
import json
import math
import sys

from pymilvus import MilvusClient


def same(a, b):
    if isinstance(a, dict) and set(a) == {"hex"}:
        if isinstance(b, list) and len(b) == 1:
            b = b[0]
        return isinstance(b, (bytes, bytearray)) and bytes(b).hex() == a["hex"]
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-6)
    if isinstance(a, list) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        b = {str(k): v for k, v in b.items()}
        return set(a) == set(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, dict) and hasattr(b, "tocsr"):  # a scipy sparse row
        row = b.tocsr()
        return same(a, {str(i): v for i, v in zip(row.indices, row.data)})
    return a == b


def main(argv):
    if len(argv) != 4 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    uri, collection, path = argv[1:]
    with open(path) as f:
        expected = json.load(f)
    key = expected["key"]
    rows = expected["rows"]
    client = MilvusClient(uri=uri)
    fields = sorted({k for r in rows for k in r})
    got = {}
    for start in range(0, len(rows), 200):
        ids = [r[key] for r in rows[start:start + 200]]
        for r in client.query(collection, filter=f"{key} in {json.dumps(ids)}", output_fields=fields, consistency_level="Strong"):
            got[r[key]] = r
    wrong, missing, shown = 0, 0, []
    for r in rows:
        back = got.get(r[key])
        if back is None:
            missing += 1
            continue
        for field, value in r.items():
            if not same(value, back.get(field)):
                wrong += 1
                if len(shown) < 5:
                    shown.append(f"row {r[key]} field {field}: wrote {json.dumps(value)[:120]}, read {str(back.get(field))[:120]}")
    print(f"rows {len(rows)} fields {len(fields)} wrong {wrong} missing {missing}")
    for s in shown:
        print(s)
    return 1 if wrong or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
