#!/usr/bin/env python3
"""milvus-scenario next to the first document's pymilvus script, same server, same run.

usage: bench/runner_vs_pymilvus.py [--uri URI] [--rounds 2] [--rows 100000] [--queries 2000]
                                   [--rates 100,200] [--open-seconds 20] [--output bench/RESULTS.md]
       bench/runner_vs_pymilvus.py --peak-rss [--rows 1000000] [--queries 1000000]

Run it through bench/runner-vs-pymilvus, which builds the release binary and starts the server.

The workload is the load-balancing document's: 100k × 128-d rows in batches of 10,000
(np.random.rand + a cycled category), flush, IVF_FLAT nlist 128, load, then searches with
topK 10 / nprobe 10 at concurrency 1, 10 and 50. pymilvus searches twice: as the document does
(ThreadPoolExecutor + as_completed, one np.random.rand query vector per search) and its
efficient way (vectors computed before the clock starts, a plain loop serially, a thread pool's
map concurrently). Ours runs bench/scenarios/runner_bench.yaml, which adds open-loop runs at
fixed rates (the document has none), twice: with the default transport for searches (their own
HTTP/2 connections) and with MILVUS_SCENARIO_SEARCH_TRANSPORT=grpc (grpc-swift 2, what every
search used before), so what the transport buys is measured in the same run. The clients
alternate for --rounds rounds so machine noise hits them alike; the tables show medians.

Client CPU is each process's own user + system time: ours from the per-step `clientCpuMs`
the runner records (getrusage around each step), pymilvus from getrusage around each phase
of the document's code in a separate process. Per 1,000 searches counts every search sent,
warm-up included, because the CPU was spent on them. Peak RSS is each process's ru_maxrss.

--peak-rss runs ours alone on a large workload (1M rows inserted, 1M searches) and reports
its peak memory.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BINARY = os.path.join(ROOT, ".build-release", "release", "milvus-scenario")
SCENARIO = os.path.join(ROOT, "bench", "scenarios", "runner_bench.yaml")
PEAK_SCENARIO = os.path.join(ROOT, "bench", "scenarios", "peak_rss.yaml")
WARMUP = 50
NOTES_MARKER = "<!-- notes: kept when the tables above are regenerated -->"


SEARCHES = (("c1", 1), ("c10", 10), ("c50", 50))


def run_ours(args, scenario, variables, transport="direct"):
    """Runs the release binary, returns (run.json, child rusage)."""
    out = tempfile.mkdtemp(prefix="bench-ours-")
    argv = [BINARY, "run", scenario, "--report-dir", out, "--quiet", "--uri", args.uri]
    for k, v in variables.items():
        argv += ["--var", f"{k}={v}"]
    env = dict(os.environ, MILVUS_SCENARIO_SEARCH_TRANSPORT=transport)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    output = proc.stdout.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"milvus-scenario exited {code}:\n{output}")
    with open(os.path.join(out, "run.json"), encoding="utf-8") as f:
        return json.load(f), usage


def ours_round(args, transport="direct"):
    record, usage = run_ours(args, SCENARIO, {"rows": args.rows, "queries": args.queries,
                                              "rate_low": args.rates[0], "rate_high": args.rates[1],
                                              "open_seconds": args.open_seconds}, transport)
    steps = {s["id"]: s for s in record["steps"]}
    insert = steps["insert"]
    result = {
        "insert": {"rows_per_s": insert["metrics"]["rowsPerSecond"],
                   "cpu_s": insert["clientCpuMs"] / 1000,
                   "flush_s": (insert["metrics"].get("flushTime", 0) + insert["metrics"].get("sealTime", 0)) / 1000},
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    for sid in ("c1", "c10", "c50", "open_low", "open_high"):
        s = steps[sid]
        m = s["metrics"]
        sent = m["queries"] + s["search"]["warmupQueries"]
        result[sid] = {"qps": m["qps"], "p99": m["p99"], "errors": m.get("errors", 0),
                       "cpu_per_1000": s["clientCpuMs"] / 1000 / sent * 1000,
                       "target": s["search"].get("targetRate"), "late": m.get("late", 0), "dropped": m.get("dropped", 0)}
    return result


# ---- the document's code, in its own process -------------------------------------------------

def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def pymilvus_worker(uri, rows, queries):
    """The load-balancing document's functions (sections 2-5 and 7), timed per phase."""
    import numpy as np
    from concurrent.futures import ThreadPoolExecutor, as_completed
    from pymilvus import Collection, CollectionSchema, DataType, FieldSchema, connections, utility

    host, port = uri.split("://")[1].rsplit(":", 1)
    connections.connect(host=host, port=port)
    name = "runner_bench_pymilvus"
    if utility.has_collection(name):
        utility.drop_collection(name)
    fields = [FieldSchema(name="id", dtype=DataType.INT64, is_primary=True, auto_id=True),
              FieldSchema(name="embedding", dtype=DataType.FLOAT_VECTOR, dim=128),
              FieldSchema(name="category", dtype=DataType.VARCHAR, max_length=100)]
    collection = Collection(name=name, schema=CollectionSchema(fields=fields, description="负载均衡测试"))
    result = {}

    # insert_test_data: np.random.rand(batch, 128).tolist(), categories cycled, then flush.
    batch_size = 10000
    categories = ["electronics", "books", "clothing", "food", "toys"]
    c0, t0 = cpu(), time.perf_counter()
    for i in range(0, rows, batch_size):
        vectors = np.random.rand(batch_size, 128).tolist()
        cats = [categories[j % len(categories)] for j in range(i, i + batch_size)]
        collection.insert([vectors, cats])
    insert_s, insert_cpu = time.perf_counter() - t0, cpu() - c0
    f0 = time.perf_counter()
    collection.flush()
    result["insert"] = {"rows_per_s": rows / insert_s, "cpu_s": insert_cpu, "flush_s": time.perf_counter() - f0}

    collection.create_index(field_name="embedding",
                            index_params={"index_type": "IVF_FLAT", "metric_type": "L2", "params": {"nlist": 128}})
    utility.wait_for_index_building_complete(name)
    collection.load()

    # concurrent_query_test, as written: a fresh np.random.rand vector per query, as_completed.
    def single_query(query_id):
        start_time = time.time()
        query_vector = np.random.rand(1, 128).tolist()
        collection.search(data=query_vector, anns_field="embedding",
                          param={"metric_type": "L2", "params": {"nprobe": 10}}, limit=10)
        return query_id, time.time() - start_time

    def concurrent_query_test(num_queries, concurrency):
        latencies = []
        start_time = time.time()
        with ThreadPoolExecutor(max_workers=concurrency) as executor:
            futures = [executor.submit(single_query, i) for i in range(num_queries)]
            for future in as_completed(futures):
                latencies.append(future.result()[1])
        total_time = time.time() - start_time
        latencies.sort()
        return {"qps": num_queries / total_time, "p99": latencies[int(len(latencies) * 0.99)] * 1000}

    for sid, concurrency in SEARCHES:
        c0 = cpu()
        concurrent_query_test(WARMUP, concurrency)
        r = concurrent_query_test(queries, concurrency)
        r["cpu_per_1000"] = (cpu() - c0) / (queries + WARMUP) * 1000
        r["errors"] = 0
        result[sid] = r

    # pymilvus used efficiently: the vectors exist before the clock starts (float lists, as
    # pymilvus wants them), serial searches in a plain loop, concurrent ones through a pool's map.
    vectors = np.random.rand(queries + WARMUP, 128).astype(np.float32).tolist()
    param = {"metric_type": "L2", "params": {"nprobe": 10}}

    def timed_search(vector):
        t = time.perf_counter()
        collection.search(data=[vector], anns_field="embedding", param=param, limit=10)
        return time.perf_counter() - t

    def efficient_test(batch, concurrency):
        start = time.perf_counter()
        if concurrency == 1:
            latencies = [timed_search(v) for v in batch]
        else:
            with ThreadPoolExecutor(max_workers=concurrency) as executor:
                latencies = list(executor.map(timed_search, batch))
        total = time.perf_counter() - start
        latencies.sort()
        return {"qps": len(batch) / total, "p99": latencies[int(len(latencies) * 0.99)] * 1000}

    for sid, concurrency in SEARCHES:
        c0 = cpu()
        efficient_test(vectors[:WARMUP], concurrency)
        r = efficient_test(vectors[WARMUP:], concurrency)
        r["cpu_per_1000"] = (cpu() - c0) / (queries + WARMUP) * 1000
        r["errors"] = 0
        result["efficient_" + sid] = r
    collection.release()
    utility.drop_collection(name)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def pymilvus_round(args):
    argv = [sys.executable, __file__, "--worker", "--uri", args.uri, "--rows", str(args.rows), "--queries", str(args.queries)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# ---- tables --------------------------------------------------------------------------------

def median(rounds, *path):
    values = []
    for r in rounds:
        v = r
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
            if v is None:
                break
        if v is not None:
            values.append(v)
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None:
        return "—"
    return f"{v:,.{digits}f}"


def verdict(ok):
    return "met" if ok else "**missed**"


def write_results(args, ours, grpc, py, started):
    lines = []
    w = lines.append
    w("# milvus-scenario next to the document's pymilvus script")
    w("")
    w(f"Produced by `bench/runner-vs-pymilvus --rounds {args.rounds}` on {time.strftime('%Y-%m-%d', time.gmtime(started))}, "
      f"on this project's machine kind (2 cores shared with the server, 24 GiB), against the local Milvus 2.3.5 "
      f"standalone (`scripts/milvus-local standalone up`), in one run. Workload: the load-balancing document's — "
      f"{args.rows:,} × 128-d rows in batches of 10,000, flush, IVF_FLAT nlist 128, load; {args.queries:,} measured "
      f"searches (topK 10, nprobe 10) after {WARMUP} warm-up searches at concurrency 1, 10 and 50. Ours runs "
      f"`bench/scenarios/runner_bench.yaml` with the release binary, once with its default search transport (own "
      f"HTTP/2 connections) and once with `MILVUS_SCENARIO_SEARCH_TRANSPORT=grpc` (grpc-swift 2). pymilvus "
      f"{pymilvus_version()} runs in its own process, first the document's functions unchanged (ThreadPoolExecutor, "
      f"a new `np.random.rand` vector per query), then its efficient use (vectors computed before the clock starts, a "
      f"plain loop serially, a thread pool's `map` concurrently). The clients alternate; each cell is the median of "
      f"{args.rounds} rounds. Client CPU is the process's own user + system time (getrusage) for the phase, per "
      f"1,000 searches sent (warm-up included); \"× pymilvus\" divides it by pymilvus's efficient use.")
    w("")
    w("## Searches")
    w("")
    w("| concurrency | client | client CPU per 1,000 searches (s) | × pymilvus | QPS | P99 (ms) |")
    w("|---|---|---|---|---|---|")
    targets = []
    for sid, label in (("c1", "1 (serial)"), ("c10", "10"), ("c50", "50")):
        base = median(py, "efficient_" + sid, "cpu_per_1000")
        for name, rounds, key in (("milvus-scenario", ours, sid), ("milvus-scenario, grpc-swift transport", grpc, sid),
                                  ("pymilvus (efficient)", py, "efficient_" + sid), ("pymilvus (document)", py, sid)):
            c = median(rounds, key, "cpu_per_1000")
            ratio = f"{c / base:.2f}×" if c is not None and base else "—"
            w(f"| {label} | {name} | {fmt(c, 3)} | {ratio} | {fmt(median(rounds, key, 'qps'))} "
              f"| {fmt(median(rounds, key, 'p99'), 1)} |")
        c, q, p = (median(ours, sid, k) for k in ("cpu_per_1000", "qps", "p99"))
        pq, pp = median(py, "efficient_" + sid, "qps"), median(py, "efficient_" + sid, "p99")
        targets.append((label, c, base, q, pq, p, pp))
    w("")
    w("## Open loop (ours only: the document has no fixed-rate load)")
    w("")
    w("| target rate (/s) | achieved (/s) | off target | late | dropped | P99 (ms, from intended start) | client CPU per 1,000 (s) |")
    w("|---|---|---|---|---|---|---|")
    open_ok = True
    for sid in ("open_low", "open_high"):
        target = median(ours, sid, "target")
        achieved = median(ours, sid, "qps")
        off = (achieved - target) / target * 100 if target and achieved else None
        if off is not None and abs(off) > 1:
            open_ok = False
        w(f"| {fmt(target)} | {fmt(achieved, 1)} | {fmt(off, 2)} % | {fmt(median(ours, sid, 'late'))} | "
          f"{fmt(median(ours, sid, 'dropped'))} | {fmt(median(ours, sid, 'p99'), 1)} | {fmt(median(ours, sid, 'cpu_per_1000'), 3)} |")
    w("")
    w("## Insert")
    w("")
    w("| client | rows/s (insert requests) | client CPU for the rows (s) | flush until sealed (s) |")
    w("|---|---|---|---|")
    for name, rounds in (("milvus-scenario", ours), ("pymilvus (document)", py)):
        w(f"| {name} | {fmt(median(rounds, 'insert', 'rows_per_s'))} | {fmt(median(rounds, 'insert', 'cpu_s'), 2)} | "
          f"{fmt(median(rounds, 'insert', 'flush_s'), 2)} |")
    w("")
    w("## Peak memory of the client process")
    w("")
    w("| client | peak RSS (MiB), whole run |")
    w("|---|---|")
    w(f"| milvus-scenario | {fmt(median(ours, 'peak_rss_mb'))} |")
    w(f"| pymilvus (document) | {fmt(median(py, 'peak_rss_mb'))} |")
    w("")
    ins_rate = median(ours, "insert", "rows_per_s") / median(py, "insert", "rows_per_s")
    ins_cpu = median(ours, "insert", "cpu_s") / median(py, "insert", "cpu_s")
    w("## Targets")
    w("")
    w("| target | measured | verdict |")
    w("|---|---|---|")
    for label, c, base, q, pq, p, pp in targets:
        w(f"| concurrency {label}: client CPU per search ≤ 0.5× pymilvus (efficient) | {c / base:.2f}× ({c:.3f} / {base:.3f} s) "
          f"| {verdict(c <= 0.5 * base)} |")
        w(f"| concurrency {label}: QPS ≥ pymilvus (efficient) | {q:,.0f} / {pq:,.0f} | {verdict(q >= pq)} |")
        w(f"| concurrency {label}: P99 ≤ pymilvus (efficient) | {p:.1f} / {pp:.1f} ms | {verdict(p <= pp)} |")
    w(f"| insert ≥ 2× pymilvus rows/s | {ins_rate:.2f}× | {verdict(ins_rate >= 2)} |")
    w(f"| insert client CPU ≤ 1/10 of pymilvus | {ins_cpu:.3f}× (1/{1 / ins_cpu:.0f}) | {verdict(ins_cpu <= 0.1)} |")
    w(f"| open-loop achieved rate within 1 % of the target | see above | {verdict(open_ok)} |")
    w("| peak RSS ≤ 100 MB for 1M rows + 1M searches | see [PEAK-RSS.md](PEAK-RSS.md) | |")
    w("")
    write_keeping_notes(args.output, lines)
    print("\n".join(lines))


def write_keeping_notes(path, lines):
    """Writes the generated lines; a hand-written reading below NOTES_MARKER survives a re-run."""
    notes = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
        if NOTES_MARKER in old:
            notes = old.split(NOTES_MARKER, 1)[1].lstrip("\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n" + NOTES_MARKER + "\n\n" + notes)


def pymilvus_version():
    try:
        import pymilvus
        return pymilvus.__version__
    except Exception:
        return "?"


def peak_rss(args):
    started = time.time()
    record, usage = run_ours(args, PEAK_SCENARIO, {"rows": args.rows, "queries": args.queries})
    lines = [
        "# Peak memory of milvus-scenario for 1M rows and 1M searches",
        "",
        f"Produced by `bench/runner-vs-pymilvus --peak-rss` on {time.strftime('%Y-%m-%d', time.gmtime(started))} against the local "
        f"standalone server: `bench/scenarios/peak_rss.yaml` inserts {args.rows:,} × 128-d rows (batches of 10,000, "
        f"generated batch by batch), then runs {args.queries:,} searches at concurrency 10 on a small loaded collection "
        f"(the client's memory does not depend on the collection searched; a 1M-row collection would take hours to "
        f"search a million times on 2 cores).",
        "",
        "| step | what | time (s) | client CPU (s) |",
        "|---|---|---|---|",
    ]
    for s in record["steps"]:
        what = ""
        if s["kind"] == "insert":
            what = f"{int(s['metrics']['rows']):,} rows, {s['metrics']['rowsPerSecond']:,.0f} rows/s"
        elif s["kind"] == "concurrentSearch":
            what = f"{int(s['metrics']['queries']):,} searches, {s['metrics']['qps']:,.0f} QPS, P99 {s['metrics']['p99']:.1f} ms, {int(s['metrics'].get('errors', 0))} errors"
        lines.append(f"| {s['id']} | {what} | {s['durationMs'] / 1000:,.1f} | {(s.get('clientCpuMs') or 0) / 1000:,.1f} |")
    peak = usage.ru_maxrss / 1024
    lines += ["", f"**Peak RSS of the whole run: {peak:.1f} MiB** (ru_maxrss of the process; the record says "
              f"{record['client']['peakRSSMB']:.1f} MiB) — target ≤ 100 MB: {'met' if peak * 1.048576 <= 100 else '**missed**'}.", ""]
    write_keeping_notes(os.path.join(ROOT, "bench", "PEAK-RSS.md"), lines)
    print("\n".join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--uri", default="http://127.0.0.1:19530")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--rows", type=int, default=None)
    p.add_argument("--queries", type=int, default=None)
    p.add_argument("--rates", default="100,200")
    p.add_argument("--open-seconds", type=int, default=20)
    p.add_argument("--output", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    p.add_argument("--peak-rss", action="store_true")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.peak_rss:
        args.rows = args.rows or 1_000_000
        args.queries = args.queries or 1_000_000
        return peak_rss(args)
    args.rows = args.rows or 100_000
    args.queries = args.queries or 2000
    if args.worker:
        print(json.dumps(pymilvus_worker(args.uri, args.rows, args.queries)))
        return
    args.rates = [int(r) for r in args.rates.split(",")]
    if len(args.rates) != 2:
        sys.exit("--rates takes two rates, e.g. 100,200")
    started = time.time()
    ours, grpc, py = [], [], []
    for r in range(args.rounds):
        order = [("milvus-scenario", lambda a: ours_round(a), ours), ("pymilvus", pymilvus_round, py),
                 ("milvus-scenario (grpc-swift transport)", lambda a: ours_round(a, "grpc"), grpc)]
        for name, fn, into in (order if r % 2 == 0 else order[::-1]):
            t = time.time()
            into.append(fn(args))
            print(f"round {r + 1}/{args.rounds}: {name} done in {time.time() - t:.0f} s", file=sys.stderr, flush=True)
    write_results(args, ours, grpc, py, started)


if __name__ == "__main__":
    main()
