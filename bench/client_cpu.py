#!/usr/bin/env python3
"""Client CPU per 1,000 searches: our Swift client next to pymilvus, same server, same run.

usage: bench/client_cpu.py [--uri http://127.0.0.1:19530] [--rounds 3] [--searches 1000]

Prepares a collection (20,000 rows × 128 d, IVF_FLAT nlist 128, loaded), then runs the
same workload — N searches, topK 10, nprobe 10 — serially and at concurrency 10,
alternating our client (with NIO's event loop as Swift's global executor, and with the
default executor) and pymilvus for several rounds so machine noise hits all alike.
CPU is the client process's own user+system time around the measured loop (getrusage),
after a 50-search warm-up. Prints a Markdown table (medians of the rounds).
Run it through bench/client-cpu, which builds the Swift side and starts the server.
"""
import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from pymilvus import Collection, CollectionSchema, DataType, FieldSchema, connections, utility

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DIM = 128


def prepare(uri, name):
    host, port = uri.split("://")[1].rsplit(":", 1)
    connections.connect(host=host, port=port)
    if utility.has_collection(name):
        utility.drop_collection(name)
    schema = CollectionSchema([FieldSchema("id", DataType.INT64, is_primary=True, auto_id=True),
                               FieldSchema("embedding", DataType.FLOAT_VECTOR, dim=DIM)])
    c = Collection(name, schema)
    rng = random.Random(42)
    for _ in range(2):
        c.insert([[[rng.random() for _ in range(DIM)] for _ in range(10_000)]])
    c.flush()
    c.create_index("embedding", {"index_type": "IVF_FLAT", "metric_type": "L2", "params": {"nlist": 128}})
    utility.wait_for_index_building_complete(name)
    c.load()
    return c


def python_run(c, searches, concurrency):
    rng = random.Random(7)
    queries = [[rng.random() for _ in range(DIM)] for _ in range(256)]
    param = {"metric_type": "L2", "params": {"nprobe": 10}}

    def one(i):
        c.search([queries[i % len(queries)]], "embedding", param, limit=10)

    for i in range(50):
        one(i)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    if concurrency == 1:
        for i in range(searches):
            one(i)
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:  # as the load-balance document does
            list(pool.map(one, range(searches)))
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {"client": "pymilvus", "searches": searches, "concurrency": concurrency, "cpu_s": cpu, "wall_s": wall, "errors": 0}


def swift_run(binary, uri, name, searches, concurrency, executor):
    out = subprocess.run([binary, "--uri", uri, "--collection", name, "--dim", str(DIM), "--searches", str(searches),
                          "--concurrency", str(concurrency), "--nprobe", "10", "--executor", executor],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", default="http://127.0.0.1:19530")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build-release", "release", "milvus-client-bench"))
    args = parser.parse_args()
    name = "client_cpu_bench"
    c = prepare(args.uri, name)
    results = {}
    clients = ["swift-nio", "swift-default", "pymilvus"]
    for round_ in range(args.rounds):
        for concurrency in (1, 10):
            # Alternate the order every round so drift on the machine hits every client alike.
            for client in (clients if round_ % 2 == 0 else list(reversed(clients))):
                if client == "pymilvus":
                    r = python_run(c, args.searches, concurrency)
                else:
                    r = swift_run(args.binary, args.uri, name, args.searches, concurrency, client.split("-")[1])
                results.setdefault((client, concurrency), []).append(r)
                print(f"round {round_ + 1}: {client:8} c={concurrency:<2} cpu {r['cpu_s']:.3f} s, wall {r['wall_s']:.2f} s, errors {r['errors']}",
                      file=sys.stderr)
    utility.drop_collection(name)
    print(f"| client | concurrency | client CPU per 1,000 searches (s) | QPS | rounds |")
    print("|---|---|---|---|---|")
    names = {"swift-nio": "Swift MilvusClient, NIO event loop as global executor",
             "swift-default": "Swift MilvusClient, default executor", "pymilvus": "pymilvus 2.3.7"}
    for concurrency in (1, 10):
        for client in clients:
            rs = results[(client, concurrency)]
            cpu = statistics.median(r["cpu_s"] for r in rs) * 1000 / args.searches
            qps = statistics.median(args.searches / r["wall_s"] for r in rs)
            print(f"| {names[client]} | {concurrency} | {cpu:.3f} | {qps:.0f} | {len(rs)} |")


if __name__ == "__main__":
    main()
