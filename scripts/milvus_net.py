"""Network isolation for the local cluster: a process in its own network namespace, joined to
the host by a veth pair, so that `ip link set … down` cuts it off for real (a partition) while
every other component keeps running on the host.

Layout (only when `cluster up --isolate NAME` asks for it):

  host                                            namespace mlocal-NAME
  lo: 127.0.0.1, CLUSTER_ADDRESS 10.231.255.1     lo
  mlh-NAME 10.231.J.1/30  <--- veth --->          mln-NAME 10.231.J.2/30, default via 10.231.J.1
  blackhole 10.231.0.0/16 (while a link is down, traffic for the cut node is dropped here
  instead of leaving by the default route); net.ipv4.ip_forward 1 (isolated processes reach
  each other through the host), restored by `down`

etcd and the broker then listen on CLUSTER_ADDRESS too and every component is configured to
reach them there (127.0.0.1 inside a namespace is the namespace's own loopback) — or, when etcd or
the broker is isolated itself, on its namespace address (10.231.J.2), with its host port
forwarded like a Milvus process's. Milvus
components find each other through etcd by the address each registers (its first non-loopback
IPv4 address: 10.231.J.2 inside a namespace, the host's own address outside), so they talk to
the isolated node directly over the veth. What the host reaches on 127.0.0.1 — the isolated
process's metrics port (/healthz), and for the proxy its gRPC port — goes through a small TCP
forwarder (`milvus-local forward`), which fails like the link does: a cut node's /healthz stops
answering on the host.

There is no netem here (see ../shared/notes/milvus-versions-and-signals.md): a partition is a cut
link, not delay or loss.
"""
import asyncio
import subprocess

CLUSTER_ADDRESS = "10.231.255.1"
SUBNET = "10.231.0.0/16"
NS_PREFIX = "mlocal-"


def ip(*args, check=True):
    r = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {r.stderr.strip() or r.returncode}")
    return r


def names(name, index):
    """Namespace, host-side and namespace-side interface names (at most 15 characters) and
    addresses for the index-th isolated process (1-based)."""
    short = name[:10]
    return {"ns": NS_PREFIX + name, "host_if": f"mlh-{short}", "ns_if": f"mln-{short}",
            "host_ip": f"10.231.{index}.1", "ns_ip": f"10.231.{index}.2"}


FORWARD = "/proc/sys/net/ipv4/ip_forward"


def setup_host():
    """The cluster address on the host's loopback, the blackhole for the isolated subnet, and IP
    forwarding (two isolated processes talk through the host). Returns ip_forward's old value."""
    with open(FORWARD) as f:
        before = f.read().strip()
    if before != "1":
        with open(FORWARD, "w") as f:
            f.write("1")
    if CLUSTER_ADDRESS not in ip("-4", "addr", "show", "dev", "lo").stdout:
        ip("addr", "add", f"{CLUSTER_ADDRESS}/32", "dev", "lo")
    if "blackhole " + SUBNET not in ip("route", "show", "type", "blackhole").stdout:
        ip("route", "add", "blackhole", SUBNET)
    return before


def setup(name, index):
    """Creates the namespace and its veth link for one process; returns its names."""
    n = names(name, index)
    teardown_one(n["ns"], n["host_if"])
    ip("netns", "add", n["ns"])
    ip("link", "add", n["host_if"], "type", "veth", "peer", "name", n["ns_if"])
    ip("link", "set", n["ns_if"], "netns", n["ns"])
    ip("addr", "add", n["host_ip"] + "/30", "dev", n["host_if"])
    ip("link", "set", n["host_if"], "up")
    ip("-n", n["ns"], "link", "set", "lo", "up")
    ip("-n", n["ns"], "addr", "add", n["ns_ip"] + "/30", "dev", n["ns_if"])
    ip("-n", n["ns"], "link", "set", n["ns_if"], "up")
    ip("-n", n["ns"], "route", "add", "default", "via", n["host_ip"])
    return n


def set_link(n, up):
    ip("link", "set", n["host_if"], "up" if up else "down")


def link_is_up(n):
    out = ip("link", "show", n["host_if"], check=False).stdout
    return "state UP" in out or ",UP" in out.split(">")[0]


def teardown_one(ns, host_if):
    ip("netns", "del", ns, check=False)  # takes the veth pair with it
    ip("link", "del", host_if, check=False)


def teardown_all(ip_forward=None):
    """Every namespace and link this script made, the cluster address and the blackhole (and
    ip_forward back to its old value when known): also after a crashed run whose state file is gone."""
    for line in ip("netns", "list", check=False).stdout.splitlines():
        ns = line.split()[0] if line.strip() else ""
        if ns.startswith(NS_PREFIX):
            ip("netns", "del", ns, check=False)
    for line in ip("-o", "link", "show", check=False).stdout.splitlines():
        parts = line.split(":")
        if len(parts) > 1:
            dev = parts[1].strip().split("@")[0]
            if dev.startswith("mlh-"):
                ip("link", "del", dev, check=False)
    ip("route", "del", "blackhole", SUBNET, check=False)
    ip("addr", "del", f"{CLUSTER_ADDRESS}/32", "dev", "lo", check=False)
    if ip_forward in ("0", "1"):
        with open(FORWARD, "w") as f:
            f.write(ip_forward)


def wrap(argv, ns):
    """The command line that runs argv inside the namespace (`ip netns exec` execs, so the pid
    stays the process's own)."""
    return ["ip", "netns", "exec", ns, *argv] if ns else argv


# ---------------------------------------------------------------- the forwarder

async def _pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def forward(specs, connect_timeout=3.0):
    """Runs until killed: for each "LISTEN_HOST:LISTEN_PORT=TARGET_HOST:TARGET_PORT", accepts on
    the first and pipes each connection to the second. A target that cannot be reached within
    connect_timeout (a cut link) closes the client's connection."""
    async def main():
        servers = []
        for spec in specs:
            listen, target = spec.split("=")
            lhost, lport = listen.rsplit(":", 1)
            thost, tport = target.rsplit(":", 1)

            async def handle(reader, writer, thost=thost, tport=int(tport)):
                try:
                    up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(thost, tport), connect_timeout)
                except (OSError, asyncio.TimeoutError):
                    writer.close()
                    return
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

            servers.append(await asyncio.start_server(handle, lhost, int(lport), reuse_address=True))
        await asyncio.gather(*(s.serve_forever() for s in servers))
    asyncio.run(main())
