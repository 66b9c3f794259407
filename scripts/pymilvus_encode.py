#!/usr/bin/env python3
"""pymilvus 2.6's own wire encoding of columns, for byte-for-byte comparison with ours.

usage: scripts/pymilvus-2.6 scripts/pymilvus_encode.py CASES.json

CASES.json is a list of {"name", "type" (a pymilvus DataType name, e.g. FLOAT16_VECTOR),
"values", and optionally "dim", "element_type", "nullable"}. Values are plain JSON: floats for
float/float16/bfloat16 vectors (converted with numpy's float16 and ml_dtypes' bfloat16, both
round-to-nearest-even), integers for int8 vectors, 0/1 bits for binary vectors (numpy.packbits),
{"index": value} objects for sparse vectors, lists for arrays, anything for JSON, null for a
null row. Prints {"name": hex of the serialized schema.FieldData} as pymilvus builds it for an
insert (pymilvus.client.entity_helper.entity_to_field_data).
"""
import json
import sys

import ml_dtypes
import numpy as np
from pymilvus import DataType
from pymilvus.client import entity_helper


def column(case):
    t = DataType[case["type"]]
    values = case["values"]
    if t == DataType.FLOAT16_VECTOR:
        values = [np.array(v, dtype=np.float32).astype(np.float16) for v in values]
    elif t == DataType.BFLOAT16_VECTOR:
        values = [np.array(v, dtype=np.float32).astype(ml_dtypes.bfloat16) for v in values]
    elif t == DataType.INT8_VECTOR:
        values = [np.array(v, dtype=np.int8) for v in values]
    elif t == DataType.BINARY_VECTOR:
        values = [np.packbits(np.array(v, dtype=np.uint8)).tobytes() for v in values]
    elif t == DataType.SPARSE_FLOAT_VECTOR:
        values = [{int(k): float(x) for k, x in v.items()} for v in values]
    # Byte-based vector types go to the server as bytes, as pymilvus's row inserts send them.
    if t in (DataType.FLOAT16_VECTOR, DataType.BFLOAT16_VECTOR, DataType.INT8_VECTOR):
        values = [v.view(np.uint8).tobytes() for v in values]
    info = {"name": case["name"], "type": t, "params": {}}
    if "dim" in case:
        info["params"]["dim"] = case["dim"]
    if "element_type" in case:
        info["element_type"] = DataType[case["element_type"]]
        info["params"]["max_capacity"] = 64
    if case.get("nullable"):
        info["nullable"] = True
    entity = {"name": case["name"], "type": t, "values": values}
    return entity_helper.entity_to_field_data(entity, info, len(case["values"])).SerializeToString().hex()


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    with open(argv[1]) as f:
        cases = json.load(f)
    # Values beyond float16's range become infinities, as they should: no warning about it.
    with np.errstate(over="ignore"):
        print(json.dumps({c["name"]: column(c) for c in cases}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
