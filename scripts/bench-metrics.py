#!/usr/bin/env python3
"""GET /metrics with 10,000 monitors, each checked at least once against a local nginx, on the
published executable, 127.0.0.1 only: 50 scrapes one after another (after 3 warm-up scrapes), each
timed from sending the request to the last byte of the body, in both formats Prometheus may ask
for. Writes its section of docs/benchmarks.md."""
import http.client, os, sqlite3, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(__file__))
from benchdoc import *

MONITORS, INTERVAL, SCRAPES = 10_000, 60, 50
FORMATS = [("Prometheus text", None),
           ("OpenMetrics", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")]

def timed_scrape(port, token, accept):
    """One scrape timed by curl, a compiled client as Prometheus is, from the request to the body's last
    byte (the body discarded): Python's http.client adds ~14 ms of its own to reading 13 MiB."""
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-H", f"Authorization: Bearer {token}"]
    if accept: command += ["-H", f"Accept: {accept}"]
    status, total = subprocess.run(command + [f"http://127.0.0.1:{port}/metrics"], capture_output=True, text=True, timeout=60).stdout.split()
    if status != "200": raise SystemExit(f"/metrics answered {status}")
    return float(total) * 1000

def scrape(port, token, accept):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    if accept: headers["Accept"] = accept
    start = time.perf_counter()
    c.request("GET", "/metrics", headers=headers)
    response = c.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    c.close()
    if response.status != 200: raise SystemExit(f"/metrics answered {response.status}")
    return elapsed, body

def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

with tempfile.TemporaryDirectory() as nginx_folder, tempfile.TemporaryDirectory() as folder:
    nginx_port = start_nginx(nginx_folder)
    try:
        token = create_token(folder)
        seed_monitors(folder, MONITORS, INTERVAL, f"http://127.0.0.1:{nginx_port}/")
        p, port = start_flatline(folder)
        try:
            # Every monitor checked once: each has a last response time and counters, as in a running instance.
            deadline = time.time() + INTERVAL + 60
            while time.time() < deadline:
                db = sqlite3.connect(f"file:{folder}/flatline.db?mode=ro", uri=True)
                unchecked = db.execute("SELECT count(*) FROM monitors WHERE last_checked_at IS NULL").fetchone()[0]; db.close()
                if unchecked == 0: break
                time.sleep(1)
            results, python_times = [], []
            for name, accept in FORMATS:
                for _ in range(3): scrape(port, token, accept)
                times = [timed_scrape(port, token, accept) for _ in range(SCRAPES)]
                print(name, "scrapes (ms, in order):", " ".join(f"{t:.0f}" for t in times), flush=True)
                python_ms, body = scrape(port, token, accept)
                size = len(body)
                series = sum(1 for line in body.split(b"\n") if line and not line.startswith(b"#"))
                results.append((name, times, size, series))
                python_times.append((name, python_ms))
            rss = rss_mb(p.pid)
        finally:
            stop(p)
    finally:
        stop_nginx(nginx_folder)

lines = [machine_line(), "",
         f"Command: `python3 scripts/bench-metrics.py` — {MONITORS:,} monitors checking nginx every {INTERVAL} s, each checked at "
         f"least once; {SCRAPES} scrapes of `/metrics` one after another with a bearer token, each timed from request to the "
         f"body's last byte by curl (a new connection each; curl, like Prometheus, is a compiled client: Python's http.client, used "
         f"before, adds ~14 ms of its own to reading the body — one scrape read by it after the timed ones: {', '.join(f'{n} {m:.1f} ms' for n, m in python_times)}). "
         f"RSS of Flatline after the scrapes: {rss:.0f} MB.", "",
         "| What | Measured | Target | Holds |", "|---|---|---|---|"]
for name, times, size, series in results:
    p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
    lines.append(f"| `GET /metrics`, {name}, {MONITORS:,} monitors ({series:,} series, {size / 2**20:.1f} MiB) | "
                 f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(times):.1f} ms | ≤ 50 ms per scrape | {'yes' if p99 <= 50 else '**no**'} |")
write_section("metrics", "Metrics scrape", lines)
