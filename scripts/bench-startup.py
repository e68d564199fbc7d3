#!/usr/bin/env python3
"""Executable size, start to first /healthz 200 (median of 7, empty database) and idle RSS with no
monitors, measured on the published executable on 127.0.0.1. Idle RSS is taken in the three states a
server without monitors is found in: just started on a new database (waiting for its owner), after
the owner signed in and an API token was used (which loads OpenSSL), and restarted after that.
Writes its section of docs/benchmarks.md and prints it."""
import http.client, json, os, re, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import write_section, machine_line, free_port, binary, flatline_env, create_token, stop

# RSS is read 5 s after each step and again once the server has been quiet for 30 s: the idle
# collector (Flatline/IdleCollector.cs) gives a burst's garbage back after a quiet 10 s period.
SOON_SECONDS, QUIET_SECONDS = 5, 30

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
    """Starts Flatline and polls /healthz every 0.5 ms: (process, ms to the first 200, port)."""
    port = free_port()
    log = open(os.path.join(folder, "stdout.txt"), "w")
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "--address", f"127.0.0.1:{port}"], cwd=folder, env=flatline_env(folder),
                         stdout=log, stderr=subprocess.STDOUT)
    deadline = t0 + 10
    while time.perf_counter() < deadline:
        if healthy(port):
            return p, (time.perf_counter() - t0) * 1000, port
        time.sleep(0.0005)
    p.kill()
    raise SystemExit("flatline did not become healthy within 10 s")

def memory(pid):
    """RSS and its anonymous and file-backed parts, in MB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"): fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["RssAnon"], fields["RssFile"]

def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
    r = c.getresponse(); data = r.read(); c.close()
    return r.status, data

def settle(pid):
    """RSS soon after the last step, and once the server has been quiet."""
    time.sleep(SOON_SECONDS)
    soon = memory(pid)
    time.sleep(QUIET_SECONDS - SOON_SECONDS)
    return soon, memory(pid)

def setup_token(folder):
    deadline = time.time() + 5
    while time.time() < deadline:
        match = re.search(r"setup\?token=([0-9a-f]+)", open(os.path.join(folder, "stdout.txt")).read())
        if match: return match.group(1)
        time.sleep(0.05)
    raise SystemExit("flatline printed no setup URL")

size = os.path.getsize(binary)
times = []
for i in range(7):
    with tempfile.TemporaryDirectory() as folder:
        p, ms, _ = start(folder)
        times.append(ms)
        stop(p)

with tempfile.TemporaryDirectory() as folder:
    p, _, port = start(folder)
    fresh = settle(p.pid)

    json_headers = {"Content-Type": "application/json"}
    status, _ = request(port, "POST", "/auth/setup", {"token": setup_token(folder), "name": "owner", "password": "a long bench password"}, json_headers)
    if status != 201: raise SystemExit(f"setup answered {status}")
    status, _ = request(port, "POST", "/auth/login", {"name": "owner", "password": "a long bench password"}, json_headers)
    if status != 200: raise SystemExit(f"login answered {status}")
    token = create_token(folder)
    status, _ = request(port, "GET", "/api/v1/monitors", headers={"Authorization": f"Bearer {token}"})
    if status != 200: raise SystemExit(f"GET /api/v1/monitors with a token answered {status}")
    signed_in = settle(p.pid)
    stop(p)

    p, _, port = start(folder)
    restarted = settle(p.pid)
    stop(p)

def idle_row(label, m):
    soon, quiet = m
    return (f"Idle RSS, no monitors: {label}",
            f"{quiet[0]:.1f} MB after {QUIET_SECONDS} s quiet ({quiet[1]:.1f} anonymous + {quiet[2]:.1f} file-backed); {soon[0]:.1f} MB {SOON_SECONDS} s after",
            "≤ 30 MB", quiet[0] <= 30)

rows = [
    ("Published executable", f"{size / 1e6:.1f} MB (one file)", "≤ 20 MB", size <= 20e6),
    ("Start to first `/healthz` 200, empty database", f"median {statistics.median(times):.1f} ms (min {min(times):.1f}, max {max(times):.1f}, n=7)", "≤ 100 ms", statistics.median(times) <= 100),
    idle_row("new database, waiting for its owner", fresh),
    idle_row("the owner signed in and an API token used", signed_in),
    idle_row("restarted with an owner", restarted),
]
body = [machine_line(), "", "Command: `python3 scripts/bench-startup.py` (on `artifacts/publish/flatline`)", "",
        "| What | Measured | Target | Holds |", "|---|---|---|---|"]
body += [f"| {a} | {b} | {c} | {'yes' if d else '**no**'} |" for a, b, c, d in rows]
body += ["", "File-backed pages are the executable's and shared libraries' pages mapped into the process. When the file "
         "is in the page cache, the kernel maps 64 KB around every page a fault touches (fault-around), so start-up code "
         f"spread over the file makes most of its {size / 1e6:.1f} MB resident. Signing in loads OpenSSL (PBKDF2, SHA-256, "
         "HMAC), about 3.8 MB of `libcrypto.so.3` and `libssl.so.3` that stay mapped; a server with HTTPS monitors loads it too."]
write_section("startup", "Size, start-up and idle memory", body)
