#!/usr/bin/env python3
"""How often `compare` cries wolf, and whether it catches a real slowdown.

usage: bench/regression_gate.py [--uri URI] [--runs 10] [--slow-nprobe 64] [--output bench/REGRESSION-GATE.md]
       bench/regression_gate.py --from-kept   (compare the runs kept in reports/bench-regression-gate again)

Run it through bench/regression-gate, which builds the release binary and starts the server.

Loads the first document's collection once (bench/scenarios/gate_setup.yaml), then runs
bench/scenarios/gate_search.yaml --runs times with nprobe 10 and --runs times with the slow
nprobe, alternating, so machine drift hits both alike. Then, with `compare`'s defaults:

* every pair of normal runs (45 for 10 runs), earlier as old: any significant regression is a
  false one; the same pairs judged on the tolerance alone (--confidence 50 %: the interval
  collapses to the point estimate) show what a gate without statistics would have said;
* every normal run against every slow run (100): the slowdown must be caught each time;
* a baseline history (`compare --baseline`): each normal run against the other normal runs,
  and each slow run against all normal ones.
"""
import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BINARY = os.path.join(ROOT, ".build-release", "release", "milvus-scenario")
SETUP = os.path.join(ROOT, "bench", "scenarios", "gate_setup.yaml")
SEARCH = os.path.join(ROOT, "bench", "scenarios", "gate_search.yaml")


