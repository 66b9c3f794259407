#!/usr/bin/env python3
"""The chaos matrix: every fault kind on every component of the local cluster, measured the same
way (scenarios/chaos.yaml), one table at the end.

  scripts/chaos                        # the whole matrix (19 cases, ~29 minutes), reports/chaos/<UTC time>/
  scripts/chaos --cases kill-querynode2,freeze-proxy,partition-querynode2
  scripts/chaos --list                 # the cases
  scripts/chaos --out DIR              # where to write (default reports/chaos/<UTC time>)
  scripts/chaos --table DIR            # only rebuild DIR/chaos.md (+ .csv, .json): milvus-scenario report --matrix DIR

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

This script only starts servers, injects faults (through the scenario) and undoes them; it
writes each case's `case.json` (fault, exit status, seconds, whether the cluster was whole
afterwards) beside the run's report folder. The table is made by `milvus-scenario report
--matrix DIR` from those and the run records: there is one reader of run.json, and it checks
the record's format version.

Exit status: 0 when every case ran (whatever it found), 1 when a case could not run at all.
"""
import argparse
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
    # A process just thawed or started again may take a moment to answer: up to 10 s.
    deadline = time.time() + 10
    while True:
        r = subprocess.run([LOCAL, "cluster", "status"], cwd=ROOT, capture_output=True, text=True)
        if r.returncode == 0 and "no answer" not in r.stdout:
            break
        if time.time() > deadline:
            return False
        time.sleep(1)
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


def write_case(out, case, fault, status, took, survived, restarted, started):
    """What only this script knows about the case, beside its run's report folder; the table is
    made from these and the run records by `milvus-scenario report --matrix`."""
    folder = os.path.join(out, case)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump({"case": case, "fault": fault, "exit": status, "seconds": round(took), "clusterSurvived": survived,
                   "restartedBefore": restarted, "startedAt": started}, f, indent=1)
        f.write("\n")


def table(out, quiet=False):
    """chaos.md, .csv and .json from the case folders (milvus-scenario reads the run records);
    returns its output lines (one per case, then what it wrote)."""
    r = subprocess.run([BINARY, "report", "--matrix", out], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"milvus-scenario report --matrix {out} failed ({r.returncode}): {r.stderr.strip()}")
    if not quiet:
        print(r.stdout, end="")
    return r.stdout.splitlines()


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
        if not os.access(BINARY, os.X_OK):
            p.error(f"{BINARY} is missing: swift build -c release")
        os.execv(BINARY, [BINARY, "report", "--matrix", a.table])
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
    no_record, started, cluster, whole = [], time.time(), False, False
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
            started_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
            status, took = run_case(case, fault, undo, out, standalone)
            if standalone:
                survived = local("standalone", "status", check=False, quiet=True) == 0
                if not standalone_was_up:
                    local("standalone", "down", check=False)
            else:
                # Undo again whatever the scenario did (every undo is idempotent: `start` of a
                # running process, `thaw` of a running one and `heal` of a whole link do nothing):
                # a run that stopped early, or whose undo failed, leaves the fault in place.
                local(*undo.split(), check=False, quiet=True)
                checked = time.time()
                survived = whole = cluster_whole()
                log(f"{case}: cluster whole afterwards: {'yes' if survived else 'NO'} (checked in {time.time() - checked:.1f} s)")
                if not survived:
                    keep_log_tails(os.path.join(out, f"{case}-logs"))
            write_case(out, case, fault, status, took, survived, restarted, started_at)
            if not os.path.exists(os.path.join(out, case, "run.json")):
                no_record.append(case)
            log(next((line for line in table(out, quiet=True) if line.startswith(f"{case}:")), f"{case}: exit {status}"))
    finally:
        if cluster:
            local("cluster", "down", check=False)
        if not standalone_was_up:
            local("standalone", "down", check=False, quiet=True)
    lines = table(out, quiet=True)
    with open(os.path.join(out, "chaos.md")) as f:
        print(f.read(), end="")
    log(f"{len(lines) - 1} case(s) in {(time.time() - started) / 60:.1f} minutes; table {os.path.join(out, 'chaos.md')}")
    return 1 if no_record else 0

if __name__ == "__main__":
    sys.exit(main())
