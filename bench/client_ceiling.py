#!/usr/bin/env python3
"""The runner's ceiling: searches per second per client core, against a server that costs nothing.

usage: bench/client_ceiling.py [--rounds 3] [--seconds 10] [--steps-seconds 6] [--output bench/CEILING.md]

Starts bench/InstantMilvus (instant-milvus: answers every Milvus call at once with a canned
reply, one event-loop thread) on loopback and runs bench/RunnerCeiling (the runner's own
load engine (LoadDriver, Sources/LoadEngine) on one MilvusClient) against it: closed loop at concurrency 1, 10 and 50,
open loop at 1,000, 2,000, 5,000 and 10,000 searches/s. Each cell is the median of the rounds
(they alternate). A second table takes this release's savings away one at a time (runner-ceiling
--transport grpc / --per-call-encoding / --no-pinning), closed loop at concurrency 1, 10 and 50,
so what each change bought is measured side by side in the same run. Client CPU is the runner process's user+system time around the measured phase
(getrusage); the server's CPU is read from /proc for the same phase, because on this machine
both share 2 cores. Writes a Markdown table. Run it through bench/client-ceiling (builds first).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.join(ROOT, ".build-release", "release")
PORT = 19999
TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def run(args, server_pid):
    before = process_cpu(server_pid)
    out = subprocess.run([os.path.join(BIN, "runner-ceiling"), "--uri", f"http://127.0.0.1:{PORT}"] + args,
                         check=True, capture_output=True, text=True, timeout=600).stdout
    result = json.loads(out.strip().splitlines()[-1])
    # The server's CPU over the whole process run (2 s warm-up included), scaled to the phase.
    result["server_cpu_s"] = (process_cpu(server_pid) - before) * result["wall_s"] / (result["wall_s"] + 2.0)
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--steps-seconds", type=float, default=6)
    p.add_argument("--output", default=os.path.join(ROOT, "bench", "CEILING.md"))
    a = p.parse_args()
    cells = [("closed", ["--concurrency", str(c)], c) for c in (1, 10, 50)] + \
            [("open", ["--rate", str(r), "--in-flight", "256"], r) for r in (1000, 2000, 5000, 10000)]
    steps = [("grpc-swift 2, each request encoded when sent (before)", ["--transport", "grpc", "--per-call-encoding", "--no-pinning"]),
             ("own HTTP/2 connections on the event loop", ["--per-call-encoding", "--no-pinning"]),
             ("+ requests encoded once before the load", ["--no-pinning"]),
             ("+ workers on their connection's thread (the default)", [])]
    step_cells = [(si, c) for si in range(len(steps)) for c in (1, 10, 50)]
    server = subprocess.Popen([os.path.join(BIN, "instant-milvus"), "--port", str(PORT)], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("listening"):
            sys.exit(f"instant-milvus did not start: {line!r}")
        results = {i: [] for i in range(len(cells))}
        step_results = {}
        for r in range(a.rounds):
            for i, (mode, args, value) in enumerate(cells):
                res = run(args + ["--seconds", str(a.seconds)], server.pid)
                results[i].append(res)
                print(f"round {r + 1}: {mode} {value}: {res['qps']:.0f}/s, {res['searches_per_cpu_s']:.0f} per client CPU-s, "
                      f"P99 {res['p99_ms']:.2f} ms, late {res['late']}, dropped {res['dropped']}", file=sys.stderr)
            order = step_cells if r % 2 == 0 else step_cells[::-1]
            for si, c in order:
                res = run(steps[si][1] + ["--concurrency", str(c), "--seconds", str(a.steps_seconds)], server.pid)
                step_results.setdefault((si, c), []).append(res)
                print(f"round {r + 1}: {steps[si][0]}, c={c}: {res['searches_per_cpu_s']:.0f} per client CPU-s", file=sys.stderr)
    finally:
        server.terminate()
        server.wait()

    def med(i, key):
        return statistics.median(x[key] for x in results[i])

    lines = [
        "# The runner's ceiling: searches per client core",
        "",
        f"Produced by `bench/client-ceiling --rounds {a.rounds} --seconds {a.seconds:g}` on {time.strftime('%Y-%m-%d')}, on this "
        "project's machine kind (2 cores, shared by the client and the server). The server is "
        "`bench/InstantMilvus`: it answers every call at once with a canned reply (Search: one query, "
        "10 hits with ids and scores), on one event-loop thread, no Milvus. The client is "
        "`bench/RunnerCeiling`: the runner's own load engine (`LoadDriver` in `Sources/LoadEngine`, the closed and open loops "
        "every search step uses, with its histogram and counters) on one `MilvusClient`, release build, "
        "128-d query vectors, after a 2 s warm-up, with Swift's global executor on NIO's event loops as in "
        "`milvus-scenario`. Each cell is the median of the rounds, which alternate.",
        "",
        "| load | searches/s | client CPU per search (ms) | searches per client core-second | server CPU per search (ms) | P50 (ms) | P99 (ms) | late | dropped |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, (mode, args, value) in enumerate(cells):
        qps = med(i, "qps")
        cpu_per = statistics.median(x["cpu_s"] / max(1, x["searches"]) * 1000 for x in results[i])
        server_per = statistics.median(x["server_cpu_s"] / max(1, x["searches"]) * 1000 for x in results[i])
        label = f"closed, concurrency {value}" if mode == "closed" else f"open, {value:,}/s"
        if mode == "open":
            label += f" (achieved {qps / value * 100 - 100:+.2f} %)"
        lines.append(f"| {label} | {qps:,.0f} | {cpu_per:.3f} | {med(i, 'searches_per_cpu_s'):,.0f} | {server_per:.3f} | "
                     f"{med(i, 'p50_ms'):.2f} | {med(i, 'p99_ms'):.2f} | {med(i, 'late'):,.0f} | {med(i, 'dropped'):,.0f} |")
    lines.append("")
    lines.append("Open loop: P50/P99 are measured from each search's due time, so waiting for a slot counts; "
                 "`late` = started more than 1 ms after its due time, `dropped` = never started within the phase. "
                 "Against this server the latency is the client's own overhead plus loopback.")
    lines += ["", "## What each change bought", "",
              f"Closed loop, {a.steps_seconds:g} s per cell, same server and run; each row adds one change to the row above. "
              "Searches per client core-second (client CPU per search in ms).", "",
              "| transport and engine | concurrency 1 | concurrency 10 | concurrency 50 |", "|---|---:|---:|---:|"]
    for si, (name, _) in enumerate(steps):
        row = []
        for c in (1, 10, 50):
            rs = step_results[(si, c)]
            per_s = statistics.median(x["searches_per_cpu_s"] for x in rs)
            row.append(f"{per_s:,.0f} ({1000 / per_s:.3f})")
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    notes_marker = "<!-- notes: kept when the table above is regenerated -->"
    kept = ""
    if os.path.exists(a.output):
        old = open(a.output, encoding="utf-8").read()
        if notes_marker in old:
            kept = old[old.index(notes_marker):]
    with open(a.output, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n\n" + (kept or notes_marker + "\n"))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
