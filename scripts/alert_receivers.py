#!/usr/bin/env python3
"""Real alert receivers on loopback, for tests and the health_recovery demo.

  webhook       HTTP on 127.0.0.1:9095; every POST body is kept (any path)
  smtp          aiosmtpd on 127.0.0.1:2525 with STARTTLS (self-signed CA made here) and AUTH
                required (user/password from ALERT_SMTP_USER / ALERT_SMTP_PASSWORD, defaults
                alerts / alerts-secret); every message is kept with the login that sent it
  smtps         the same with TLS from the start (implicit TLS) on 127.0.0.1:2465
  alertmanager  Debian's prometheus-alertmanager on 127.0.0.1:9093, routing every alert to the
                webhook receiver above (path /alertmanager)

  up | down | status | reset (forget what was received)
  received webhook|smtp|alertmanager   prints what arrived, as JSON
  serve                                (internal) runs the webhook and SMTP receivers in the foreground

Everything lives under .local/receivers/ (certificates, received items, logs, state.json).
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# Where state, logs and what was received live (a test points it elsewhere).
HOME = os.environ.get("ALERT_RECEIVERS_HOME") or os.path.join(ROOT, ".local", "receivers")
PORTS = {"webhook": 9095, "smtp": 2525, "smtps": 2465, "alertmanager": 9093}
STATE = os.path.join(HOME, "state.json")
SMTP_USER = os.environ.get("ALERT_SMTP_USER", "alerts")
SMTP_PASSWORD = os.environ.get("ALERT_SMTP_PASSWORD", "alerts-secret")


def log(msg):
    print(f"[alert-receivers] {msg}", flush=True)


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_port(port, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if port_open(port):
            return
        time.sleep(0.2)
    sys.exit(f"{what} did not open port {port} within {timeout} s; see {HOME}/*.log")


def append(kind, item):
    os.makedirs(HOME, exist_ok=True)
    with open(os.path.join(HOME, f"{kind}.jsonl"), "a", encoding="utf-8") as f:
        f.write(json.dumps(item, ensure_ascii=False) + "\n")


def read(kind):
    path = os.path.join(HOME, f"{kind}.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# ---------------------------------------------------------------- certificates

def ensure_certificates():
    tls = os.path.join(HOME, "tls")
    cert, key, ca = os.path.join(tls, "server.pem"), os.path.join(tls, "server.key"), os.path.join(tls, "ca.pem")
    if os.path.exists(cert) and os.path.exists(ca):
        return cert, key, ca
    os.makedirs(tls, exist_ok=True)
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    ca_key = os.path.join(tls, "ca.key")
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=milvus-scenario test CA",
        "-keyout", ca_key, "-out", ca)
    csr = os.path.join(tls, "server.csr")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", key, "-out", csr)
    ext = os.path.join(tls, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "3650",
        "-extfile", ext, "-out", cert)
    return cert, key, ca


# ---------------------------------------------------------------- serve (webhook + SMTP)

class Webhook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        try:
            payload = json.loads(body)
        except ValueError:
            payload = body.decode("utf-8", "replace")
        append("webhook", {"path": self.path, "received": time.time(), "payload": payload,
                           "headers": {k: v for k, v in self.headers.items() if k.lower() not in ("authorization",)}})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok":true}')

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"webhook receiver: POST anything\n")

    def log_message(self, *args):
        pass


def serve(args):
    import ssl
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key, _ = ensure_certificates()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            append("smtp", {"received": time.time(), "from": envelope.mail_from, "to": envelope.rcpt_tos,
                            "login": session.auth_data if isinstance(session.auth_data, str) else None,
                            # Over TLS, whether by STARTTLS or from the start.
                            "tls": server.transport.get_extra_info("ssl_object") is not None,
                            "data": envelope.content.decode("utf-8", "replace")})
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login.decode() == SMTP_USER and auth_data.password.decode() == SMTP_PASSWORD
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

    controller = Controller(Handler(), hostname="127.0.0.1", port=PORTS["smtp"], tls_context=context,
                            require_starttls=True, authenticator=authenticator, auth_required=True,
                            server_hostname="localhost")
    controller.start()
    # aiosmtpd's auth_require_tls only knows STARTTLS; this listener is TLS from the first byte.
    implicit = Controller(Handler(), hostname="127.0.0.1", port=PORTS["smtps"], ssl_context=context,
                          authenticator=authenticator, auth_required=True, auth_require_tls=False,
                          server_hostname="localhost")
    implicit.start()
    httpd = ThreadingHTTPServer(("127.0.0.1", PORTS["webhook"]), Webhook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    log(f"webhook on {PORTS['webhook']}, smtp on {PORTS['smtp']} (STARTTLS) and {PORTS['smtps']} (TLS)")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    httpd.shutdown()
    controller.stop()
    implicit.stop()


# ---------------------------------------------------------------- up / down

ALERTMANAGER_CONFIG = """route:
  receiver: webhook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 4h
