#!/usr/bin/env python3
"""What Milvus answers while a killed query node comes back: a timeline of count(*) (strong
consistency), GetCollectionStatistics and searches, printed whenever an answer changes.

Run it against the local cluster (scripts/milvus-local cluster up) with the server venv:

  .local/venv/bin/python3 scripts/probe_count_after_restart.py [--node 3] [--seconds 60]

It creates `count_probe` (20,000 rows of 64-d vectors in two sealed segments, IVF_FLAT),
loads it with 2 replicas, SIGKILLs query node N, starts it again after 15 s, then samples every
0.2 s for --seconds and drops the collection. This is how the finding of issue 20 was measured:
after the restart, count(*) answered 0 (alternating with 20,000 between replicas) and searches
returned no hits for ~14 s, while the statistics said 20,000 throughout.
"""
import argparse
import random
import subprocess
import time

from pymilvus import Collection, CollectionSchema, DataType, FieldSchema, connections, utility

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--node", default="3", help="query node to kill and restart (default 3)")
parser.add_argument("--seconds", type=float, default=60, help="how long to sample after the restart (default 60)")
parser.add_argument("--port", default="20530", help="the cluster's proxy port (default 20530)")
args = parser.parse_args()

connections.connect(host="127.0.0.1", port=args.port)
name = "count_probe"
if utility.has_collection(name):
    utility.drop_collection(name)
dim = 64
schema = CollectionSchema([FieldSchema("id", DataType.INT64, is_primary=True, auto_id=True),
                           FieldSchema("v", DataType.FLOAT_VECTOR, dim=dim)])
c = Collection(name, schema)
for _ in range(2):
    for _ in range(2):
        c.insert([[[random.random() for _ in range(dim)] for _ in range(5000)]])
    c.flush()
c.create_index("v", {"index_type": "IVF_FLAT", "metric_type": "L2", "params": {"nlist": 64}})
utility.wait_for_index_building_complete(name)
c.load(replica_number=2)


def attempt(f):
    try:
        return f()
    except Exception as e:  # what the server said is the point
        return f"error: {str(e)[:100]}"


def count():
    return attempt(lambda: c.query(expr="", output_fields=["count(*)"], consistency_level="Strong", timeout=10)[0]["count(*)"])


def statistics():
    return attempt(lambda: c.num_entities)


def hits():
    return attempt(lambda: len(c.search([[random.random() for _ in range(dim)]], "v",
                                        {"metric_type": "L2", "params": {"nprobe": 8}}, limit=10, timeout=5)[0]))


def placement():
    return attempt(lambda: sorted((s.segmentID % 1000, tuple(sorted(s.nodeIds))) for s in utility.get_query_segment_info(name)))


print(f"before: count(*) {count()}, statistics {statistics()}, segments (id mod 1000, nodes) {placement()}", flush=True)
try:
    subprocess.run(["scripts/milvus-local", "cluster", "kill", "querynode", args.node], check=True)
    time.sleep(15)
    subprocess.run(["scripts/milvus-local", "cluster", "start", "querynode", args.node], check=True)
    started = time.time()
    last = None
    while time.time() - started < args.seconds:
        line = f"count(*) {count()}, statistics {statistics()}, hits of 3 searches {[hits() for _ in range(3)]}"
        if line != last:
            print(f"{time.time() - started:6.2f} s after the restart: {line}, segments {placement()}", flush=True)
            last = line
        time.sleep(0.2)
finally:
    utility.drop_collection(name)