def run(uri, scenario, out, env=None):
    argv = [BINARY, "run", scenario, "--report-dir", out, "--quiet", "--uri", uri]
    p = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if p.returncode != 0:
        sys.exit(f"milvus-scenario run {scenario} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return os.path.join(out, "run.json")


def compare(args):
    """Runs compare with a JUnit file; returns (exit code, {metric: verdict})."""
    fd, junit = tempfile.mkstemp(suffix=".xml")
    os.close(fd)
    p = subprocess.run([BINARY, "compare", *args, "--junit", junit], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"compare {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    verdicts = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        key = case.get("classname").removeprefix("compare.") + "." + case.get("name")
        if case.find("failure") is not None:
            verdicts[key] = "regression"
        elif case.find("skipped") is not None:
            verdicts[key] = "inconclusive"
        else:
            verdicts[key] = (case.findtext("system-out") or "").split(":")[0]
    os.unlink(junit)
    return p.returncode, verdicts


def metric(record, step, name):
    for s in record["steps"]:
        if s["id"] == step:
            return s["metrics"].get(name)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uri", default=os.environ.get("MILVUS_URI", "http://127.0.0.1:19530"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--slow-nprobe", type=int, default=64)
    ap.add_argument("--output", default=os.path.join(ROOT, "bench", "REGRESSION-GATE.md"))
    ap.add_argument("--from-kept", action="store_true", help="compare the runs a previous run kept, without running again")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench-gate-")
    started = time.time()
    kept = os.path.join(ROOT, "reports", "bench-regression-gate")
    if args.from_kept:
        normal = [os.path.join(kept, f"normal-{i}.json") for i in range(args.runs)]
        slow = [os.path.join(kept, f"slow-{i}.json") for i in range(args.runs)]
        minutes_running = json.load(open(os.path.join(kept, "minutes.json")))["minutes"]
    else:
        normal, slow = run_all(args, work, kept)
        minutes_running = (time.time() - started) / 60
        json.dump({"minutes": minutes_running}, open(os.path.join(kept, "minutes.json"), "w"))
    analyse(args, work, normal, slow, minutes_running)


def run_all(args, work, kept):
    print("loading the collection (gate_setup.yaml)", file=sys.stderr)
    started = time.time()
    run(args.uri, SETUP, os.path.join(work, "setup"))
    # One discarded run first: the server's caches and the client's connection pool warm up
    # like they do before any CI run that follows another.
    print("one discarded run", file=sys.stderr)
    run(args.uri, SEARCH, os.path.join(work, "discarded"))
    normal, slow = [], []
    for i in range(args.runs):
        for kind, nprobe, into in (("normal", 10, normal), ("slow", args.slow_nprobe, slow)):
            print(f"run {i + 1}/{args.runs}: {kind} (nprobe {nprobe})", file=sys.stderr)
            into.append(run(args.uri, SEARCH, os.path.join(work, f"{kind}-{i}"), {"NPROBE": str(nprobe)}))
    # Keep the runs for a closer look, or for --from-kept (reports/ is not committed).
    shutil.rmtree(kept, ignore_errors=True)
    os.makedirs(kept, exist_ok=True)
    out = []
    for p in normal + slow:
        dest = os.path.join(kept, os.path.basename(os.path.dirname(p)) + ".json")
        shutil.copy(p, dest)
        out.append(dest)
    return out[:len(normal)], out[len(normal):]


def analyse(args, work, normal, slow, minutes):
    records = {p: json.load(open(p, encoding="utf-8")) for p in normal + slow}

    def pairs(olds, news, *extra):
        flagged, per_metric, inconclusive = 0, collections.Counter(), collections.Counter()
        total = 0
        for o in olds:
            for n in news:
                if o == n or (olds is news and normal.index(o) > normal.index(n)):
                    continue
                code, verdicts = compare([o, n, *extra])
                total += 1
                flagged += code == 1
                for k, v in verdicts.items():
                    if v == "regression":
                        per_metric[k] += 1
                    elif v == "inconclusive":
                        inconclusive[k] += 1
        return total, flagged, per_metric, inconclusive

    print("comparing", file=sys.stderr)
    fp = pairs(normal, normal)
    fp_alone = pairs(normal, normal, "--confidence", "50%", "--run-noise", "0%")
    caught = pairs(normal, slow)
    sweep = []
    for noise in ("0%", "10%", "20%", "30%", "40%", "60%"):
        sweep.append((noise, pairs(normal, normal, "--run-noise", noise), pairs(normal, slow, "--run-noise", noise)))
    # Baseline histories.
    hist_fp, hist_fp_metrics, hist_caught, hist_caught_metrics = 0, collections.Counter(), 0, collections.Counter()
    for k, n in enumerate(normal):
        folder = os.path.join(work, f"baseline-{k}")
        for other in normal:
            if other != n:
                subprocess.run([BINARY, "baseline", "add", other, folder, "--keep", "100"], check=True, capture_output=True)
        code, verdicts = compare(["--baseline", folder, n])
        hist_fp += code == 1
        hist_fp_metrics.update(k for k, v in verdicts.items() if v == "regression")
    folder = os.path.join(work, "baseline-all")
    for other in normal:
        subprocess.run([BINARY, "baseline", "add", other, folder, "--keep", "100"], check=True, capture_output=True)
    for s in slow:
        code, verdicts = compare(["--baseline", folder, s])
        hist_caught += code == 1
        hist_caught_metrics.update(k for k, v in verdicts.items() if v == "regression")

    def spread(paths, step, name):
        values = [metric(records[p], step, name) for p in paths]
        values = [v for v in values if v is not None]
        return f"{statistics.median(values):.1f} ({min(values):.1f} – {max(values):.1f})"

    def counts(c):
        return ", ".join(f"{k} ×{v}" for k, v in c.most_common()) or "—"

    target = records[normal[0]]["target"]
    out = []
    out.append("# The regression gate: false alarms and a real slowdown\n")
    out.append(f"Produced by `bench/regression-gate` on {time.strftime('%Y-%m-%d')}, on this project's machine kind (2 cores shared with the server, 24 GiB), "
               f"against the local Milvus {target.get('serverVersion') or '?'} standalone, in {minutes:.0f} minutes. "
               f"The collection: 100,000 × 128-d rows, IVF_FLAT nlist 128, loaded once (`bench/scenarios/gate_setup.yaml`). "
               f"Each run is `bench/scenarios/gate_search.yaml` with the release binary: 15 s of searches at concurrency 10 and 8 s serially (topK 10, after 2 s of warm-up), "
               f"and 20,000 rows inserted in 20 requests into a scratch collection. After one discarded run, {args.runs} runs with nprobe 10 and {args.runs} with nprobe {args.slow_nprobe} (the real slowdown), alternating. "
               f"Every comparison uses `compare`'s defaults unless it says otherwise: QPS, P50/P95/P99, error rate and rows/s of every step gated, tolerance 10 %, one-sided 95 %, and between two single runs a run-to-run allowance of 30 % (`--run-noise`).\n")
    out.append("## The runs\n")
    out.append("| | c10 QPS | c10 P99 (ms) | serial QPS | serial P99 (ms) | writes rows/s |\n|---|---|---|---|---|---|")
    for label, paths in ((f"nprobe 10 (×{args.runs})", normal), (f"nprobe {args.slow_nprobe} (×{args.runs})", slow)):
        out.append(f"| {label} | {spread(paths, 'c10', 'qps')} | {spread(paths, 'c10', 'p99')} | {spread(paths, 'serial', 'qps')} | {spread(paths, 'serial', 'p99')} | {spread(paths, 'writes', 'rowsPerSecond')} |")
    out.append("\nMedian (min – max) over the runs. In the order they ran:\n")
    out.append("| run | nprobe | c10 QPS | c10 P50 (ms) | c10 P99 (ms) | serial QPS | serial P50 (ms) | writes rows/s |\n|---|---|---|---|---|---|---|---|")
    for i in range(args.runs):
        for p, nprobe in ((normal[i], 10), (slow[i], args.slow_nprobe)):
            r = records[p]
            cells = [metric(r, "c10", "qps"), metric(r, "c10", "p50"), metric(r, "c10", "p99"), metric(r, "serial", "qps"), metric(r, "serial", "p50"), metric(r, "writes", "rowsPerSecond")]
            out.append(f"| {i + 1} | {nprobe} | " + " | ".join(f"{c:.1f}" if c is not None else "—" for c in cells) + " |")
    out.append("")
    out.append("## False regressions: identical runs\n")
    out.append("| comparison | comparisons | flagged (exit 1) | metrics flagged | inconclusive (not failing) |\n|---|---|---|---|---|")
    out.append(f"| pairs of nprobe-10 runs, defaults | {fp[0]} | **{fp[1]}** | {counts(fp[2])} | {counts(fp[3])} |")
    out.append(f"| the same pairs on the tolerance alone, no statistics (`--confidence 50% --run-noise 0%`) | {fp_alone[0]} | {fp_alone[1]} | {counts(fp_alone[2])} | — |")
    out.append(f"| each nprobe-10 run against the other {args.runs - 1} (`--baseline`) | {args.runs} | **{hist_fp}** | {counts(hist_fp_metrics)} | |")
    out.append("\n## The real slowdown: nprobe 10 → " + str(args.slow_nprobe) + "\n")
    out.append("| comparison | comparisons | caught (exit 1) | metrics flagged |\n|---|---|---|---|")
    out.append(f"| every nprobe-10 run as old, every nprobe-{args.slow_nprobe} run as new | {caught[0]} | **{caught[1]}** | {counts(caught[2])} |")
    out.append(f"| each nprobe-{args.slow_nprobe} run against all {args.runs} nprobe-10 runs (`--baseline`) | {args.runs} | **{hist_caught}** | {counts(hist_caught_metrics)} |")
    out.append("\n## Pairs: the run-to-run allowance against false alarms and caught slowdowns\n")
    out.append("| `--run-noise` | false regressions (of " + str(fp[0]) + " identical pairs) | metrics flagged falsely | slowdowns caught (of " + str(caught[0]) + ") |\n|---|---|---|---|")
    for noise, f, c in sweep:
        out.append(f"| {noise} | {f[1]} | {counts(f[2])} | {c[1]} |")
    out.append("")
    marker = "<!-- notes: kept when the tables above are regenerated -->"
    notes = ""
    if os.path.exists(args.output):
        text = open(args.output, encoding="utf-8").read()
        if marker in text:
            notes = text[text.index(marker):]
    with open(args.output, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n" + (notes or marker + "\n"))
    print(f"wrote {args.output}", file=sys.stderr)
    print("\n".join(out))
    shutil.rmtree(work, ignore_errors=True)
    ok = fp[1] == 0 and hist_fp == 0 and caught[1] == caught[0] and hist_caught == args.runs
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