receivers:
  - name: webhook
    webhook_configs:
      - url: http://127.0.0.1:{webhook}/alertmanager
        send_resolved: true
"""


def load_state():
    try:
        with open(STATE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def expected_program(name):
    """What a recorded process runs: this script for `serve`, the Alertmanager binary otherwise."""
    return os.path.abspath(__file__) if name == "serve" else "/usr/bin/prometheus-alertmanager"


def ours(name, pid):
    """True when `pid` is alive and still runs what we started under `name`: a stale pid from a
    state file may since belong to an unrelated process, which `down` must never signal."""
    if not pid or not alive(pid):
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = [c.decode(errors="replace") for c in f.read().split(b"\0") if c]
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            if f.read().split(")")[-1].split()[0] == "Z":
                return False
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    # `serve` runs as `python3 alert_receivers.py serve`: the program is the second word.
    names = [os.path.basename(c) for c in cmdline[:2]]
    return os.path.basename(expected_program(name)) in names


def up(args):
    state = load_state()
    if state and all(ours(n, p) for n, p in state.get("pids", {}).items()):
        log("already running")
        return status(args)
    down(args, quiet=True)
    busy = [f"{k} {p}" for k, p in PORTS.items() if port_open(p)]
    if busy:
        sys.exit(f"ports in use by another process: {', '.join(busy)} (`ss -ltnp` shows which)")
    os.makedirs(HOME, exist_ok=True)
    ensure_certificates()
    pids = {}
    with open(os.path.join(HOME, "serve.log"), "ab") as out:
        pids["serve"] = subprocess.Popen([sys.executable, os.path.abspath(__file__), "serve"], stdout=out, stderr=out,
                                         stdin=subprocess.DEVNULL, start_new_session=True).pid
    am = "/usr/bin/prometheus-alertmanager"
    if not os.path.exists(am):
        sys.exit("prometheus-alertmanager is not installed (scripts/bootstrap installs it)")
    config = os.path.join(HOME, "alertmanager.yml")
    with open(config, "w") as f:
        f.write(ALERTMANAGER_CONFIG.format(webhook=PORTS["webhook"]))
    storage = os.path.join(HOME, "alertmanager-data")
    os.makedirs(storage, exist_ok=True)
    with open(os.path.join(HOME, "alertmanager.log"), "ab") as out:
        pids["alertmanager"] = subprocess.Popen(
            [am, f"--config.file={config}", f"--storage.path={storage}",
             f"--web.listen-address=127.0.0.1:{PORTS['alertmanager']}", "--cluster.listen-address="],
            stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True).pid
    with open(STATE, "w") as f:
        json.dump({"pids": pids}, f)
    for kind, port in PORTS.items():
        wait_port(port, kind)
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORTS['alertmanager']}/-/ready", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.time() >= deadline:
            down(args, quiet=True)
            sys.exit(f"Alertmanager did not answer /-/ready within 30 s; see {HOME}/alertmanager.log")
        time.sleep(0.3)
    log("ready")
    status(args)


def down(args, quiet=False):
    state = load_state()
    for name, pid in state.get("pids", {}).items():
        if ours(name, pid):
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                if not ours(name, pid):
                    break
                time.sleep(0.1)
            if ours(name, pid):
                os.kill(pid, signal.SIGKILL)
            if not quiet:
                log(f"stopped {name} (pid {pid})")
        elif alive(pid) and not quiet:
            log(f"not stopping pid {pid}: it no longer runs {name} (a stale pid, reused)")
    if os.path.exists(STATE):
        os.remove(STATE)


def status(args):
    state = load_state()
    pids = state.get("pids", {})
    running = bool(pids) and all(ours(n, p) for n, p in pids.items())
    for kind, port in PORTS.items():
        print(f"  {kind:13} 127.0.0.1:{port}  {'up' if port_open(port) else 'down'}")
    _, _, ca = ensure_certificates() if running else (None, None, os.path.join(HOME, "tls", "ca.pem"))
    print(f"  smtp login {SMTP_USER} (ALERT_SMTP_USER / ALERT_SMTP_PASSWORD), CA file {ca}")
    if not running:
        sys.exit(1)


def reset(args):
    for kind in ("webhook", "smtp"):
        path = os.path.join(HOME, f"{kind}.jsonl")
        if os.path.exists(path):
            os.remove(path)
    log("forgot everything received")


def received(args):
    if args.kind == "alertmanager":
        with urllib.request.urlopen(f"http://127.0.0.1:{PORTS['alertmanager']}/api/v2/alerts", timeout=5) as r:
            print(r.read().decode())
    else:
        print(json.dumps(read(args.kind), ensure_ascii=False, indent=1))


def main():
    parser = argparse.ArgumentParser(prog="alert-receivers", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, fn in (("up", up), ("down", down), ("status", status), ("reset", reset), ("serve", serve)):
        sub.add_parser(name).set_defaults(fn=fn)
    p = sub.add_parser("received")
    p.add_argument("kind", choices=["webhook", "smtp", "alertmanager"])
    p.set_defaults(fn=received)
    args = parser.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
