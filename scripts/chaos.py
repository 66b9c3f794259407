#!/usr/bin/env python3
"""The chaos matrix: every fault kind on every component of the local cluster, measured the same
way (scenarios/chaos.yaml), one table at the end.

  scripts/chaos                        # the whole matrix (19 cases, ~29 minutes), reports/chaos/<UTC time>/
  scripts/chaos --cases kill-querynode2,freeze-proxy,partition-querynode2
  scripts/chaos --list                 # the cases
  scripts/chaos --out DIR              # where to write (default reports/chaos/<UTC time>)
  scripts/chaos --table DIR            # only rebuild DIR/chaos.md (+ .csv, .json) from its case folders

The cluster runs 3 query nodes with 2 replicas loaded; every process a chosen case partitions
(a query node, the proxy, the data node, the coordinators `mixture`, etcd, the broker) runs in its
own network namespace, so it can be cut off (`partition`) while the rest keeps running
(scripts/milvus_net.py). Each case holds its fault 20 s (from 10 s to 30 s of a 50 s watch with
20 searches/s and 5 inserts/s of 20 rows in the background), then undoes it.
Before each case the cluster must be whole (every process up, every /healthz OK, a real search;
checked once after each case): a case after which it is not is a finding ("cluster survived: no")
and the cluster is started afresh for the next case. `kill-standalone` runs on the standalone server instead. Everything it started is
stopped at the end (a standalone server that ran before is left running), also after a failure or Ctrl-C (`milvus-local … down` undoes every fault:
it thaws frozen processes and removes the namespaces).

Exit status: 0 when every case ran (whatever it found), 1 when a case could not run at all.
"""
import argparse
import csv
import datetime
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LOCAL = os.path.join(ROOT, "scripts", "milvus-local")
BINARY = os.environ.get("MILVUS_SCENARIO", os.path.join(ROOT, ".build", "release", "milvus-scenario"))

# (case, fault, undo): arguments of scripts/milvus-local.
TARGETS = [("querynode2", "querynode 2"), ("proxy", "proxy"), ("datanode", "datanode"),
           ("mixture", "mixture"), ("etcd", "etcd"), ("broker", "broker")]
UNDO = {"kill": "start", "freeze": "thaw", "partition": "heal"}
CASES = []
for kind in ("kill", "freeze", "partition"):
    for name, process in TARGETS:
        CASES.append((f"{kind}-{name}", f"cluster {kind} {process}", f"cluster {UNDO[kind]} {process}"))
CASES.append(("kill-standalone", "standalone kill", "standalone up"))
NOT_BUILT = []


def isolated(cases):
    """The processes the chosen cases partition: each runs in its own network namespace."""
    return sorted({c[len("partition-"):] for c in cases if c.startswith("partition-")})


def log(msg):
    print(f"[chaos] {msg}", flush=True)


def local(*args, check=True, quiet=False):
    r = subprocess.run([LOCAL, *args], cwd=ROOT, capture_output=quiet, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"scripts/milvus-local {' '.join(args)} failed ({r.returncode})")
    return r.returncode


