#!/usr/bin/env python3
"""Executable size, start to first /healthz 200 (median of 7, empty database) and idle RSS
with no monitors, measured on the published executable on 127.0.0.1. Writes its section of
docs/benchmarks.md and prints it."""
import http.client, os, platform, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, datetime
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import write_section, machine_line, free_port

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("FLATLINE_BINARY", os.path.join(root, "artifacts", "publish", "flatline"))

def healthy(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/healthz")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False

def start(folder):
    port = free_port()
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "--address", f"127.0.0.1:{port}"], cwd=folder,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env={"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "warning"})
    deadline = t0 + 10
    while time.perf_counter() < deadline:
        if healthy(port):
            return p, (time.perf_counter() - t0) * 1000
        time.sleep(0.0005)
    p.kill()
    raise SystemExit("flatline did not become healthy within 10 s")

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")

size = os.path.getsize(binary)
times = []
for i in range(7):
    with tempfile.TemporaryDirectory() as folder:
        p, ms = start(folder)
        times.append(ms)
        p.send_signal(signal.SIGTERM); p.wait(10)

with tempfile.TemporaryDirectory() as folder:
    p, _ = start(folder)
    time.sleep(5)
    idle = rss_mb(p.pid)
    p.send_signal(signal.SIGTERM); p.wait(10)

rows = [
    ("Published executable", f"{size / 1e6:.1f} MB (one file)", "≤ 20 MB", size <= 20e6),
    ("Start to first `/healthz` 200, empty database", f"median {statistics.median(times):.1f} ms (min {min(times):.1f}, max {max(times):.1f}, n=7)", "≤ 100 ms", statistics.median(times) <= 100),
    ("Idle RSS, no monitors, after 5 s", f"{idle:.1f} MB", "≤ 30 MB", idle <= 30),
]
body = [machine_line(), "", "Command: `python3 scripts/bench-startup.py` (on `artifacts/publish/flatline`)", "",
        "| What | Measured | Target | Holds |", "|---|---|---|---|"]
body += [f"| {a} | {b} | {c} | {'yes' if d else '**no**'} |" for a, b, c, d in rows]
write_section("startup", "Size, start-up and idle memory", body)
