#!/usr/bin/env python3
"""`make bench`: measures every performance target of product.md against real release instances
on 127.0.0.1 and prints figure / target / verdict. Results also go to tests/bench/results/latest.json.

Load comes from Debian's wrk (16 connections, 2 threads, bounded duration): it measures the
throughput the service sustains and its latency distribution at that load.
"""
import gzip
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("LOAN_BROKER_BIN", ROOT / "target/release/loan-broker"))
RESULTS = ROOT / "tests/bench/results"
DURATION = os.environ.get("BENCH_DURATION", "8s")
PASSWORD = "Bench-Passw0rd-2026"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, token=None, body=None, content_type="application/json", timeout=120):
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, resp.read()


class Instance:
    def __init__(self, state_dir, customers=0):
        self.dir = Path(state_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, LOAN_BROKER__STATE_DIR=str(self.dir), LOAN_BROKER__PORT=str(self.port),
                        LOAN_BROKER__LOG_LEVEL="warn", LOAN_BROKER__IMPORT_MAX_ROWS="200000",
                        LOAN_BROKER__MAX_UPLOAD_BYTES=str(64 * 1024 * 1024))
        if customers:
            subprocess.run([BIN, "demo-data", "--customers", str(customers)], env=self.env, check=True, capture_output=True)
        self.proc = None

    def start(self):
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stderr=subprocess.DEVNULL)
        deadline = t0 + 20
        while time.perf_counter() < deadline:
            try:
                if http("GET", self.url + "/health", timeout=1)[0] == 200:
                    return (time.perf_counter() - t0) * 1000
            except OSError:
                time.sleep(0.002)
        raise RuntimeError("instance did not become healthy")

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)

    def rss_mb(self):
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def token(self):
        initial = (self.dir / "initial-admin-password").read_text().strip()
        for pw in (initial, PASSWORD):
            try:
                _, body = http("POST", self.url + "/api/auth/login", body={"username": "admin", "password": pw})
            except urllib.error.HTTPError:
                continue
            tok = json.loads(body)
            if tok["must_change_password"]:
                _, body = http("POST", self.url + "/api/auth/change-password", tok["access_token"],
                               {"current_password": pw, "new_password": PASSWORD})
                tok = json.loads(body)
            return tok["access_token"]
        raise RuntimeError("cannot log in")


def wrk(url, token, script=None, connections=16):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{DURATION}", "--latency", "-H", f"Authorization: Bearer {token}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout

    def latency(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": latency(50), "p99_ms": latency(99), "non_2xx": int(errors.group(1)) if errors else 0}


def multipart(field, filename, data):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t0) * 1000, result