def cluster_whole():
    """Every process up, every /healthz OK (`status` exits 0 only then) and a real search
    served within 60 s (`milvus-local serving`)."""
    r = subprocess.run([LOCAL, "cluster", "status"], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0 or "no answer" in r.stdout:
        return False
    return local("serving", "cluster", "--timeout", "60", check=False, quiet=True) == 0


def keep_log_tails(folder, lines=300):
    """The last lines of every cluster log, before a fresh start replaces them: what a case that
    left the cluster broken did to it."""
    logs = os.path.join(ROOT, ".local", "milvus", "cluster", "logs")  # scripts/milvus_local.py's state_dir
    if not os.path.isdir(logs):
        return
    os.makedirs(folder, exist_ok=True)
    for name in sorted(os.listdir(logs)):
        path = os.path.join(logs, name)
        if not name.endswith(".log") or not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            tail = f.readlines()[-lines:]
        with open(os.path.join(folder, name), "wb") as f:
            f.writelines(tail)


def cluster_up(isolate, fresh=False):
    if fresh:
        local("cluster", "down", check=False)
    local("cluster", "up", "--querynodes", "3", *sum((["--isolate", n] for n in isolate), []))


TIMING = {"watch_duration": "50s", "fault_at": "10s", "undo_at": "30s", "write_rate": "5/s"}


def run_case(case, fault, undo, out, standalone):
    folder = os.path.join(out, case)
    env = dict(os.environ)
    env.pop("MILVUS_URI", None)
    env.pop("MILVUS_METRICS", None)
    args = [BINARY, "run", "scenarios/chaos.yaml", "--report-dir", folder,
            "--var", f"fault={fault}", "--var", f"undo={undo}", *sum((["--var", f"{k}={v}"] for k, v in TIMING.items()), [])]
    if standalone:
        args += ["--var", "replicas=1", "--uri", "http://127.0.0.1:19530"]
        env["MILVUS_METRICS"] = "http://127.0.0.1:9091"
    log(f"{case}: {fault} at {TIMING['fault_at']}, {undo} at {TIMING['undo_at']} of a {TIMING['watch_duration']} watch")
    started = time.time()
    with open(os.path.join(out, f"{case}.log"), "w") as f:
        status = subprocess.run(args, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT).returncode
    return status, time.time() - started


def undone(folder, undo):
    """The scenario ran its undo command and it exited 0."""
    try:
        with open(os.path.join(folder, "run.json")) as f:
            watch = first_watch(json.load(f))
    except (OSError, ValueError):
        return False
    actions = (watch or {}).get("watch", {}).get("actions", [])
    return any(a.get("name") == undo and a.get("exitCode") == 0 and not a.get("dryRun") for a in actions)


def first_watch(record):
    for s in record.get("steps", []):
        if s.get("kind") == "watch" and s.get("watch"):
            return s
    return None


def monitor(record, step_id):
    s = next((s for s in record.get("steps", []) if s.get("id") == step_id and s.get("kind") == "monitor"), None)
    if not s or s.get("status") != "ok" or not s.get("monitor"):
        return None
    nodes = s["monitor"].get("nodes", [])
    return {"nodes": {n["name"]: n.get("segments", 0) for n in nodes}, "rows": s["metrics"].get("rows.total"),
            "replicas": s["metrics"].get("replicas")}


def seconds(ms):
    return None if ms is None else round(ms / 1000, 1)


def measure(case, fault, folder, status, took, survived, restarted):
    row = {"case": case, "fault": fault, "exit": status, "seconds": round(took), "clusterSurvived": survived,
           "restartedBefore": restarted}
    path = os.path.join(folder, "run.json")
    if not os.path.exists(path):
        row["finding"] = "no run record"
        return row
    with open(path) as f:
        record = json.load(f)
    watch = first_watch(record)
    if not watch:
        failure = record.get("failure") or {}
        row["finding"] = f"the run stopped before the watch: {failure.get('stepId', '?')}: " \
                         f"{failure.get('rpc', '')} {failure.get('reason', '')[:160]}"
        return row
    w = watch["watch"]
    rec = w.get("recovery") or {}
    fault_at = rec.get("faultAtMs")

    def since(key):
        return None if fault_at is None or rec.get(key) is None else seconds(rec[key] - fault_at)

    recovered = rec.get("recoveredAtMs") or (w.get("durationMs"))
    during = [c.get("backgroundP99Ms") for c in w.get("checks", [])
              if fault_at is not None and fault_at <= c["atMs"] <= (recovered or 0) and c.get("backgroundP99Ms") is not None]
    alerts = w.get("alerts", [])
    before, after = monitor(record, "before"), monitor(record, "after")
    after_fault = [c for c in w.get("checks", []) if fault_at is not None and c["atMs"] >= fault_at]
    live_lost = any(c.get("live") is False for c in after_fault)
    row.update({
        "detect": since("detectedAtMs"),
        "live": since("liveAtMs") if live_lost else "never lost",
        "serving": "never lost" if rec and not rec.get("servingLost") else since("servingAtMs"),
        "successBefore": rec.get("successBefore"), "successDuring": rec.get("successDuring"),
        "successAfter": rec.get("successAfter"),
        "p99DuringMs": round(max(during), 1) if during else None,
        "rowsBefore": w.get("rowsBefore"), "rowsAfter": w.get("rowsAfter"),
        "rowCount": (w.get("rowCount") or {}).get("outcome"),
        "rowCounts": sorted({t["count"] for t in (w.get("rowCount") or {}).get("tries", []) if t.get("count") is not None}),
        "writeBefore": rec.get("writeSuccessBefore"), "writeDuring": rec.get("writeSuccessDuring"),
        "writeAfter": rec.get("writeSuccessAfter"),
        "rowsWritten": (w.get("writes") or {}).get("rows"), "rowsWrittenDuring": rec.get("rowsWrittenDuring"),
        "alertsFired": len(alerts), "alertsResolved": sum(1 for a in alerts if a.get("resolvedAtMs") is not None),
        "actionsFailed": sum(1 for a in w.get("actions", []) if not a.get("dryRun") and a.get("exitCode") != 0),
        "segmentsBefore": before["nodes"] if before else None, "segmentsAfter": after["nodes"] if after else None,
        "replicaRowsBefore": before["rows"] if before else None, "replicaRowsAfter": after["rows"] if after else None,
        "thresholdsFailed": [t["expression"] for t in record.get("thresholds", []) if t.get("passed") is False],
    })
    if rec.get("detectedAtMs") is None:
        row["finding"] = "not detected"
    failure = record.get("failure")
    if failure:  # a step after the watch failed (the monitor, the drop)
        row["failedAfter"] = f"then {failure.get('stepId', '?')} failed: {failure.get('rpc', '')} {failure.get('reason', '')[:120]}".strip()
    return row


def fmt(v, unit=""):
    if v is None:
        return "—"
    if isinstance(v, float):
        v = f"{v:g}"
    return f"{v}{unit}"


def segments(d):
    if not d:
        return "—"
    return " ".join(f"{k.replace('querynode', 'qn')}:{v}" for k, v in sorted(d.items()))


def verdict(r):
    if r.get("finding") and r["finding"].startswith(("no run record", "the run stopped")):
        return r["finding"]
    notes = []
    if r.get("finding") == "not detected":
        notes.append("not detected: every /healthz and search stayed fine")
    elif r.get("finding"):
        notes.append(r["finding"])
    if r.get("clusterSurvived") is False:
        notes.append("the cluster did not come back whole (restarted for the next case)")
    if r.get("successAfter") is not None and r["successAfter"] < 99:
        notes.append(f"searches after recovery {r['successAfter']:.0f} %")
    if r.get("detect") is not None and r.get("serving") is None:
        notes.append("not serving again within the watch")
    if r.get("detect") is not None and r.get("live") is None:
        notes.append("not live again within the watch")
    if r.get("rowsBefore") is not None and r.get("rowsAfter") is None and r.get("rowCount"):
        expected = r["rowsBefore"] + (r.get("rowsWritten") or 0)
        counts = r.get("rowCounts") or []
        seen = (f"count(*) answered {counts[0]}" + (f"–{counts[-1]}" if len(counts) > 1 else "")) if counts else "no count succeeded"
        notes.append(f"rows after unverified ({r['rowCount']}): {seen} of {expected} expected until the recount ran out"
                     + (f" — {expected - counts[-1]} or more acknowledged rows not served" if counts and counts[-1] < expected else ""))
    if r.get("rowsBefore") is not None and r.get("rowsAfter") is not None:
        expected = r["rowsBefore"] + (r.get("rowsWritten") or 0)
        if r["rowsAfter"] < expected:
            notes.append(f"{expected - r['rowsAfter']} acknowledged rows missing")
        elif r.get("rowsWritten") is not None and r["rowsAfter"] > expected:
            notes.append(f"{r['rowsAfter'] - expected} rows stored although their insert failed")
    if r.get("writeAfter") is not None and r["writeAfter"] < 99:
        notes.append(f"inserts after recovery {r['writeAfter']:.0f} %")
    if r.get("failedAfter"):
        notes.append(r["failedAfter"])
    if r.get("actionsFailed"):
        notes.append(f"{r['actionsFailed']} fault/undo command(s) failed")
    if r.get("replicaRowsBefore") and r.get("replicaRowsAfter") is not None and r["replicaRowsAfter"] < r["replicaRowsBefore"]:
        notes.append(f"replicas hold {r['replicaRowsAfter']} of {r['replicaRowsBefore']} rows after")
    return "; ".join(notes) or "survived"


def write_table(out, rows):
    with open(os.path.join(out, "chaos.json"), "w") as f:
        json.dump({"cases": rows, "notBuilt": [{"case": c, "why": w} for c, w in NOT_BUILT]}, f, indent=1)
    cols = ["case", "detect s", "live s", "serving s", "searches ok before/during/after %", "P99 during (worst check) ms",
            "inserts ok before/during/after %", "rows written (during the fault)", "rows before → after (expected)",
            "alerts fired/resolved", "segments per node before → after", "outcome"]
    lines = ["# Chaos matrix", "",
             "Local cluster (Milvus 2.3.5: etcd, broker, coordinators, proxy, data/index node, 3 query nodes), "
             f"2 replicas of 10,000 rows, 20 background searches/s and {TIMING['write_rate']} background inserts of 20 rows "
             f"(rows written = rows the server acknowledged; expected after = before + written). Each fault starts {TIMING['fault_at']} into a "
             f"{TIMING['watch_duration']} watch (checks every 2 s) and is undone at {TIMING['undo_at']}. Times count from the fault. \"serving: never lost\" = "
             "every check's search succeeded.", "",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        success = "/".join(fmt(None if r.get(k) is None else round(r[k], 1)) for k in ("successBefore", "successDuring", "successAfter"))
        inserts = "/".join(fmt(None if r.get(k) is None else round(r[k], 1)) for k in ("writeBefore", "writeDuring", "writeAfter"))
        expected = None if r.get("rowsBefore") is None else r["rowsBefore"] + (r.get("rowsWritten") or 0)
        lines.append("| " + " | ".join([
            r["case"], fmt(r.get("detect")), fmt(r.get("live")), fmt(r.get("serving")), success,
            fmt(r.get("p99DuringMs")), inserts, f"{fmt(r.get('rowsWritten'))} ({fmt(r.get('rowsWrittenDuring'))})",
            f"{fmt(r.get('rowsBefore'))} → {fmt(r.get('rowsAfter'))} ({fmt(expected)})",
            f"{fmt(r.get('alertsFired'))}/{fmt(r.get('alertsResolved'))}",
            f"{segments(r.get('segmentsBefore'))} → {segments(r.get('segmentsAfter'))}", verdict(r)]) + " |")
    for case, why in NOT_BUILT:
        lines.append(f"| {case} |" + " |" * (len(cols) - 2) + f" not built: {why} |")
    lines += ["", "Each case's own report (report.md, run.json, junit.xml, charts) is in its folder; its console "
              "output in `<case>.log`."]
    with open(os.path.join(out, "chaos.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "chaos.csv"), "w", newline="") as f:
        keys = ["case", "fault", "exit", "seconds", "detect", "live", "serving", "successBefore", "successDuring",
                "successAfter", "p99DuringMs", "writeBefore", "writeDuring", "writeAfter", "rowsWritten", "rowsWrittenDuring",
                "rowsBefore", "rowsAfter", "rowCount", "alertsFired", "alertsResolved",
                "actionsFailed", "clusterSurvived", "restartedBefore", "outcome"]
        w = csv.writer(f)
        w.writerow(keys)
        for r in rows:
            w.writerow([verdict(r) if k == "outcome" else r.get(k) for k in keys])
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", help="comma-separated case names (default: all)")
    p.add_argument("--out", help="output folder (default reports/chaos/<UTC time>)")
    p.add_argument("--list", action="store_true")
    p.add_argument("--table", metavar="DIR", help="rebuild the table of DIR from its case folders")
    p.add_argument("--short", action="store_true",
                   help="a 40 s watch, the fault from 10 s to 25 s (the test suite's subset)")
    a = p.parse_args()
    names = [c for c, _, _ in CASES]
    if a.list:
        print("\n".join(f"{c:24} {f}  ->  {u}" for c, f, u in CASES))
        return 0
    if a.table:
        with open(os.path.join(a.table, "chaos.json")) as f:
            old = {r["case"]: r for r in json.load(f)["cases"]}
        rows = [measure(c, f, os.path.join(a.table, c), old[c]["exit"], old[c]["seconds"], old[c]["clusterSurvived"],
                        old[c]["restartedBefore"]) for c, f, _ in CASES if c in old]
        print(write_table(a.table, rows))
        return 0
    if a.short:
        TIMING.update(watch_duration="40s", fault_at="10s", undo_at="25s")
    chosen = a.cases.split(",") if a.cases else names
    unknown = [c for c in chosen if c not in names]
    if unknown:
        p.error(f"unknown case(s): {', '.join(unknown)}; --list shows them")
    if not os.access(BINARY, os.X_OK):
        p.error(f"{BINARY} is missing: `make chaos` builds it (swift build -c release)")
    out = a.out or os.path.join(ROOT, "reports", "chaos", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ"))
    os.makedirs(out, exist_ok=True)
    log(f"{len(chosen)} case(s) into {out}")
    # `whole`: the cluster passed cluster_whole() after the previous case, so the next case needs
    # no second check (each is a real create/insert/flush/index/load/search round, ~10 s).
    rows, started, cluster, whole = [], time.time(), False, False
    standalone_was_up = local("standalone", "status", check=False, quiet=True) == 0
    try:
        for case, fault, undo in [c for c in CASES if c[0] in chosen]:
            standalone = fault.startswith("standalone")
            restarted = False
            if standalone:
                if cluster:
                    local("cluster", "down")
                    cluster = whole = False
                local("standalone", "up")
            else:
                if not cluster or not (whole or cluster_whole()):
                    restarted = cluster
                    if restarted:
                        log("the cluster is not whole: starting it afresh")
                    cluster_up(isolated(chosen), fresh=restarted)
                    cluster = True
            status, took = run_case(case, fault, undo, out, standalone)
            if standalone:
                survived = local("standalone", "status", check=False, quiet=True) == 0
                if not standalone_was_up:
                    local("standalone", "down", check=False)
            else:
                # A fault the scenario could not undo (its run stopped early, or the undo failed)
                # is undone here.
                if not undone(os.path.join(out, case), undo):
                    local(*undo.split(), check=False, quiet=True)
                    time.sleep(3)
                checked = time.time()
                survived = whole = cluster_whole()
                log(f"{case}: cluster whole afterwards: {'yes' if survived else 'NO'} (checked in {time.time() - checked:.1f} s)")
                if not survived:
                    keep_log_tails(os.path.join(out, f"{case}-logs"))
            row = measure(case, fault, os.path.join(out, case), status, took, survived, restarted)
            rows.append(row)
            log(f"{case}: exit {status} in {took:.0f} s: detect {fmt(row.get('detect'))} s, live {fmt(row.get('live'))} s, "
                f"serving {fmt(row.get('serving'))}, success {fmt(row.get('successDuring'))} % during -> {verdict(row)}")
            write_table(out, rows)
    finally:
        if cluster:
            local("cluster", "down", check=False)
        if not standalone_was_up:
            local("standalone", "down", check=False, quiet=True)
    print(write_table(out, rows))
    log(f"{len(rows)} case(s) in {(time.time() - started) / 60:.1f} minutes; table {os.path.join(out, 'chaos.md')}")
    return 1 if any(r.get("finding", "").startswith(("no run record",)) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
