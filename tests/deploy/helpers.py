#!/usr/bin/env python3
"""Small helpers for tests/deploy/run.sh (standard library only, Python >= 3.9). Bearer tokens come
from $LB_TOKEN (or --token), so they do not show up in `ps`.

  json KEY [KEY ...]       read JSON on stdin, print each value (strings raw, others as JSON)
  csv N PREFIX OUT [PAD]   write an import CSV of N customers named PREFIX00001… (PAD: chars of an
                           ignored 说明 column per row, to make the file big)
  writer ...               keep creating customers; record every acknowledged (2xx) id and name
  verify ...               check that every acknowledged customer is present
  count BASE [Q]           print the number of live customers (optionally matching Q)
  kill-on-write PID BYTES SECONDS READY
                           SIGKILL PID as soon as it has written BYTES more (write syscalls, i.e.
                           SQLite pages going into the WAL) than when it started; touches READY once
                           the baseline is taken
  webhook PORT OUT         a tiny webhook receiver: appends each POST body as one line to OUT
  free-port                print a free TCP port on 127.0.0.1
"""

import argparse
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def cmd_json(args):
    data = json.load(sys.stdin)
    for key in args.keys:
        value = data
        for part in key.split("."):
            if isinstance(value, list):
                value = value[int(part)]
            elif isinstance(value, dict):
                value = value.get(part)
            else:
                value = None
        print(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def cmd_csv(args):
    filler = ("填充说明文字" * (args.pad // 6 + 1))[: args.pad] if args.pad else ""
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        f.write("企业名称,统一社会信用代码" + (",说明" if args.pad else "") + "\n")
        for i in range(1, args.n + 1):
            f.write(f"{args.prefix}{i:05d},")
            f.write(f",{filler}\n" if args.pad else "\n")


def request(base, method, path, token=None, body=None, timeout=10):
    """(status, parsed JSON or None) over plain HTTP; (0, None) when the connection failed."""
    url = base.rstrip("/") + path
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        return e.code, None
    except (OSError, http.client.HTTPException):
        return 0, None


def list_names(base, token, q):
    """Every live customer (id, name) matching q, by paging through the list."""
    out, page = {}, 1
    while True:
        qs = urllib.parse.urlencode({"q": q, "page": page, "page_size": 100, "sort": "id"})
        status, data = request(base, "GET", f"/api/customers?{qs}", token, timeout=30)
        if status != 200:
            raise SystemExit(f"listing customers failed: HTTP {status}")
        for c in data["items"]:
            out[c["id"]] = c["name"]
        if page * 100 >= data["total"] or not data["items"]:
            return out
        page += 1


def cmd_count(args):
    qs = urllib.parse.urlencode({"page_size": 1, **({"q": args.q} if args.q else {})})
    status, data = request(args.base, "GET", f"/api/customers?{qs}", os.environ["LB_TOKEN"], timeout=30)
    if status != 200:
        raise SystemExit(f"count failed: HTTP {status}")
    print(data["total"])


def cmd_writer(args):
    """Creates customers PREFIX-<thread>-<n> until STOP_FILE exists or --seconds pass. Each 2xx is
    appended (id<TAB>name) to OUT and flushed before the next request, so the file never claims a
    customer the service did not acknowledge."""
    host, port = urllib.parse.urlsplit(args.base).netloc.split(":")
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds
    stats = {"acked": 0, "failed": 0}
    out = open(args.out, "a", encoding="utf-8")

    def work(t):
        conn, n = None, 0
        while time.monotonic() < deadline and not os.path.exists(args.stop_file):
            n += 1
            name = f"{args.prefix}-{t}-{n:06d}"
            body = json.dumps({"name": name})
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, int(port), timeout=10)
                conn.request("POST", "/api/customers", body=body, headers={
                    "Content-Type": "application/json", "Authorization": f"Bearer {args.token}"})
                r = conn.getresponse()
                raw = r.read()
                if 200 <= r.status < 300:
                    cid = json.loads(raw)["id"]
                    with lock:
                        out.write(f"{cid}\t{name}\n")
                        out.flush()
                        stats["acked"] += 1
                else:
                    with lock:
                        stats["failed"] += 1
                    time.sleep(0.05)
            except (OSError, http.client.HTTPException, ValueError):
                with lock:
                    stats["failed"] += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
            if args.interval:
                time.sleep(args.interval)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()
    print(f"writer {args.prefix}: {stats['acked']} acknowledged, {stats['failed']} failed or refused")


def cmd_verify(args):
    acked = {}
    with open(args.acked, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                cid, name = line.rstrip("\n").split("\t")
                acked[int(cid)] = name
    present = list_names(args.base, args.token, args.prefix)
    missing = {i: n for i, n in acked.items() if present.get(i) != n}
    unacked = len(set(present) - set(acked))
    print(f"acknowledged {len(acked)}, present {len(present)} "
          f"(of which {unacked} were written but never acknowledged), missing {len(missing)}")
    for i, n in list(missing.items())[:10]:
        print(f"  missing: id {i} {n}")
    if not acked:
        raise SystemExit("no write was acknowledged: the test proved nothing")
    if missing:
        raise SystemExit(1)


def wchar(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("wchar:"):
                return int(line.split()[1])
    raise SystemExit("no wchar")


def cmd_kill_on_write(args):
    import signal
    base = wchar(args.pid)
    open(args.ready, "w").close()
    t0 = time.monotonic()
    while time.monotonic() - t0 < args.seconds:
        w = wchar(args.pid)
        if w - base >= args.bytes:
            os.kill(args.pid, signal.SIGKILL)
            print(f"killed after {w - base} bytes written, {time.monotonic() - t0:.3f} s")
            return
        time.sleep(0.0005)
    raise SystemExit(f"pid {args.pid} wrote only {wchar(args.pid) - base} bytes in {args.seconds} s")


def cmd_webhook(args):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with open(args.out, "ab") as f:
                f.write(body.replace(b"\n", b" ") + b"\n")
            reply = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, fmt, *a):
            sys.stderr.write("webhook: " + (fmt % a) + "\n")

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


def cmd_free_port(_args):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("json")
    s.add_argument("keys", nargs="+")
    s.set_defaults(fn=cmd_json)
    s = sub.add_parser("csv")
    s.add_argument("n", type=int)
    s.add_argument("prefix")
    s.add_argument("out")
    s.add_argument("pad", type=int, nargs="?", default=0)
    s.set_defaults(fn=cmd_csv)
    s = sub.add_parser("count")
    s.add_argument("base")
    s.add_argument("q", nargs="?")
    s.set_defaults(fn=cmd_count)
    s = sub.add_parser("writer")
    s.add_argument("--base", required=True)
    s.add_argument("--token", default=os.environ.get("LB_TOKEN"))
    s.add_argument("--prefix", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--stop-file", required=True)
    s.add_argument("--seconds", type=float, default=60)
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--interval", type=float, default=0)
    s.set_defaults(fn=cmd_writer)
    s = sub.add_parser("verify")
    s.add_argument("--base", required=True)
    s.add_argument("--token", default=os.environ.get("LB_TOKEN"))
    s.add_argument("--prefix", required=True)
    s.add_argument("--acked", required=True)
    s.set_defaults(fn=cmd_verify)
    s = sub.add_parser("webhook")
    s.add_argument("port", type=int)
    s.add_argument("out")
    s.set_defaults(fn=cmd_webhook)
    s = sub.add_parser("kill-on-write")
    s.add_argument("pid", type=int)
    s.add_argument("bytes", type=int)
    s.add_argument("seconds", type=float)
    s.add_argument("ready")
    s.set_defaults(fn=cmd_kill_on_write)
    s = sub.add_parser("free-port")
    s.set_defaults(fn=cmd_free_port)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