def main():
    if not BIN.exists():
        sys.exit(f"{BIN} not found: run `cargo build --release -p loan-broker` (make bench does)")
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk (make bench does)")
    work = Path(tempfile.mkdtemp(prefix="loan-broker-bench-"))
    rows = []
    results = {}

    def record(key, label, value, unit, target, ok, note=""):
        results[key] = {"value": round(value, 2), "unit": unit, "target": target, "met": ok, "note": note}
        rows.append((label, f"{value:,.1f} {unit}", target, "met" if ok else "MISSED", note))

    instances = []
    try:
        # Cold start and idle memory: an empty instance, state dir already created.
        empty = Instance(work / "empty")
        subprocess.run([BIN, "migrate"], env=empty.env, check=True, capture_output=True)
        starts = []
        for _ in range(5):
            starts.append(empty.start())
            time.sleep(0.5)
            idle = empty.rss_mb()
            empty.stop()
        starts.sort()
        record("cold_start_ms", "cold start → healthy /health (median of 5)", starts[2], "ms", "≤ 300 ms", starts[2] <= 300)
        record("idle_rss_mb", "idle RSS", idle, "MB", "≤ 25 MB", idle <= 25)

        # 10,000 customers, as in product.md's table.
        a = Instance(work / "a", customers=10_000)
        instances.append(a)
        a.start()
        token = a.token()
        listing = wrk(a.url + "/api/customers?q=%E7%A7%91%E6%8A%80&page_size=20", token)
        record("list_rps", "GET /api/customers (q, page 20, 10k rows)", listing["rps"], "req/s", "≥ 5,000 req/s", listing["rps"] >= 5000,
               f"p50 {listing['p50_ms']:.2f} ms, errors {listing['non_2xx']}")
        record("list_p99_ms", "GET /api/customers p99", listing["p99_ms"], "ms", "≤ 10 ms", listing["p99_ms"] <= 10)
        script = work / "get.lua"
        script.write_text('math.randomseed(7)\nrequest = function()\n  return wrk.format("GET", "/api/customers/" .. math.random(1, 10000))\nend\n')
        get = wrk(a.url, token, str(script))
        record("get_rps", "GET /api/customers/{id}", get["rps"], "req/s", "≥ 10,000 req/s", get["rps"] >= 10000,
               f"p50 {get['p50_ms']:.2f} ms, p99 {get['p99_ms']:.2f} ms, errors {get['non_2xx']}")
        script = work / "diag.lua"
        script.write_text('math.randomseed(7)\nrequest = function()\n  return wrk.format("POST", "/api/customers/" .. math.random(1, 10000) .. "/diagnoses")\nend\n')
        diag = wrk(a.url, token, str(script))
        record("diagnosis_rps", "POST /api/customers/{id}/diagnoses", diag["rps"], "req/s", "≥ 3,000 req/s", diag["rps"] >= 3000,
               f"p50 {diag['p50_ms']:.2f} ms, p99 {diag['p99_ms']:.2f} ms, errors {diag['non_2xx']}")
        record("rss_after_load_mb", "RSS after load", a.rss_mb(), "MB", "(reported)", True)

        ms, (_, xlsx) = timed(lambda: http("GET", a.url + "/api/exports/customers?format=xlsx", token))
        record("export_xlsx_ms", "export 10,000 rows (.xlsx)", ms, "ms", "≤ 1,000 ms", ms <= 1000)
        ms_csv, (_, csv) = timed(lambda: http("GET", a.url + "/api/exports/customers?format=csv", token))
        record("export_csv_ms", "export 10,000 rows (.csv)", ms_csv, "ms", "(reported)", True)

        cpu0, logins = a.cpu_seconds(), 10
        for _ in range(logins):
            http("POST", a.url + "/api/auth/login", body={"username": "admin", "password": PASSWORD})
        login_cpu = (a.cpu_seconds() - cpu0) * 1000 / logins
        record("login_cpu_ms", "login (argon2id) CPU per login", login_cpu, "ms", "≤ 100 ms", login_cpu <= 100)
        record("rss_after_logins_mb", "RSS after logins", a.rss_mb(), "MB", "(reported)", True)
        a.stop()

        # Imports into fresh instances (inserts, validated, committed).
        for fmt, data, limit in (("csv", csv, 500), ("xlsx", xlsx, 1000)):
            inst = Instance(work / f"import-{fmt}")
            instances.append(inst)
            inst.start()
            t = inst.token()
            body, ctype = multipart("file", f"customers.{fmt}", data)
            ms, (_, report) = timed(lambda: http("POST", inst.url + "/api/imports/customers?dry_run=false", t, body, ctype))
            inserted = json.loads(report)["inserted"]
            record(f"import_{fmt}_ms", f"import 10,000 rows (.{fmt})", ms, "ms", f"≤ {limit:,} ms", ms <= limit and inserted == 10_000,
                   f"{inserted} inserted")
            inst.stop()

        # 100,000 customers: re-diagnosis and the list at that size.
        b = Instance(work / "b", customers=100_000)
        instances.append(b)
        b.start()
        token = b.token()
        ms, (_, body) = timed(lambda: http("POST", b.url + "/api/diagnoses/rediagnose-all", token, timeout=600))
        record("rediagnose_100k_ms", "re-diagnose 100,000 customers", ms, "ms", "≤ 5,000 ms", ms <= 5000,
               f"{json.loads(body)['diagnosed']} diagnosed")
        listing = wrk(b.url + "/api/customers?q=%E7%A7%91%E6%8A%80&page_size=20", token)
        record("list_100k_rps", "GET /api/customers (q, page 20, 100k rows)", listing["rps"], "req/s", "(reported)", True,
               f"p99 {listing['p99_ms']:.2f} ms")
        b.stop()

        manifest = ROOT / "frontend/dist/.vite/manifest.json"
        if manifest.exists():
            out = subprocess.run(["node", "scripts/bundle-size.mjs"], cwd=ROOT / "frontend", capture_output=True, text=True).stdout
            kb = float(re.search(r"login page initial JS: ([\d.]+) KB", out).group(1))
            record("login_js_kb", "login page initial JS (gzip)", kb, "KB", "≤ 400 KB", kb <= 400)
        else:
            rows.append(("login page initial JS (gzip)", "not measured", "≤ 400 KB", "MISSED", "frontend/dist missing: run make frontend"))
    finally:
        for inst in instances:
            if inst.proc and inst.proc.poll() is None:
                inst.proc.kill()
        shutil.rmtree(work, ignore_errors=True)

    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), platform.processor())
    machine = {"cores": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "wrk": f"-t2 -c16 -d{DURATION}"}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({"machine": machine, "date": time.strftime("%Y-%m-%d %H:%M"), "results": results}, ensure_ascii=False, indent=2))
    width = max(len(r[0]) for r in rows)
    print(f"\nmachine: {machine['cores']} cores, {machine['cpu']}")
    print(f"{'figure':<{width}}  {'measured':>16}  {'target':<16} verdict")
    for label, value, target, verdict, note in rows:
        print(f"{label:<{width}}  {value:>16}  {target:<16} {verdict}  {note}")
    print(f"\nresults written to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
